"""The admin's page of document templates (系统设置 · 文书模板): per kind, the template in use (shipped or uploaded,
by whom, when), its download to edit in WPS or Word, the upload form and the history to revert to. Every write
goes through reporting.template_services."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.http import client_ip
from org.access import role_required
from reporting import documents, template_services, templates_store
from reporting.models import DocumentTemplate
from reporting.template_forms import TemplateUploadForm

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _known(kind):
    if kind not in documents.FAMILY:
        raise Http404("未知的文书类型。")
    return kind


def _docx(data, filename):
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=DOCX_CONTENT_TYPE)


@login_required
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def template_list(request, failed_form=None):
    cards = []
    for info in template_services.kinds():
        form = failed_form if failed_form is not None and failed_form.kind == info.kind else None
        cards.append(
            {
                "info": info,
                "in_use": templates_store.in_use(info.kind),
                "history": templates_store.history(info.kind),
                "form": form or TemplateUploadForm(kind=info.kind),
            }
        )
    context = {"cards": cards, "max_size": template_services.TEMPLATE_MAX_BYTES // (1024 * 1024)}
    return render(request, "reporting/templates_settings.html", context, status=400 if failed_form else 200)


@login_required
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def template_download(request, kind):
    """The template in use for `kind`, to edit: the uploaded one, else the one shipped with the product."""
    kind = _known(kind)
    label = template_services.kind_label(kind)
    current = templates_store.in_use(kind)
    if current is not None:
        return _docx(templates_store.active_template(kind) or b"", f"{label}模板-{current.name}")
    return _docx(documents.shipped_template(kind), f"{label}模板（系统自带）.docx")


@login_required
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def uploaded_download(request, pk):
    try:
        template = templates_store.uploaded(pk)
    except DocumentTemplate.DoesNotExist:
        raise Http404("该模板不存在。") from None
    return _docx(bytes(template.data), f"{template_services.kind_label(template.kind)}模板-{template.name}")


def _back_to(kind):
    return redirect(f"{reverse('settings_templates')}#template-{kind}")


@login_required
@require_POST
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def template_upload(request, kind):
    kind = _known(kind)
    form = TemplateUploadForm(request.POST, request.FILES, kind=kind)
    if form.is_valid():
        try:
            template_services.upload_template(
                request.user, kind, form.cleaned_data["file"], note=form.cleaned_data["note"], ip=client_ip(request)
            )
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            label = template_services.kind_label(kind)
            messages.success(request, f"已启用新的{label}模板。之后生成的{label}使用该模板，已生成的文书不变。")
            return _back_to(kind)
    return template_list(request, failed_form=form)


@login_required
@require_POST
@role_required("is_admin", "仅系统管理员可以查看此页面。")
def template_revert(request, kind):
    """Back to the shipped template (no `to`) or to an earlier upload (`to` = its id)."""
    kind = _known(kind)
    to = request.POST.get("to") or None
    if to is not None and not to.isdigit():
        raise Http404("该模板不存在。")
    label = template_services.kind_label(kind)
    try:
        target = template_services.revert_template(
            request.user, kind, to=int(to) if to else None, ip=client_ip(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        which = f"“{target.name}”" if target is not None else "系统自带模板"
        messages.success(request, f"{label}已改用{which}。之后生成的{label}使用该模板，已生成的文书不变。")
    return _back_to(kind)
