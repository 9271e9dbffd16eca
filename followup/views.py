"""The follow-through section of an incident (issue 17): /followup/incidents/<id>/ shows the joint reviews, the
upward reports, the 市级交办 and the 后期处置 (持续关注 and 总结评估, 000 三.3) with the office's forms; each form posts
to one service. The same partials (templates/incidents/_joint_review.html, _upward.html, _aftercare.html) are on the
incident page."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip
from followup import aftercare, forms, selectors, services
from followup.models import AftercareEvaluation, JointReview, UpwardReport
from incidents.models import Incident
from incidents.selectors import visible_incidents
from org.access import access_for


def _incident(request: HttpRequest, pk: int) -> Incident:
    incident = visible_incidents(request.user).filter(pk=pk).first()
    if incident is None:
        raise Http404("舆情不存在或无权查看。")
    return incident


class _Choices:
    """What the forms offer, read once per request: the incident's reviews (the reply's citation), the upper bodies
    and the leaders who may sign a 专报."""

    def __init__(self, user: Any, incident: Incident):
        self.reviews = list(selectors.joint_reviews(user, incident))
        self.bodies = list(selectors.upper_bodies())
        self.signers = selectors.signers()


def _reply_form(c: _Choices, data: QueryDict | None) -> forms.ReviewedReplyForm:
    if data is None:  # the latest review cited by default (002 第九条)
        return forms.ReviewedReplyForm(reviews=c.reviews, initial={"review": c.reviews[0].pk if c.reviews else None})
    return forms.ReviewedReplyForm(data, reviews=c.reviews)


@dataclass(frozen=True)
class Handler:
    """One form of the page: how it is built (data None: unbound, for the page), the service it posts to (called as
    service(actor, incident, ip=…, **cleaned_data)) and the message shown after it."""

    form: Callable[[_Choices, QueryDict | None], django_forms.Form]
    service: Callable[..., object]
    done: str


HANDLERS: dict[str, Handler] = {
    "review": Handler(
        lambda c, d: forms.JointReviewForm(d), services.record_joint_review, "已登记会商研判，会商纪要已生成。"
    ),
    "reply": Handler(_reply_form, services.publish_reviewed_reply, "已登记回应。"),
    "upward": Handler(
        lambda c, d: forms.UpwardReportForm(d, bodies=c.bodies, signers=c.signers),
        services.record_upward_report,
        "已登记向上报送，专报已生成。",
    ),
    "city": Handler(
        lambda c, d: forms.CityAssignmentForm(d, bodies=c.bodies),
        services.receive_city_assignment,
        "已登记市级交办，反馈时限已开始计时。",
    ),
    "city_dispatch": Handler(
        lambda c, d: forms.CityDispatchForm(d), services.dispatch_city_assignment, "已按市级时限转办。"
    ),
    "report_back": Handler(lambda c, d: forms.ReportBackForm(d), services.report_back_to_city, "已登记向市里反馈。"),
    # 总结评估 (000 三.3)
    "aftercare": Handler(
        lambda c, d: forms.AftercareEvaluationForm(d),
        aftercare.write_evaluation,
        "已完成总结评估，总结评估报告已生成。",
    ),
}


def section(request: HttpRequest, incident: Incident, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the partials show: the records the user may see and, for the office, the forms (each `<name>_form`)."""
    user = request.user
    choices = _Choices(user, incident)
    bound = bound or {}
    return {
        "incident": incident,
        "is_office": access_for(user).is_office,
        "reviews": choices.reviews,
        "latest_review": choices.reviews[0] if choices.reviews else None,
        "high_attention": selectors.high_attention(incident),
        "upward_reports": list(selectors.upward_reports(user, incident)),
        "assignment": selectors.city_assignment(user, incident),
        **{f"{name}_form": bound.get(name) or h.form(choices, None) for name, h in HANDLERS.items()},
        **_aftercare(user, incident),
    }


def _aftercare(user: Any, incident: Incident) -> dict[str, Any]:
    """后期处置 (000 三.3): the watch, what it found, the 总结评估, and whether its form is offered (a closed incident
    not yet evaluated)."""
    evaluation = selectors.aftercare_evaluation(user, incident)
    return {
        "watch": selectors.aftercare_watch(user, incident),
        "aftercare_events": list(selectors.aftercare_events(user, incident)),
        "evaluation": evaluation,
        "may_evaluate": evaluation is None and incident.status == Incident.Status.CLOSED,
    }


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    return render(request, "followup/page.html", {"incident": incident, "fu": section(request, incident)})


@login_required
@require_POST
def act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    handler = HANDLERS.get(name)
    if handler is None:
        raise Http404
    incident = _incident(request, pk)
    form = handler.form(_Choices(request.user, incident), request.POST)
    if form.is_valid():
        actor = cast(User, request.user)  # login_required: a signed-in user
        try:
            handler.service(actor, incident, ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, handler.done)
            return redirect("followup_page", pk=incident.pk)
    context = section(request, incident, {name: form}) | {"failed": name}
    return render(request, "followup/page.html", {"incident": incident, "fu": context}, status=400)


@login_required
def review_document(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = selectors.joint_review(request.user, pk)
    except JointReview.DoesNotExist:
        raise Http404 from None
    return _docx(bytes(review.document), f"会商纪要-{review.incident.number}.docx")


@login_required
def upward_document(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.upward_report(request.user, pk)
    except UpwardReport.DoesNotExist:
        raise Http404 from None
    return _docx(bytes(report.document), f"专报-{report.doc_number or report.incident.number}.docx")


@login_required
def evaluation_document(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        evaluation = selectors.aftercare_evaluation_by_pk(request.user, pk)
    except AftercareEvaluation.DoesNotExist:
        raise Http404 from None
    return _docx(bytes(evaluation.document), f"总结评估-{evaluation.incident.number}.docx")


def _docx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
