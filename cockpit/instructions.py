"""The two 领导批示 actions the incident page offers (templates/incidents/_instructions.html): 下达批示 (a leader)
and 报告落实情况 (the office or a responsible unit's liaison). Thin: a form, one service, the outcome. Refused input
shows the form again on its own page with the errors (400), nothing changed; GET shows the same page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cockpit.forms import InstructionForm, ProgressForm
from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip
from incidents.selectors import visible_incidents, visible_leader_instructions
from incidents.services import instructions
from org.access import role_required


def _incident_page(incident_id):
    return redirect(reverse("incident_detail", args=[incident_id]) + "#instructions")


@login_required
@role_required("is_leader", "只有领导可以下达批示。")
def give(request, pk):
    incident = get_object_or_404(visible_incidents(request.user), pk=pk)
    form = InstructionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            instructions.give_instruction(
                request.user, incident, text=data["text"], due_at=data["due_at"], ip=client_ip(request)
            )
        except DomainError as exc:
            add_domain_errors(form, exc, unmatched_to_form=False)
        else:
            messages.success(request, f"已下达批示，办公室值班员将报告落实情况：{incident.title}")
            return _incident_page(incident.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "incident": incident, "title": "下达批示", "button": "下达批示"}
    return render(request, "cockpit/instruction_form.html", context, status=status)


@login_required
def progress(request, pk):
    item = get_object_or_404(
        visible_leader_instructions(request.user).select_related("incident", "given_by", "deadline"), pk=pk
    )
    if not instructions.may_report_progress(request.user, item.incident):
        raise PermissionDenied("只有办公室或承办单位的联络员可以报告批示落实情况。")
    form = ProgressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            instructions.report_instruction_progress(
                request.user, item, progress=form.cleaned_data["progress"], ip=client_ip(request)
            )
        except DomainError as exc:
            add_domain_errors(form, exc, unmatched_to_form=False)
        else:
            messages.success(request, f"已报告批示落实情况，已告知批示领导：{item.incident.title}")
            return _incident_page(item.incident_id)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "incident": item.incident, "item": item, "title": "报告落实情况", "button": "提交落实情况"}
    return render(request, "cockpit/instruction_form.html", context, status=status)
