"""Triage (研判): grading and regrading (docs/rules.md §4.5), the 历史遗留问题 case type (002 第八条,
docs/rules.md §9.6), and 不予处置."""

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, IllegalTransition, InvalidInput
from core.models import AuditEvent
from deadlines.scheduling import on_case_type_changed, on_incident_graded, on_incident_regraded, on_tickets_ended
from incidents.models import Grade, Incident
from incidents.services._common import (
    INCIDENT_FIELDS,
    locked_incident,
    move_incident,
    office_kinds,
    require,
    require_reason,
)
from incidents.workflow import INCIDENT
from notifications.notify import notify
from org import recipients as monitoring_recipients
from org.access import require_role


class StaleIncident(Conflict):
    """A form drawn from an earlier version of the incident (409): the message names the changes made since."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


# At most this many changes are named in the message; the rest are summed up.
STALE_CHANGES_SHOWN = 3


def _grade_words(value: str) -> str:
    return Grade(value).label if value in Grade.values else "未定级"


def _change_words(event: AuditEvent) -> str:
    when = timezone.localtime(event.at)
    words = f"{event.actor_name} 于 {when.month}月{when.day}日 {when:%H:%M} {audit.action_label(event)}"
    before, after = (event.before or {}).get("grade"), (event.after or {}).get("grade")
    if after is not None and before != after:
        words += f"（等级 {_grade_words(before or '')} → {_grade_words(after)}）"
    return words


def stale_message(incident: Incident, version: int) -> str:
    """What changed since `version`, in the words the second officer needs: who, when, what, the grade before → after
    (the incident's own events, newest first; a confidential read or a recomputed deadline is not a change)."""
    missed = max(incident.version - version, 1)
    events = list(
        AuditEvent.objects.filter(incident=incident, ticket__isnull=True)
        .exclude(action="confidential_read")
        .exclude(action__startswith="deadline_")  # the engine's consequences of a change, not a change
        .order_by("-at", "-id")[: min(missed, STALE_CHANGES_SHOWN)]
    )
    changes = "；".join(_change_words(e) for e in events) or "该舆情已被修改"
    return (
        f"提交未生效：您打开此页后，{changes}。当前等级为「{_grade_words(incident.grade)}」。"
        "为免覆盖他人的研判，本次提交未保存；请核对后再提交（下方保留了您填写的内容）。"
    )


@transaction.atomic
def grade_incident(
    actor: User,
    incident: Incident | int,
    *,
    grade: str,
    reason: str,
    is_historical: bool | None = None,
    version: int | None = None,
    ip: str | None = None,
) -> Incident:
    """研判定级 or regrade. Every change keeps who, when, why and the metrics it was based on (docs/rules.md §4.5).
    `is_historical` (None: unchanged) sets or clears 历史遗留问题 at the same time (002 第八条: 15 instead of 5
    working days for the report; docs/rules.md §9.6: settable at triage, audited). A regrade form sent back with the
    same grade and only the flag changed is that change alone (set_historical).

    `version` is the incident's version the form was drawn from (issue 18): when someone changed the incident since,
    nothing is written and StaleIncident says who changed what, so two officers grading at once never silently
    overwrite each other (the row lock makes the second wait for the first, then see its version). None (the API
    without it) skips the check."""
    incident = locked_incident(actor, incident)
    if version is not None and version != incident.version:
        raise StaleIncident(stale_message(incident, version), incident.version)
    action = "grade" if INCIDENT.allows("grade", incident.status) else "regrade"
    t = require(INCIDENT, action, office_kinds(actor))
    INCIDENT.transition(action, incident.status)
    if grade not in Grade.values:
        raise InvalidInput("等级无效。", {"grade": ["请选择有效的等级。"]})
    reason = require_reason(reason, "研判理由")
    flag_changes = is_historical is not None and bool(is_historical) != incident.is_historical
    if action == "regrade" and grade == incident.grade:
        if flag_changes:
            return _change_historical(actor, incident, bool(is_historical), reason, ip)
        raise InvalidInput("新等级与当前等级相同。", {"grade": ["新等级与当前等级相同。"]})
    fields = INCIDENT_FIELDS + (("is_historical",) if flag_changes else ())
    before = audit.snapshot(incident, fields)
    incident.grade, incident.graded_by, incident.graded_at, incident.grade_reason = grade, actor, timezone.now(), reason
    if flag_changes:
        incident.is_historical = bool(is_historical)
    incident.status = t.target_from(incident.status)
    incident.save()
    metrics = audit.snapshot(incident, ("views", "comments", "reposts", "site_count", "media_level"))
    after = audit.snapshot(incident, fields) | {"metrics": metrics}
    audit.record(actor, action, incident, before=before, after=after, reason=reason, ip=ip, incident=incident)
    if action == "regrade":
        recomputed = on_incident_regraded(incident, actor=actor, ip=ip)
        if flag_changes:
            _tell_units_case_type(incident, recomputed, reason)
    else:
        on_incident_graded(incident, actor=actor, ip=ip)
    return incident


@transaction.atomic
def set_historical(
    actor: User, incident: Incident | int, *, is_historical: bool, reason: str, ip: str | None = None
) -> Incident:
    """Set or clear 历史遗留问题 after intake (the office; docs/rules.md §9.6: "settable at triage or claim and audited").
    The flag gives the lead unit's 核实调查报告 15 instead of 5 working days from the claim (002 第八条 "对历史遗留
    问题…原则上要在认领后15个工作日内"), so the open deadlines that depend on it are recomputed from their start
    (a limit given at dispatch stays: it comes first, 000 三.2), and the units with open tickets are told."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", "只有办公室可以调整历史遗留问题标记。")
    if not incident.is_open:
        raise IllegalTransition(f"当前状态为「{incident.get_status_display()}」，不能调整历史遗留问题标记。")
    reason = require_reason(reason)
    if bool(is_historical) == incident.is_historical:
        state = "已标记" if incident.is_historical else "未标记"
        raise InvalidInput(
            f"该舆情{state}为历史遗留问题，无需调整。", {"is_historical": [f"该舆情{state}为历史遗留问题。"]}
        )
    return _change_historical(actor, incident, bool(is_historical), reason, ip)


def _change_historical(actor, incident, is_historical, reason, ip):
    before = {"is_historical": incident.is_historical}
    incident.is_historical = is_historical
    incident.save(update_fields=["is_historical", "updated_at"])
    audit.record(
        actor,
        "historical_changed",
        incident,
        before=before,
        after={"is_historical": is_historical},
        reason=reason,
        ip=ip,
        incident=incident,
    )
    recomputed = on_case_type_changed(incident, actor=actor, ip=ip)
    _tell_units_case_type(incident, recomputed, reason)
    return incident


def _tell_units_case_type(incident, recomputed, reason):
    """Each unit with an open ticket hears of the change: inbox, plus the channels of its recomputed deadlines'
    policies (the report policy's SMS for the lead unit). An SMS carries the title only, so the new due time
    comes first in it."""
    label = "已认定为历史遗留问题" if incident.is_historical else "已取消历史遗留问题认定"
    for ticket in incident.tickets.open().select_related("unit"):
        mine = [d for d in recomputed if d.ticket_id == ticket.pk]
        channels = ",".join(d.rule.get("channels", "") for d in mine) or "inbox"
        limits = "，".join(f"{d.get_kind_display()}调整为{timezone.localtime(d.due_at):%m月%d日%H:%M}" for d in mine)
        notify(
            monitoring_recipients.liaisons(ticket.unit),
            title=f"{label}" + (f"，{limits}" if limits else "") + f"：{incident.title}",
            body=f"理由：{reason}。" + ("依据 002 第八条。" if limits else "本单位办理时限不变。"),
            link=reverse("ticket_detail", args=[ticket.pk]),
            incident=incident,
            ticket=ticket,
            channels=channels,
        )


@transaction.atomic
def dismiss_incident(actor: User, incident: Incident | int, *, reason: str, ip: str | None = None) -> Incident:
    """不予处置: fake opinion, out of scope, or positive coverage kept only for the daily report."""
    incident = locked_incident(actor, incident)
    require(INCIDENT, "dismiss", office_kinds(actor))
    INCIDENT.transition("dismiss", incident.status)
    reason = require_reason(reason)
    move_incident(actor, incident, "dismiss", reason=reason, ip=ip)
    on_tickets_ended(incident)
    return incident
