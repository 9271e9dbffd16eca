"""Server-rendered pages. Thin: parse the form, call one service, show the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip
from deadlines import services as extension_services
from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from deadlines.scheduling import REPLY_KINDS
from deadlines.selectors import visible_deadlines, with_countdowns
from deadlines.services import extension_window_end
from incidents import search, selectors, services
from incidents.desk import suggested_units
from incidents.forms import (
    AssignForm,
    ClearanceForm,
    DispatchForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    FeedbackForm,
    GradeForm,
    HistoricalForm,
    LeaderReportForm,
    MergeForm,
    OfficeReplyForm,
    OptionalReasonForm,
    ReasonForm,
    ReplyDraftForm,
    ReportForm,
)
from incidents.grading import suggest_grade
from incidents.models import Attachment, Incident, TicketRole
from incidents.reply_checks import JOINT_REVIEW_REQUIRED
from incidents.services.triage import StaleIncident
from incidents.timeline import timeline_rows
from incidents.uploads import content_type_for
from incidents.workflow import INCIDENT, TICKET, ticket_is_handling
from org.access import LEADER, LIAISON, OFFICE, access_for


@login_required
def incident_create(request):
    # Prefilled from a link (a patrol's 发现舆情, monitoring/): shown for the officer to check, validated on submit.
    initial = {
        k: request.GET[k] for k in ("title", "platform", "url", "summary", "first_seen_at") if request.GET.get(k)
    }
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        files = [form.cleaned_data["screenshot"]] if form.cleaned_data.get("screenshot") else []
        try:
            incident = services.report_incident(
                request.user, links=form.links(), files=files, ip=client_ip(request), **fields
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已报送舆情 {incident.number}。")
            return redirect("incident_detail", pk=incident.pk)
    return render(request, "incidents/incident_form.html", {"form": form})


# The actions the incident page offers, in the order of its button bar (issue 14: buttons that open their form),
# with their titles; "grade" and "dispatch" read differently once the incident is graded or dispatched.
INCIDENT_TITLES = {
    "grade": "研判定级",
    "dispatch": "转办",
    "close": "审核销号",
    "send_back": "退回重办",
    "leader_report": "登记报告领导",
    "reply": "登记办公室发布的回应",
    "merge": "合并重复舆情",
    "dismiss": "不予处置",
    "reopen": "舆情反复，重新研判",
    "historical": "历史遗留问题认定",
    "grant_access": "授权查阅敏感舆情",
    "revoke_access": "撤销查阅授权",
}
MERGE_CANDIDATES = 20  # the type-ahead list under the merge field; the search narrows the whole visible set


INCIDENT_FORMS = {
    "grade": GradeForm,
    "dispatch": DispatchForm,
    "dismiss": ReasonForm,
    "merge": MergeForm,
    "close": OptionalReasonForm,
    "send_back": ReasonForm,
    "reopen": ReasonForm,
    # Not state transitions: the deadlines of the incident as a whole that the office meets itself.
    "leader_report": LeaderReportForm,
    "reply": OfficeReplyForm,
    "historical": HistoricalForm,
    # 知悉范围 of a confidential incident (issue 11 §1): the office grants and revokes.
    "grant_access": ClearanceForm,
    "revoke_access": ClearanceForm,
}


def _incident_actions(request, access, incident):
    """The forms the incident page offers this user: the transitions the state and their kinds allow, and the
    office's work on the incident as a whole."""
    kinds = set()
    if access.is_office:
        kinds.add(OFFICE)
    if access.is_leader:
        kinds.add(LEADER)
    actions = [t.action for t in INCIDENT.available(incident.status, kinds)]
    if "regrade" in actions:
        actions.append("grade")
    if "dispatch_more" in actions:
        actions.append("dispatch")
    if "close" in actions and not services.may_close(request.user, incident):
        actions.remove("close")  # the grade names another approver (000 四.3): no form that can only fail
    is_open = incident.is_open
    if is_open and incident.grade and services.may_record_leader_report(request.user, incident):
        actions.append("leader_report")
    if is_open and access.is_office:
        actions += ["reply", "historical"]
    if incident.is_confidential and access.is_office:
        actions += ["grant_access", "revoke_access"]
    return actions


def _grade_form(incident):
    suggestion = suggest_grade(
        views=incident.views,
        comments=incident.comments,
        site_count=incident.site_count,
        media_level=incident.media_level,
        text=f"{incident.title}\n{incident.summary}",
    )
    initial = {
        "grade": incident.grade or suggestion.grade,
        "is_historical": incident.is_historical,
        "version": incident.version,  # a concurrent grade is refused, not overwritten (issue 18)
    }
    return GradeForm(prefix="grade", initial=initial), suggestion


def _dispatch_form(incident):
    lead, assists = suggested_units(incident)
    has_lead = any(t.role == TicketRole.LEAD and t.is_open for t in incident.visible_tickets)
    return DispatchForm(prefix="dispatch", initial={"lead": None if has_lead else lead, "assists": assists})


def _incident_title(name, incident):
    if name == "grade" and incident.grade:
        return "调整等级"
    if name == "dispatch" and incident.visible_tickets:
        return "追加转办"
    return INCIDENT_TITLES[name]


def merge_candidates(user, incident, q=""):
    """Open incidents this user sees that `incident` may be merged into: those the search box finds for `q`
    (number, title, summary, unit, URL; incidents.search), else the newest."""
    qs = selectors.visible_incidents(user).open().exclude(pk=incident.pk)
    query = search.parse(q)
    if search.is_searchable(query):
        qs = search.apply(qs, query)
    return list(qs.order_by("-reported_at", "-id")[:MERGE_CANDIDATES])


def _action_list(forms, titles, bound):
    """[{name, title, form, failed}] in button order; a form that failed validation comes back open (failed)."""
    return [
        {"name": name, "title": titles[name], "form": form, "failed": bound is not None and name == bound.prefix}
        for name, form in forms.items()
    ]


def _incident_context(request, incident, bound=None):
    access = access_for(request.user)
    actions = _incident_actions(request, access, incident)
    forms = {name: INCIDENT_FORMS[name](prefix=name) for name in INCIDENT_TITLES if name in actions}
    suggestion = None
    if "grade" in forms:
        forms["grade"], suggestion = _grade_form(incident)
    if "historical" in forms:
        forms["historical"] = HistoricalForm(prefix="historical", initial={"is_historical": incident.is_historical})
    if "dispatch" in forms:
        forms["dispatch"] = _dispatch_form(incident)
    if bound is not None:
        forms[bound.prefix] = bound
    merge_q = request.GET.get("merge_q", "").strip()[:100] if "merge" in forms else ""
    return {
        "incident": incident,
        "forms": forms,
        "actions": _action_list(forms, {name: _incident_title(name, incident) for name in forms}, bound),
        "access": access,
        "suggestion": suggestion,
        "cleared_people": selectors.confidential_grantees(request.user, incident),
        "timeline_rows": timeline_rows(request.user, incident.timeline),
        # The report's own files; a unit's files show with its feedback under the tickets.
        "incident_files": [a for a in incident.attachments.all() if not a.feedback_id],
        "merge_q": merge_q,
        "merge_candidates": merge_candidates(request.user, incident, merge_q) if "merge" in forms else [],
        **_incident_deadline_context(request.user, incident),
    }


def _incident_deadline_context(user, incident):
    """What the office meets for the incident as a whole: the report-to-leaders and reply deadlines (as far as the
    user sees them) next to the reports and replies that met them."""
    deadlines = (
        visible_deadlines(user).filter(incident=incident, ticket__isnull=True).exclude(state=Deadline.State.CANCELLED)
    )
    return {
        "leader_reports": list(
            selectors.visible_leader_reports(user).filter(incident=incident).select_related("reported_by")
        ),
        "replies": list(selectors.visible_replies(user).filter(incident=incident).select_related("published_by")),
        "leader_report_deadlines": with_countdowns(list(deadlines.filter(kind=DeadlineKind.LEADER_REPORT))),
        "reply_deadlines": with_countdowns(list(deadlines.filter(kind__in=REPLY_KINDS))),
    }


def _get_incident(request, pk):
    try:
        return selectors.incident_detail(request.user, pk)
    except Incident.DoesNotExist:
        raise Http404("舆情不存在或无权查看。") from None


@login_required
def incident_detail(request, pk):
    incident = _get_incident(request, pk)
    return render(request, "incidents/incident_detail.html", _incident_context(request, incident))


# One handler per incident action: (user, incident, the form's cleaned data with the form as "_form", ip).


def _grade(user, incident, data, ip):
    try:
        return services.grade_incident(
            user,
            incident,
            grade=data["grade"],
            reason=data["reason"],
            is_historical=data.get("is_historical"),
            version=data.get("version"),
            ip=ip,
        )
    except StaleIncident as exc:  # the form comes back with what changed, and the current version
        data["_form"].refresh_version(exc.version)
        raise


def _dispatch(user, incident, data, ip):
    return services.dispatch_incident(
        user,
        incident,
        assignments=data["_form"].assignments(),
        due_at=data.get("due_at"),
        instructions=data.get("instructions", ""),
        ip=ip,
    )


def _dismiss(user, incident, data, ip):
    return services.dismiss_incident(user, incident, reason=data["reason"], ip=ip)


def _merge(user, incident, data, ip):
    return services.merge_incident(user, incident, into=data["into"], reason=data.get("reason", ""), ip=ip)


def _close(user, incident, data, ip):
    return services.close_incident(user, incident, opinion=data.get("reason", ""), ip=ip)


def _send_back(user, incident, data, ip):
    return services.send_back_incident(user, incident, reason=data["reason"], ip=ip)


def _reopen(user, incident, data, ip):
    return services.reopen_incident(user, incident, reason=data["reason"], ip=ip)


def _leader_report(user, incident, data, ip):
    return services.record_leader_report(
        user,
        incident,
        channel=data["channel"],
        reported_to=data["reported_to"],
        note=data.get("note", ""),
        reported_at=data.get("reported_at"),
        ip=ip,
    )


def _reply(user, incident, data, ip):
    return services.publish_reply(
        user,
        incident,
        kind=data["kind"],
        channel=data["channel"],
        content=data["content"],
        url=data.get("url", ""),
        published_at=data.get("published_at"),
        ip=ip,
    )


def _historical(user, incident, data, ip):
    return services.set_historical(user, incident, is_historical=data["is_historical"], reason=data["reason"], ip=ip)


def _grant_access(user, incident, data, ip):
    return services.grant_confidential_access(user, incident, user=data["user"], ip=ip)


def _revoke_access(user, incident, data, ip):
    return services.revoke_confidential_access(user, incident, user=data["user"], ip=ip)


INCIDENT_ACTIONS = {
    "grade": _grade,
    "dispatch": _dispatch,
    "dismiss": _dismiss,
    "merge": _merge,
    "close": _close,
    "send_back": _send_back,
    "reopen": _reopen,
    "leader_report": _leader_report,
    "reply": _reply,
    "historical": _historical,
    "grant_access": _grant_access,
    "revoke_access": _revoke_access,
}


def _run_incident_action(request, incident, action, data):
    handler = INCIDENT_ACTIONS.get(action)
    if handler is None:
        raise Http404
    return handler(request.user, incident, data, client_ip(request))


@login_required
@require_POST
def incident_action(request, pk, action):
    if action not in INCIDENT_FORMS:
        raise Http404
    incident = get_object_or_404(selectors.visible_incidents(request.user), pk=pk)
    kwargs = {"user": request.user} if action == "merge" else {}
    form = INCIDENT_FORMS[action](request.POST, prefix=action, **kwargs)
    if form.is_valid():
        try:
            _run_incident_action(request, incident, action, form.cleaned_data | {"_form": form})
        except DomainError as exc:
            add_domain_errors(form, exc, unmatched_to_form=False)
            if exc.code == JOINT_REVIEW_REQUIRED:
                # 002 第九条: the reply waits for the joint review; its form is on this page (_joint_review.html).
                form.add_error(None, mark_safe('<a href="#joint-review">前往本页「会商研判」登记会商研判</a>'))
        else:
            messages.success(request, "操作成功。")
            return redirect("incident_detail", pk=pk)
    messages.error(request, "操作未完成，请检查下方表单中的错误。")
    incident = _get_incident(request, pk)
    return render(request, "incidents/incident_detail.html", _incident_context(request, incident, form), status=400)


TICKET_TITLES = {
    "feedback": "提交反馈",
    "reply-draft": "拟写回应稿",
    "extension": "申请延期",
    "return": "退回",
    "assign": "指定认领",
    "decide-extension": "审批延期申请",
}

TICKET_FORMS = {
    "claim": None,
    "return": ReasonForm,
    "feedback": FeedbackForm,
    "assign": AssignForm,
    "extension": ExtensionRequestForm,
    "decide-extension": ExtensionDecisionForm,
    "reply-draft": ReplyDraftForm,
}


def _ticket_context(request, ticket, bound=None):
    access = access_for(request.user)
    kinds = access.kinds_for_unit(ticket.unit_id)
    available = {t.action for t in TICKET.available(ticket.status, kinds)}
    forms = {}
    if "return" in available:
        forms["return"] = ReasonForm(prefix="return")
    if available & {"progress", "submit_feedback"}:
        forms["feedback"] = FeedbackForm(prefix="feedback")
    if "assign" in available:
        forms["assign"] = AssignForm(prefix="assign", unit=ticket.unit)
    if "draft_reply" in available:
        forms["reply-draft"] = ReplyDraftForm(prefix="reply-draft")
    window_end = extension_window_end(ticket) if ticket.claimed_at else None
    pending = (
        ticket.extension_requests.filter(state=ExtensionRequest.State.PENDING)
        .select_related("requested_by", "deadline")
        .first()
    )
    can_extend = (
        LIAISON in kinds
        and ticket_is_handling(ticket.status)
        and pending is None
        and window_end is not None
        and timezone.now() <= window_end
    )
    if can_extend:
        forms["extension"] = ExtensionRequestForm(prefix="extension")
    if pending is not None and access.is_office:
        forms["decide-extension"] = ExtensionDecisionForm(prefix="decide-extension")
    if bound is not None:
        forms[bound.prefix] = bound
    forms = {name: forms[name] for name in TICKET_TITLES if name in forms}
    return {
        "ticket": ticket,
        "forms": forms,
        "actions": _action_list(forms, TICKET_TITLES, bound),
        "timeline_rows": timeline_rows(request.user, ticket.timeline),
        "can_claim": "claim" in available,
        "access": access,
        "pending_extension": pending,
        "extension_window_end": window_end,
    }


def _get_ticket(request, pk):
    qs = selectors.visible_tickets(request.user).select_related("incident", "unit", "claimed_by")
    ticket = get_object_or_404(qs, pk=pk)
    ticket.feedback_list = list(ticket.feedback.select_related("submitted_by").prefetch_related("attachments"))
    ticket.timeline = list(ticket.audit_events.order_by("at", "id"))
    ticket.draft_list = list(
        ticket.reply_drafts.select_related("drafted_by", "decided_by", "instruction_deadline").order_by(
            "-drafted_at", "-id"
        )
    )
    ticket.deadline_list = with_countdowns(
        list(ticket.deadlines.exclude(state=Deadline.State.CANCELLED).order_by("due_at", "id"))
    )
    return ticket


@login_required
def ticket_detail(request, pk):
    ticket = _get_ticket(request, pk)
    return render(request, "incidents/ticket_detail.html", _ticket_context(request, ticket))


# One handler per ticket action: (user, ticket, the form's cleaned data, or {} for a claim, ip).


def _claim(user, ticket, data, ip):
    return services.claim_ticket(user, ticket, ip=ip)


def _return(user, ticket, data, ip):
    return services.return_ticket(user, ticket, reason=data["reason"], ip=ip)


def _feedback(user, ticket, data, ip):
    files = [data["attachment"]] if data.get("attachment") else []
    return services.submit_feedback(
        user,
        ticket,
        kind=data["kind"],
        content=data["content"],
        files=files,
        promised_at=data.get("promised_at"),
        ip=ip,
    )


def _assign(user, ticket, data, ip):
    return services.assign_ticket(user, ticket, assignee=data["assignee"], reason=data.get("reason", ""), ip=ip)


def _extension(user, ticket, data, ip):
    return extension_services.request_extension(
        user, ticket, requested_due_at=data["requested_due_at"], reason=data["reason"], ip=ip
    )


def _decide_extension(user, ticket, data, ip):
    request_obj = ticket.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    if request_obj is None:
        raise Http404
    if data["decision"] == "approve":
        return extension_services.approve_extension(user, request_obj, note=data.get("note", ""), ip=ip)
    return extension_services.reject_extension(user, request_obj, note=data.get("note", ""), ip=ip)


def _reply_draft(user, ticket, data, ip):
    return services.draft_reply(
        user,
        ticket,
        kind=data["kind"],
        channel=data["channel"],
        content=data["content"],
        url=data.get("url", ""),
        ip=ip,
    )


TICKET_ACTIONS = {
    "claim": _claim,
    "return": _return,
    "feedback": _feedback,
    "assign": _assign,
    "extension": _extension,
    "decide-extension": _decide_extension,
    "reply-draft": _reply_draft,
}


def _bound_ticket_form(request, ticket, action):
    form_class = TICKET_FORMS[action]
    if form_class is None:
        return None
    kwargs = {"unit": ticket.unit} if action == "assign" else {}
    return form_class(request.POST, request.FILES, prefix=action, **kwargs)


@login_required
@require_POST
def ticket_action(request, pk, action):
    if action not in TICKET_FORMS:
        raise Http404
    ticket = get_object_or_404(selectors.visible_tickets(request.user), pk=pk)
    ip = client_ip(request)
    form = _bound_ticket_form(request, ticket, action)
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        try:
            TICKET_ACTIONS[action](request.user, ticket, data, ip)
        except DomainError as exc:
            if form is None:
                messages.error(request, exc.message)
                return redirect("ticket_detail", pk=pk)
            add_domain_errors(form, exc, unmatched_to_form=False)
        else:
            messages.success(request, "操作成功。")
            return redirect("ticket_detail", pk=pk)
    messages.error(request, "操作未完成，请检查下方表单中的错误。")
    ticket = _get_ticket(request, pk)
    return render(request, "incidents/ticket_detail.html", _ticket_context(request, ticket, form), status=400)


@login_required
def attachment_download(request, pk):
    """Attachments are never served as public media: the reader must see the incident (and the
    feedback's ticket, if it belongs to one)."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("feedback"),
        pk=pk,
        incident__in=selectors.visible_incidents(request.user),
    )
    if (
        attachment.feedback_id
        and not selectors.visible_tickets(request.user).filter(pk=attachment.feedback.ticket_id).exists()
    ):
        raise Http404
    # Typed by the extension its checked content was given (incidents.uploads), under the name it was uploaded
    # as (Django writes filename*=UTF-8'' for a Chinese name, RFC 5987/6266). Shown in the page (?inline=1) only
    # if it is an image or a PDF, whose type the content check established; anything else is always a download.
    # nosniff comes from SecurityMiddleware (issue 11 §4) and the page's CSP from django-csp.
    inline = request.GET.get("inline") == "1" and attachment.is_previewable
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.display_name,
        content_type=content_type_for(attachment.name),
    )
    response["Cache-Control"] = "private, no-store"
    return response
