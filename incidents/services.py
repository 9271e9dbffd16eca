"""Every write to incidents and tickets. Each function checks the actor's permission, validates,
applies the state transition and writes the audit event, all in one transaction.

Order of checks: visibility (404), role (403), state (409), input (400). Nothing is written
unless all pass."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_user_obj_perms_model

from core import audit
from core.errors import Conflict, IllegalTransition, InvalidInput, NotFound, NotPermitted
from deadlines.scheduling import (
    on_case_type_changed,
    on_feedback_submitted,
    on_incident_graded,
    on_incident_regraded,
    on_instruction,
    on_leader_reported,
    on_reply_published,
    on_ticket_claimed,
    on_ticket_ended,
    on_tickets_dispatched,
    on_tickets_ended,
)
from incidents import notices, uploads, workflow
from incidents.models import (
    Approver,
    Attachment,
    Feedback,
    Grade,
    GradeSetting,
    Incident,
    LeaderReport,
    Reply,
    SourceLink,
    Ticket,
    TicketRole,
)
from incidents.selectors import visible_incidents, visible_tickets
from incidents.workflow import INCIDENT, TICKET
from notifications.notify import notify
from org import recipients as monitoring_recipients
from org.access import LEADER, LIAISON, OFFICE, access_for
from org.models import Membership, Role, Unit

INCIDENT_FIELDS = ("status", "grade")
TICKET_FIELDS = ("status",)
REPORT_FIELDS = (
    "title",
    "summary",
    "category",
    "subject_unit",
    "location",
    "posted_at",
    "first_seen_at",
    "views",
    "comments",
    "reposts",
    "site_count",
    "media_level",
    "is_historical",
    "is_confidential",
)


def _locked_incident(actor, incident):
    pk = incident.pk if isinstance(incident, Incident) else incident
    locked = visible_incidents(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if locked is None:
        raise NotFound("舆情不存在或无权查看。")
    return locked


def _locked_ticket(actor, ticket):
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    locked = visible_tickets(actor).select_for_update(of=("self",)).select_related("unit").filter(pk=pk).first()
    if locked is None:
        raise NotFound("转办单不存在或无权查看。")
    return locked


def _require(machine, action, kinds):
    t = machine.transitions[action]
    if not (t.actors & kinds):
        raise NotPermitted(f"您没有「{t.label}」的权限。")
    return t


def _office_kinds(actor):
    return {OFFICE} if access_for(actor).is_office else set()


def _require_reason(reason, what="理由"):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"请填写{what}。", {"reason": [f"请填写{what}。"]})
    return reason


def _move_incident(actor, incident, action, *, reason="", ip=None, after_extra=None):
    t = INCIDENT.transition(action, incident.status)
    before = audit.snapshot(incident, INCIDENT_FIELDS)
    incident.status = t.target_from(incident.status)
    incident.save()
    after = audit.snapshot(incident, INCIDENT_FIELDS) | (after_extra or {})
    audit.record(actor, action, incident, before=before, after=after, reason=reason, ip=ip, incident=incident)


def _move_ticket(actor, ticket, action, *, reason="", ip=None, after_extra=None, **changes):
    t = TICKET.transition(action, ticket.status)
    before = audit.snapshot(ticket, TICKET_FIELDS)
    ticket.status = t.target_from(ticket.status)
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.save()
    after = audit.snapshot(ticket, TICKET_FIELDS) | {"unit": ticket.unit.name} | (after_extra or {})
    audit.record(
        actor, action, ticket, before=before, after=after, reason=reason, ip=ip, incident=ticket.incident, ticket=ticket
    )


# --- Incidents -----------------------------------------------------------------------------------


@transaction.atomic
def report_incident(actor, *, links=(), files=(), ip=None, external_id=None, **fields) -> Incident:
    """Log a collected item (采集报送, docs/rules.md T1/T2). Duty officers and unit liaisons may report."""
    access = access_for(actor)
    if not (access.is_office or access.is_liaison):
        raise NotPermitted("只有值班员或联络员可以报送舆情。")
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{', '.join(sorted(unknown))}")
    title = (fields.get("title") or "").strip()
    if not title:
        raise InvalidInput("请填写标题。", {"title": ["请填写标题。"]})
    files = uploads.accepted(files)  # size and type by content, before anything is written (issue 11 §4)
    incident = Incident(reported_by=actor, reported_at=timezone.now(), external_id=external_id or None, **fields)
    incident.title = title
    if incident.first_seen_at and incident.first_seen_at > timezone.now():
        raise InvalidInput("发现时间不能晚于现在。", {"first_seen_at": ["发现时间不能晚于现在。"]})
    incident.save()
    for link in links:
        SourceLink.objects.create(incident=incident, **link)
    for f in files:
        Attachment.objects.create(incident=incident, file=f, uploaded_by=actor)
    audit.record(
        actor,
        "report",
        incident,
        after=audit.snapshot(incident, ("status", "title") + REPORT_FIELDS[2:]),
        ip=ip,
        incident=incident,
    )
    return incident


@transaction.atomic
def grade_incident(actor, incident, *, grade, reason, is_historical=None, ip=None) -> Incident:
    """研判定级 or regrade. Every change keeps who, when, why and the metrics it was based on (docs/rules.md §4.5).
    `is_historical` (None: unchanged) sets or clears 历史遗留问题 at the same time (002 第八条: 15 instead of 5
    working days for the report; docs/rules.md §9.6: settable at triage, audited). A regrade form sent back with the
    same grade and only the flag changed is that change alone (set_historical)."""
    incident = _locked_incident(actor, incident)
    action = "grade" if INCIDENT.allows("grade", incident.status) else "regrade"
    t = _require(INCIDENT, action, _office_kinds(actor))
    INCIDENT.transition(action, incident.status)
    if grade not in Grade.values:
        raise InvalidInput("等级无效。", {"grade": ["请选择有效的等级。"]})
    reason = _require_reason(reason, "研判理由")
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
def set_historical(actor, incident, *, is_historical, reason, ip=None) -> Incident:
    """Set or clear 历史遗留问题 after intake (the office; docs/rules.md §9.6: "settable at triage or claim and audited").
    The flag gives the lead unit's 核实调查报告 15 instead of 5 working days from the claim (002 第八条 "对历史遗留
    问题…原则上要在认领后15个工作日内"), so the open deadlines that depend on it are recomputed from their start
    (a limit given at dispatch stays: it comes first, 000 三.2), and the units with open tickets are told."""
    incident = _locked_incident(actor, incident)
    if not access_for(actor).is_office:
        raise NotPermitted("只有办公室可以调整历史遗留问题标记。")
    if incident.status not in workflow.INCIDENT_OPEN_STATES:
        raise IllegalTransition(f"当前状态为「{incident.get_status_display()}」，不能调整历史遗留问题标记。")
    reason = _require_reason(reason)
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
    for ticket in incident.tickets.select_related("unit").filter(status__in=workflow.TICKET_OPEN_STATES):
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
def dispatch_incident(actor, incident, *, assignments, due_at=None, instructions="", ip=None) -> list[Ticket]:
    """转办 by 属地/属事/属人 (docs/rules.md §1.3): one ticket per responsible unit, exactly one lead (主办)
    among the open tickets. An explicit deadline given here beats the policy default (000 三.2)."""
    incident = _locked_incident(actor, incident)
    action = "dispatch" if INCIDENT.allows("dispatch", incident.status) else "dispatch_more"
    _require(INCIDENT, action, _office_kinds(actor))
    INCIDENT.transition(action, incident.status)
    if not incident.grade:
        raise InvalidInput("请先研判定级再转办。")
    if not assignments:
        raise InvalidInput("请至少选择一个责任单位。", {"tickets": ["请至少选择一个责任单位。"]})
    now = timezone.now()
    if due_at is not None and due_at <= now:
        raise InvalidInput("指定的办理时限必须晚于现在。", {"due_at": ["指定的办理时限必须晚于现在。"]})
    open_tickets = list(incident.tickets.filter(status__in=workflow.TICKET_OPEN_STATES))
    busy_units = {t.unit_id for t in open_tickets}
    has_lead = any(t.role == TicketRole.LEAD for t in open_tickets)
    seen, leads = set(), 0
    for unit, role in assignments:
        if role not in TicketRole.values:
            raise InvalidInput("承办类型无效。", {"tickets": ["承办类型须为主办或协办。"]})
        if not isinstance(unit, Unit) or not unit.is_active:
            raise InvalidInput("责任单位无效。", {"tickets": ["责任单位不存在或已停用。"]})
        if unit.pk in seen:
            raise InvalidInput(f"「{unit.name}」重复选择。", {"tickets": [f"「{unit.name}」重复选择。"]})
        if unit.pk in busy_units:
            raise InvalidInput(
                f"「{unit.name}」已有在办的转办单。", {"tickets": [f"「{unit.name}」已有在办的转办单。"]}
            )
        seen.add(unit.pk)
        leads += role == TicketRole.LEAD
    if leads > 1 or (has_lead and leads):
        raise InvalidInput("只能有一个主办单位。", {"tickets": ["只能有一个主办单位。"]})
    if not has_lead and not leads:
        raise InvalidInput("请指定一个主办单位。", {"tickets": ["请指定一个主办单位。"]})

    instructions = (instructions or "").strip()
    tickets = []
    for unit, role in assignments:
        ticket = Ticket.objects.create(
            incident=incident,
            unit=unit,
            role=role,
            instructions=instructions,
            due_at=due_at,
            dispatched_at=now,
            dispatched_by=actor,
        )
        audit.record(
            actor,
            "dispatch",
            ticket,
            after={"status": ticket.status, "unit": unit.name, "role": role, "due_at": due_at},
            reason=instructions,
            ip=ip,
            incident=incident,
            ticket=ticket,
        )
        tickets.append(ticket)
    _move_incident(
        actor,
        incident,
        action,
        reason=instructions,
        ip=ip,
        after_extra={"units": [f"{u.name}（{TicketRole(r).label}）" for u, r in assignments]},
    )
    on_tickets_dispatched(incident, tickets, actor=actor, ip=ip)
    _grant_receiving_units(actor, incident, tickets, ip=ip)
    notices.tickets_dispatched(incident, tickets)
    return tickets


@transaction.atomic
def dismiss_incident(actor, incident, *, reason, ip=None) -> Incident:
    """不予处置: fake opinion, out of scope, or positive coverage kept only for the daily report."""
    incident = _locked_incident(actor, incident)
    _require(INCIDENT, "dismiss", _office_kinds(actor))
    INCIDENT.transition("dismiss", incident.status)
    reason = _require_reason(reason)
    _move_incident(actor, incident, "dismiss", reason=reason, ip=ip)
    on_tickets_ended(incident)
    return incident


@transaction.atomic
def merge_incident(actor, incident, *, into, reason="", ip=None) -> Incident:
    """Merge a duplicate into another incident: its open tickets are cancelled and its links move over."""
    incident = _locked_incident(actor, incident)
    _require(INCIDENT, "merge", _office_kinds(actor))
    INCIDENT.transition("merge", incident.status)
    target = visible_incidents(actor).filter(pk=into.pk if isinstance(into, Incident) else into).first()
    if target is None:
        raise InvalidInput("合并目标不存在。", {"into": ["合并目标不存在。"]})
    if target.pk == incident.pk:
        raise InvalidInput("不能合并到自身。", {"into": ["不能合并到自身。"]})
    if target.status not in workflow.INCIDENT_OPEN_STATES:
        raise InvalidInput("只能合并到未办结的舆情。", {"into": ["只能合并到未办结的舆情。"]})
    for ticket in incident.tickets.select_related("unit", "incident").filter(status__in=workflow.TICKET_OPEN_STATES):
        _move_ticket(actor, ticket, "cancel", reason=f"舆情已合并至 {target.number}", ip=ip)
    known = set(target.links.values_list("url", flat=True))
    for link in incident.links.all():
        if link.url not in known:
            SourceLink.objects.create(
                incident=target, platform=link.platform, url=link.url, first_seen_at=link.first_seen_at
            )
    incident.merged_into = target
    _move_incident(actor, incident, "merge", reason=reason, ip=ip, after_extra={"merged_into": target.number})
    audit.record(
        actor, "merge_received", target, after={"merged": incident.number}, reason=reason, ip=ip, incident=target
    )
    on_tickets_ended(incident)
    return incident


@transaction.atomic
def close_incident(actor, incident, *, opinion="", ip=None) -> Incident:
    """审核销号 (000 四.3: 销号管理). Who signs follows the grade (GradeSetting.close_approver): the office
    (by default 一般/较大), a leader of the lead unit, or a county-level leader (by default 重大/特别重大: a unit
    leader may not close those). Every open ticket must have reported back."""
    incident = _locked_incident(actor, incident)
    _require(INCIDENT, "close", _incident_kinds(actor, incident))
    INCIDENT.transition("close", incident.status)
    _require_close_authority(actor, incident)
    open_tickets = list(
        incident.tickets.select_related("unit", "incident").filter(status__in=workflow.TICKET_OPEN_STATES)
    )
    pending = [t.unit.name for t in open_tickets if not TICKET.allows("close", t.status)]
    if pending:
        raise InvalidInput(f"以下单位尚未反馈，不能销号：{'、'.join(pending)}")
    now = timezone.now()
    for ticket in open_tickets:
        _move_ticket(actor, ticket, "close", reason=opinion, ip=ip, closed_at=now)
    incident.closed_at, incident.closed_by = now, actor
    _move_incident(actor, incident, "close", reason=opinion, ip=ip)
    on_tickets_ended(incident)
    return incident


@transaction.atomic
def send_back_incident(actor, incident, *, reason, due_at=None, ip=None) -> Incident:
    """退回重办: the review finds the result inadequate (000 四.3); the lead unit handles it again.
    A leader's instruction (批示) may set a time limit: it becomes a tracked deadline on the lead
    ticket, met when the unit reports again (交办、承办、督办, 002 第八条)."""
    incident = _locked_incident(actor, incident)
    _require(INCIDENT, "send_back", _incident_kinds(actor, incident))
    INCIDENT.transition("send_back", incident.status)
    access = access_for(actor)
    if _close_approver(incident) == Approver.COUNTY and not (access.is_office or access.oversees_all):
        # A grade the county closes is the county's to send back too; the office, which supervises 销号
        # (000 四.3), may return any report for rework, a unit's own leader not this one.
        _require_close_authority(actor, incident, "退回重办")
    reason = _require_reason(reason, "退回意见")
    if due_at is not None and due_at <= timezone.now():
        raise InvalidInput("批示办理时限须晚于现在。", {"due_at": ["批示办理时限须晚于现在。"]})
    lead = None
    for ticket in incident.tickets.select_related("unit", "incident").filter(status="feedback_submitted"):
        if ticket.role == TicketRole.LEAD:
            _move_ticket(actor, ticket, "reopen_ticket", reason=reason, ip=ip, after_extra={"due_at": due_at})
            lead = ticket
    # The resubmission goes first to whoever sent it back (dashboard._signoff_queue).
    incident.sent_back_by = actor
    _move_incident(
        actor,
        incident,
        "send_back",
        reason=reason,
        ip=ip,
        after_extra={"due_at": due_at, "sent_back_by": actor.get_full_name() or actor.get_username()},
    )
    if lead is not None:
        instruction = None
        if due_at is not None:
            instruction = on_instruction(lead, due_at)
        notices.incident_sent_back(incident, lead, reason, instruction)
    return incident


@transaction.atomic
def reopen_incident(actor, incident, *, reason, ip=None) -> Incident:
    """舆情反复: a closed incident comes back for a new 研判, keeping all its history (docs/rules.md T24)."""
    incident = _locked_incident(actor, incident)
    _require(INCIDENT, "reopen", _office_kinds(actor))
    INCIDENT.transition("reopen", incident.status)
    reason = _require_reason(reason, "反复情况说明")
    incident.closed_at = None
    incident.closed_by = None
    _move_incident(actor, incident, "reopen", reason=reason, ip=ip)
    return incident


def _incident_kinds(actor, incident):
    """Actor kinds towards an incident as a whole: office, or leader of the lead unit."""
    access = access_for(actor)
    kinds = _office_kinds(actor)
    if access.is_leader:
        lead_units = incident.tickets.filter(role=TicketRole.LEAD).values_list("unit_id", flat=True)
        if any(uid in access.leader_unit_ids for uid in lead_units):
            kinds.add(LEADER)
    return kinds


def _close_approver(incident):
    """Who closes at this grade: GradeSetting.close_approver (admin-configurable); without a row, the county
    for 重大/特别重大 (their 销号 is the county leadership's, not the unit's own leader's), the office below."""
    setting = GradeSetting.objects.filter(grade=incident.grade).first()
    if setting is not None:
        return setting.close_approver
    return Approver.COUNTY if incident.grade in (Grade.I, Grade.II) else Approver.OFFICE


def _require_close_authority(actor, incident, what="审核销号"):
    """The approver the grade names (000 四.3 销号管理): the office; a leader whose units include the lead unit;
    or a county-level leader (Access.oversees_all), whom a unit's own leader does not replace."""
    approver = _close_approver(incident)
    access = access_for(actor)
    grade = incident.get_grade_display()
    if approver == Approver.COUNTY and not access.oversees_all:
        unit_leader = f"，单位领导不能{what}" if access.is_leader else ""
        raise NotPermitted(f"「{grade}」舆情须由县领导{what}（000 四.3 销号管理）{unit_leader}。")
    if approver == Approver.LEADER and LEADER not in _incident_kinds(actor, incident):
        raise NotPermitted(f"「{grade}」舆情须由主办单位的领导{what}。")
    if approver == Approver.OFFICE and not access.is_office:
        raise NotPermitted(f"「{grade}」舆情由办公室{what}。")
    return approver


def may_close(actor, incident):
    """Whether the grade lets `actor` sign off this incident's 销号 (the page offers the form only then)."""
    try:
        _require_close_authority(actor, incident)
    except NotPermitted:
        return False
    return True


# --- Tickets --------------------------------------------------------------------------------------


def _ticket_kinds(actor, ticket):
    return access_for(actor).kinds_for_unit(ticket.unit_id)


@transaction.atomic
def claim_ticket(actor, ticket, *, ip=None) -> Ticket:
    """认领 (002 第六条). The row is locked, so of two liaisons claiming at once exactly one wins."""
    ticket = _locked_ticket(actor, ticket)
    _require(TICKET, "claim", _ticket_kinds(actor, ticket))
    if ticket.claimed_by_id and not TICKET.allows("claim", ticket.status):
        who = ticket.claimed_by.get_full_name() or ticket.claimed_by.get_username()
        raise Conflict(f"该转办单已由 {who} 于 {timezone.localtime(ticket.claimed_at):%m-%d %H:%M} 认领。")
    now = timezone.now()
    _move_ticket(actor, ticket, "claim", ip=ip, claimed_at=now, claimed_by=actor)
    _ticket_started(actor, ticket, ip)
    on_ticket_claimed(ticket, actor=actor, ip=ip)
    return ticket


@transaction.atomic
def assign_ticket(actor, ticket, *, assignee, reason="", ip=None) -> Ticket:
    """指定认领: the office names the claimant of an unclaimed ticket; recorded for assessment (002 第六条)."""
    ticket = _locked_ticket(actor, ticket)
    _require(TICKET, "assign", _ticket_kinds(actor, ticket))
    TICKET.transition("assign", ticket.status)
    if (
        assignee is None
        or not Membership.objects.filter(
            user=assignee, unit_id=ticket.unit_id, role=Role.LIAISON, is_active=True
        ).exists()
    ):
        raise InvalidInput("被指定人须为该单位的联络员。", {"assignee": ["被指定人须为该单位的联络员。"]})
    now = timezone.now()
    _move_ticket(
        actor,
        ticket,
        "assign",
        reason=reason,
        ip=ip,
        claimed_at=now,
        claimed_by=assignee,
        designated=True,
        after_extra={"assignee": assignee.get_full_name() or assignee.get_username(), "designated": True},
    )
    _ticket_started(actor, ticket, ip)
    on_ticket_claimed(ticket, actor=actor, ip=ip)
    notices.ticket_assigned(ticket, assignee)
    return ticket


def _ticket_started(actor, ticket, ip):
    incident = Incident.objects.select_for_update().get(pk=ticket.incident_id)
    ticket.incident = incident
    if INCIDENT.allows("start", incident.status):
        _move_incident(None, incident, "start", ip=ip, after_extra={"by_unit": ticket.unit.name})


@transaction.atomic
def return_ticket(actor, ticket, *, reason, ip=None) -> Ticket:
    """退回: not this unit's business. A product addition (the seeds have no 退回); a designated claim
    cannot be returned without the office (docs/rules.md §2.3). A returned lead sends the incident back."""
    ticket = _locked_ticket(actor, ticket)
    _require(TICKET, "return", _ticket_kinds(actor, ticket))
    TICKET.transition("return", ticket.status)
    reason = _require_reason(reason, "退回理由")
    if ticket.designated:
        raise InvalidInput("该转办单为办公室指定认领，不能退回，请与办公室联系。")
    _move_ticket(actor, ticket, "return", reason=reason, ip=ip, returned_at=timezone.now(), return_reason=reason)
    incident = Incident.objects.select_for_update().get(pk=ticket.incident_id)
    if ticket.role == TicketRole.LEAD and INCIDENT.allows("lead_returned", incident.status):
        _move_incident(actor, incident, "lead_returned", reason=reason, ip=ip, after_extra={"unit": ticket.unit.name})
    on_ticket_ended(ticket)
    notices.ticket_returned(ticket, reason)
    return ticket


FINAL_KIND = {TicketRole.LEAD: Feedback.Kind.REPORT, TicketRole.ASSIST: Feedback.Kind.FEEDBACK}


@transaction.atomic
def submit_feedback(actor, ticket, *, kind, content, files=(), promised_at=None, ip=None) -> Feedback:
    """Progress (进展), written explanation when it cannot be done in time (书面说明, 000 三.2),
    or the final result: the lead unit's 核实调查报告 (002 第八条), an assisting unit's feedback.
    The lead's report puts the incident under review. A 书面说明 must say by when the matter will be done
    (`promised_at`, in the future: "说明原因，给出时间表", docs/rules.md §9.20); that date becomes a follow-up
    deadline (monitoring.scheduling.on_explanation_filed)."""
    ticket = _locked_ticket(actor, ticket)
    final = kind in (Feedback.Kind.REPORT, Feedback.Kind.FEEDBACK)
    action = "submit_feedback" if final else "progress"
    _require(TICKET, action, _ticket_kinds(actor, ticket))
    TICKET.transition(action, ticket.status)
    if kind not in Feedback.Kind.values:
        raise InvalidInput("反馈类型无效。", {"kind": ["反馈类型无效。"]})
    if final and kind != FINAL_KIND[ticket.role]:
        expected = FINAL_KIND[ticket.role].label
        raise InvalidInput(
            f"{ticket.get_role_display()}单位应提交「{expected}」。", {"kind": [f"应提交「{expected}」。"]}
        )
    content = (content or "").strip()
    if not content:
        raise InvalidInput("请填写反馈内容。", {"content": ["请填写反馈内容。"]})
    now = timezone.now()
    if kind == Feedback.Kind.WRITTEN_EXPLANATION:
        if promised_at is None:
            raise InvalidInput(
                "书面说明须填写承诺落实时间。", {"promised_at": ["书面说明须填写承诺落实时间（000 三.2）。"]}
            )
        if promised_at <= now:
            raise InvalidInput("承诺落实时间须晚于现在。", {"promised_at": ["承诺落实时间须晚于现在。"]})
    elif promised_at is not None:
        raise InvalidInput("承诺落实时间仅用于书面说明。", {"promised_at": ["承诺落实时间仅用于书面说明。"]})
    files = uploads.accepted(files)  # size and type by content, before anything is written (issue 11 §4)
    feedback = Feedback.objects.create(
        ticket=ticket, kind=kind, content=content, submitted_by=actor, submitted_at=now, promised_at=promised_at
    )
    for f in files:
        Attachment.objects.create(incident_id=ticket.incident_id, feedback=feedback, file=f, uploaded_by=actor)
    changes = {"feedback_at": now} if final else {}
    after = {"kind": kind, "feedback_id": feedback.pk} | ({"promised_at": promised_at} if promised_at else {})
    _move_ticket(actor, ticket, action, ip=ip, after_extra=after, **changes)
    if final and ticket.role == TicketRole.LEAD:
        incident = Incident.objects.select_for_update().get(pk=ticket.incident_id)
        _move_incident(actor, incident, "submit_for_review", ip=ip, after_extra={"report_id": feedback.pk})
    on_feedback_submitted(ticket, feedback, actor=actor, ip=ip)
    return feedback


# --- Replies and leader reports ----------------------------------------------------------------


def _lead_unit_kinds(actor, incident):
    access = access_for(actor)
    kinds = _office_kinds(actor)
    lead = incident.tickets.filter(role=TicketRole.LEAD, status__in=workflow.TICKET_OPEN_STATES).first()
    if lead is not None and lead.unit_id in access.liaison_unit_ids:
        kinds.add(LIAISON)
    return kinds


PUBLICATION_URL_ERROR = "请填写有效的链接（以 http:// 或 https:// 开头）。"


def publication_url_ok(url):
    """Where a reply was published: an http(s) link that fits Reply.url (1000)."""
    try:
        if len(url) > 1000:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True


@transaction.atomic
def publish_reply(actor, incident, *, kind, channel, content, url="", published_at=None, ip=None):
    """Record a reply the office itself published (新闻通稿, 发布会: the single outlet, plan #4 第二十五条); it
    fulfils the reply deadlines. A unit cannot publish on its own (docs/rules.md §9.27: not without the approval the
    grade requires): its draft goes through approval instead (reply_services.approve_reply)."""
    incident = _locked_incident(actor, incident)
    if not access_for(actor).is_office:
        raise NotPermitted("单位的回应须拟写回应稿并经审定后发布；只有办公室可以直接登记已发布的回应。")
    url = (url or "").strip()
    if len((channel or "").strip()) > 100:
        raise InvalidInput("发布渠道不能超过 100 个字。", {"channel": ["发布渠道不能超过 100 个字。"]})
    if url and not publication_url_ok(url):
        raise InvalidInput("发布链接无效。", {"url": [PUBLICATION_URL_ERROR]})
    return _publish_reply(
        actor, incident, kind=kind, channel=channel, content=content, url=url, published_at=published_at, ip=ip
    )


def _publish_reply(actor, incident, *, kind, channel, content, url="", published_at=None, ip=None, after_extra=None):
    """The publication itself, for a caller that has locked the incident and checked the actor: the Reply,
    its audit event, and the reply deadlines met (monitoring.scheduling.on_reply_published)."""
    if incident.status not in workflow.INCIDENT_OPEN_STATES:
        raise IllegalTransition(f"当前状态为「{incident.get_status_display()}」，不能登记回应。")
    if kind not in Reply.Kind.values:
        raise InvalidInput("回应类型无效。", {"kind": ["回应类型无效。"]})
    content, channel = (content or "").strip(), (channel or "").strip()
    if not content or not channel:
        raise InvalidInput("请填写回应内容和发布渠道。", {"content": ["必填"], "channel": ["必填"]})
    published_at = published_at or timezone.now()
    if published_at > timezone.now():
        raise InvalidInput("发布时间不能晚于现在。", {"published_at": ["发布时间不能晚于现在。"]})
    reply = Reply.objects.create(
        incident=incident,
        kind=kind,
        channel=channel,
        url=url,
        content=content,
        published_at=published_at,
        published_by=actor,
    )
    audit.record(
        actor,
        "reply_published",
        reply,
        after={"kind": kind, "channel": channel, "url": url, "published_at": published_at} | (after_extra or {}),
        ip=ip,
        incident=incident,
    )
    on_reply_published(incident, published_at)
    return reply


def may_record_leader_report(actor, incident):
    """Whether `actor` may record a report to the leaders on `incident` (the office, or the lead unit's liaison)."""
    return bool(_lead_unit_kinds(actor, incident))


@transaction.atomic
def record_leader_report(actor, incident, *, channel, reported_to, note="", reported_at=None, ip=None):
    """报告领导: by the system, phone, SMS or paper (docs/rules.md §9.25); fulfils the report-to-leaders deadline
    (002 第八条: within 2 hours; 重大敏感 via the office within 2 hours; 001 #4 第十三条: 30 minutes for a 快报).
    A report made before the incident was seen cannot be: the time must lie between discovery and now."""
    incident = _locked_incident(actor, incident)
    if not _lead_unit_kinds(actor, incident):
        raise NotPermitted("只有办公室或主办单位联络员可以登记报告领导情况。")
    if channel not in LeaderReport.Channel.values:
        raise InvalidInput("报告方式无效。", {"channel": ["报告方式无效。"]})
    reported_to = (reported_to or "").strip()
    if not reported_to:
        raise InvalidInput("请填写报告对象。", {"reported_to": ["请填写报告对象。"]})
    if len(reported_to) > 200:
        raise InvalidInput("报告对象不能超过 200 个字。", {"reported_to": ["报告对象不能超过 200 个字。"]})
    note = (note or "").strip()
    reported_at = reported_at or timezone.now()
    if reported_at > timezone.now():
        raise InvalidInput("报告时间不能晚于现在。", {"reported_at": ["报告时间不能晚于现在。"]})
    if reported_at < incident.first_seen_at:
        raise InvalidInput("报告时间不能早于发现时间。", {"reported_at": ["报告时间不能早于舆情发现时间。"]})
    report = LeaderReport.objects.create(
        incident=incident,
        channel=channel,
        reported_to=reported_to,
        note=note,
        reported_at=reported_at,
        reported_by=actor,
    )
    audit.record(
        actor,
        "leader_reported",
        report,
        after={"channel": channel, "reported_to": reported_to, "reported_at": reported_at},
        ip=ip,
        incident=incident,
    )
    on_leader_reported(incident, reported_at)
    return report


# --- API intake, access and sign-in (issue 4) -------------------------------------------------


def _existing_by_external_id(actor, external_id):
    pk = Incident.objects.filter(external_id=external_id).values_list("pk", flat=True).first()
    if pk is None:
        return None
    incident = visible_incidents(actor).filter(pk=pk).first()
    if incident is None:
        # Say only that the number is taken: nothing about the incident the caller may not see.
        raise Conflict("该外部编号已被占用，不能重复报送，请联系办公室。", {"external_id": ["该外部编号已被占用。"]})
    return incident


@transaction.atomic
def report_incident_once(actor, *, external_id, ip=None, **fields) -> tuple[Incident, bool]:
    """Idempotent intake for monitoring platforms (issue 4): the platform's own id (e.g. "weibo:12345")
    makes a repeated push return the incident already logged, `(incident, False)`, instead of a duplicate.
    A number taken by an incident the caller may not see is a Conflict that reveals nothing else."""
    access = access_for(actor)
    if not (access.is_office or access.is_liaison):
        raise NotPermitted("只有值班员或联络员可以报送舆情。")
    existing = _existing_by_external_id(actor, external_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return report_incident(actor, external_id=external_id, ip=ip, **fields), True
    except IntegrityError:
        # A concurrent push of the same item committed first; the unique index decided, answer as a repeat.
        existing = _existing_by_external_id(actor, external_id)
        if existing is None:
            raise
        return existing, False


def _is_granted(user, incident):
    return (
        get_user_obj_perms_model()
        .objects.filter(
            user=user,
            permission__codename="view_incident",
            content_type__app_label="incidents",
            content_type__model="incident",
            object_pk=str(incident.pk),
        )
        .exists()
    )


def _grant(actor, incident, user, *, ip=None, reason=""):
    """One grant of `view_incident` on the incident (django-guardian's object permission, read by
    selectors._cleared_for_confidential), audited; a user already granted is left as is. Returns whether granted."""
    if _is_granted(user, incident):
        return False
    assign_perm("incidents.view_incident", user, incident)
    audit.record(
        actor,
        "confidential_granted",
        incident,
        after={"user": user.get_full_name() or user.get_username(), "user_id": user.pk},
        reason=reason,
        ip=ip,
        incident=incident,
    )
    return True


def _grant_receiving_units(actor, incident, tickets, *, ip=None):
    """A confidential incident dispatched to a unit is opened by the people who must act on it: the unit's
    liaisons (认领, 002 第六条) and the leaders its deadlines escalate to (monitoring.recipients.leaders) are
    granted it, each grant audited (issue 11 §1); the office revokes what is no longer needed."""
    if not incident.is_confidential:
        return
    for ticket in tickets:
        people = monitoring_recipients.liaisons(ticket.unit) + monitoring_recipients.leaders(ticket.unit)
        for user in {u.pk: u for u in people}.values():
            _grant(actor, incident, user, ip=ip, reason=f"转办{ticket.unit.name}")


def _confidential_for_office(actor, incident):
    incident = _locked_incident(actor, incident)
    if not access_for(actor).is_office:
        raise NotPermitted("只有办公室可以授权或撤销查阅敏感舆情。")
    if not incident.is_confidential:
        raise InvalidInput("该舆情未标记为敏感，无需授权。")
    return incident


@transaction.atomic
def grant_confidential_access(actor, incident, *, user, ip=None) -> Incident:
    """限制知悉: a confidential incident is visible only to its reporter and the people granted it
    (issue 4). The office grants, among those who already see it; each grant is audited."""
    incident = _confidential_for_office(actor, incident)
    if user is None or not user.is_active:
        raise InvalidInput("被授权人不存在或已停用。", {"user": ["被授权人不存在或已停用。"]})
    _grant(actor, incident, user, ip=ip)
    return incident


@transaction.atomic
def revoke_confidential_access(actor, incident, *, user, ip=None) -> Incident:
    """撤销知悉: the office withdraws a grant (GB/T 22239-2019 8.1.4.2 访问控制, need-to-know ends with the task);
    the person no longer finds the incident, its tickets or its reports (404). The reporter keeps sight of what
    they reported, so only a grant can be revoked. Audited."""
    incident = _confidential_for_office(actor, incident)
    if user is None or not _is_granted(user, incident):
        raise InvalidInput("该用户没有查阅此敏感舆情的授权。", {"user": ["该用户没有查阅此敏感舆情的授权。"]})
    remove_perm("incidents.view_incident", user, incident)
    audit.record(
        actor,
        "confidential_revoked",
        incident,
        before={"user": user.get_full_name() or user.get_username(), "user_id": user.pk},
        ip=ip,
        incident=incident,
    )
    return incident


def record_failed_login(*, username, ip=None):
    """A failed sign-in (API token or otherwise) is kept in the audit trail, who tried and from where."""
    audit.record(None, "login_failed", None, after={"username": (username or "")[:150]}, ip=ip)
