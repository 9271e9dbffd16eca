"""Creating, meeting and cancelling deadlines as the workflow moves. Called by incidents.services
and deadlines.services inside their transaction, so a deadline exists exactly when its event does.

The policy is frozen onto each deadline when it is created (Deadline.rule); deadlines are only
recomputed on explicit events: a regrade, an approved extension, a new dispatch after a reopen."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from core import audit
from deadlines.models import Deadline, DeadlineKind, DeadlinePolicy, DeadlineQuerySet, DeadlineStep, StartEvent
from deadlines.policies import policies_for, policy_for_kind
from incidents.models import Feedback, Incident, Ticket
from org.models import Unit
from workcalendar.working_days import WorkCalendar

OPEN_STATES = Deadline.OPEN_STATES  # kept for incidents/notices.py

# Which deadline kinds an event fulfils.
# A 舆情督报's time limit is answered by the unit's next feedback or report on the ticket.
FEEDBACK_KINDS = (DeadlineKind.FEEDBACK, DeadlineKind.SUPERVISION)
REPORT_KINDS = (DeadlineKind.FEEDBACK, DeadlineKind.REPORT, DeadlineKind.INSTRUCTION, DeadlineKind.SUPERVISION)
REPLY_KINDS = (DeadlineKind.REPLY, DeadlineKind.RESPONSE)
# A ticket's handling deadlines: an explicit time limit given at dispatch governs all of them (000 三.2).
HANDLING_KINDS = (DeadlineKind.FEEDBACK, DeadlineKind.REPORT)


def _happened(at: datetime | None) -> datetime:
    """The time of an event a hook is told about: the workflow records it before calling the hook."""
    if at is None:
        raise ValueError("时限起算事件没有时间")
    return at


def _split(spec: str | None) -> list[str]:
    return [s.strip() for s in (spec or "").split(",") if s.strip()]


def build_steps(deadline: Deadline, calendar: WorkCalendar) -> list[DeadlineStep]:
    """Reminders before the due time, the breach at it, the leader escalation after it, saved."""
    steps = plan_steps(deadline, calendar)
    DeadlineStep.objects.bulk_create(steps)
    return steps


def plan_steps(deadline: Deadline, calendar: WorkCalendar) -> list[DeadlineStep]:
    """The steps build_steps saves, unsaved: a caller creating many deadlines writes all their steps in one statement
    (the patrol planner, monitoring.planning)."""
    rule = deadline.rule
    steps: list[DeadlineStep] = []
    for lead in _split(rule.get("reminder_leads")):
        fire_at = calendar.subtract(deadline.due_at, lead).at
        if fire_at > deadline.started_at:
            steps.append(DeadlineStep(deadline=deadline, step=f"reminder:{lead}", fire_at=fire_at))
    steps.append(DeadlineStep(deadline=deadline, step="breach", fire_at=deadline.due_at))
    if rule.get("escalate_after"):
        fire_at = calendar.add(deadline.due_at, rule["escalate_after"]).at
        steps.append(DeadlineStep(deadline=deadline, step="escalate", fire_at=fire_at))
    return steps


def create_deadline(
    *,
    kind: str,
    incident: Incident,
    ticket: Ticket | None,
    started_at: datetime,
    calendar: WorkCalendar,
    policy: DeadlinePolicy | None = None,
    due_at: datetime | None = None,
    replaces: Deadline | None = None,
    name: str | None = None,
    source: str | None = None,
) -> Deadline:
    explicit = due_at is not None  # given at dispatch, by an approved extension or promised in a 书面说明
    if due_at is not None:  # an explicit deadline beats the policy (000 三.2)
        rule = {
            "policy": name or ("指定时限" if replaces is None else "延期后时限"),
            "duration": "",
            "reminder_leads": "",
            "escalate_after": "",
            "channels": "inbox,sms",
            "source": source or "000 三.2：有明确时间要求的，按规定时间落实",
        }
        if policy is not None:
            rule |= {k: policy.frozen()[k] for k in ("reminder_leads", "escalate_after", "channels")}
        confirmed = True
    elif policy is not None:
        rule = policy.frozen()
        due = calendar.add(started_at, policy.duration)
        due_at, confirmed = due.at, due.confirmed
    else:
        raise ValueError("时限须有时限规则或指定的到期时间")
    deadline = Deadline.objects.create(
        kind=kind,
        incident=incident,
        ticket=ticket,
        unit=ticket.unit if ticket else None,
        policy=policy,
        rule=rule,
        explicit=explicit,
        started_at=started_at,
        due_at=due_at,
        original_due_at=replaces.original_due_at if replaces else due_at,
        calendar_confirmed=confirmed,
        replaces=replaces,
    )
    build_steps(deadline, calendar)
    return deadline


def create_unit_deadline(
    *, kind: str, unit: Unit, started_at: datetime, due_at: datetime, rule: dict[str, str], calendar: WorkCalendar
) -> Deadline:
    """A deadline of no incident, owned by a unit: a patrol slot (002 第五条、第六条; monitoring/). The caller
    gives its rule (reminder_leads, escalate_after, channels, source), frozen on it like a policy's; its steps are
    swept like any other, the people told chosen by its registered subject (deadlines.subjects)."""
    deadline = Deadline.objects.create(
        kind=kind,
        incident=None,
        ticket=None,
        unit=unit,
        rule=rule,
        started_at=started_at,
        due_at=due_at,
        original_due_at=due_at,
    )
    build_steps(deadline, calendar)
    return deadline


def meet_by_ids(ids: Iterable[int], at: datetime) -> list[Deadline]:
    """meet() for deadlines an app above the engine keeps references to (a patrol slot's deadline)."""
    return meet(Deadline.objects.filter(pk__in=list(ids)), at)


def schedule(
    incident: Incident,
    ticket: Ticket | None,
    events: Mapping[str, datetime | None],
    *,
    calendar: WorkCalendar | None = None,
) -> list[Deadline]:
    """Create the deadlines whose policies start at one of `events` (a dict event → start instant).

    A time limit given at dispatch (Ticket.due_at) governs every handling deadline of the ticket, the lead
    unit's 核实调查报告 (started at the claim) as well as the feedback: "有明确时间要求的，必须按照规定时间落实到位"
    (000 三.2; order explicit > 历史遗留 15 WD > grade default, docs/rules.md §3.4). Otherwise the lead unit's
    default 5-working-day report could fall due before the office's own, later limit."""
    calendar = calendar or WorkCalendar.load()
    created: list[Deadline] = []
    for kind, policy in policies_for(incident, ticket, list(events)).items():
        explicit_due = ticket.due_at if (ticket is not None and kind in HANDLING_KINDS) else None
        created.append(
            create_deadline(
                kind=kind,
                incident=incident,
                ticket=ticket,
                started_at=_happened(events[policy.start_event]),
                calendar=calendar,
                policy=policy,
                due_at=explicit_due,
            )
        )
    return created


def meet(qs: DeadlineQuerySet, at: datetime) -> list[Deadline]:
    """Mark open deadlines fulfilled at `at`. A deadline already breached stays breached (it was
    late), but its pending escalation is cancelled."""
    deadlines = list(qs.open())
    for d in deadlines:
        d.met_at = at
        if d.state == Deadline.State.PENDING:
            d.state = Deadline.State.MET if at <= d.due_at else Deadline.State.BREACHED
            if d.state == Deadline.State.BREACHED:
                d.breached_at = d.due_at
        d.save(update_fields=["met_at", "state", "breached_at"])
    DeadlineStep.objects.filter(deadline__in=deadlines, state=DeadlineStep.State.PENDING).update(
        state=DeadlineStep.State.CANCELLED, outcome="met"
    )
    return deadlines


def cancel(
    qs: DeadlineQuerySet, *, outcome: str = "cancelled", new_state: str = Deadline.State.CANCELLED
) -> list[Deadline]:
    deadlines = list(qs.open())
    ids = [d.pk for d in deadlines]
    Deadline.objects.filter(pk__in=ids).update(state=new_state)
    DeadlineStep.objects.filter(deadline_id__in=ids, state=DeadlineStep.State.PENDING).update(
        state=DeadlineStep.State.CANCELLED, outcome=outcome
    )
    return deadlines


# --- workflow hooks ----------------------------------------------------------------------------


def on_incident_graded(incident: Incident, *, actor: User | None = None, ip: str | None = None) -> None:
    schedule(incident, None, {StartEvent.GRADING: incident.graded_at, StartEvent.DISCOVERY: incident.first_seen_at})


def on_tickets_dispatched(
    incident: Incident, tickets: Iterable[Ticket], *, actor: User | None = None, ip: str | None = None
) -> None:
    calendar = WorkCalendar.load()
    for ticket in tickets:
        schedule(incident, ticket, {StartEvent.DISPATCH: ticket.dispatched_at}, calendar=calendar)


def on_ticket_claimed(ticket: Ticket, *, actor: User | None = None, ip: str | None = None) -> None:
    meet(Deadline.objects.filter(ticket=ticket, kind=DeadlineKind.CLAIM), _happened(ticket.claimed_at))
    schedule(ticket.incident, ticket, {StartEvent.CLAIM: ticket.claimed_at})


def on_feedback_submitted(
    ticket: Ticket, feedback: Feedback, *, actor: User | None = None, ip: str | None = None
) -> None:
    """The unit's report or feedback meets the ticket's handling deadlines, the date a 书面说明 promised
    included; a 书面说明 meets the deadlines it answers and starts its follow-up (on_explanation_filed)."""
    if feedback.kind == Feedback.Kind.REPORT:
        # An instruction on a reply draft is answered by a revised draft (on_reply_redrafted), not by the report.
        report_kinds = Deadline.objects.filter(
            ticket=ticket, kind__in=REPORT_KINDS + (DeadlineKind.FOLLOW_UP,), reply_drafts__isnull=True
        )
        meet(report_kinds, feedback.submitted_at)
        schedule(ticket.incident, None, {StartEvent.REPORT: feedback.submitted_at})
    elif feedback.kind == Feedback.Kind.FEEDBACK:
        meet(
            Deadline.objects.filter(ticket=ticket, kind__in=FEEDBACK_KINDS + (DeadlineKind.FOLLOW_UP,)),
            feedback.submitted_at,
        )
    elif feedback.kind == Feedback.Kind.WRITTEN_EXPLANATION:
        on_explanation_filed(ticket, feedback)


def on_explanation_filed(ticket: Ticket, feedback: Feedback) -> Deadline:
    """书面说明: "一时难以落实的，要形成书面材料及时反馈" (000 三.2). Filed before a deadline of 000 三.2 it meets
    it: the feedback limit (3 days, or the limit given at dispatch), a 督报's limit, which the unit's next
    feedback answers, and a leader's 批示 limit on the ticket (000 三.2 names "领导批示" with a time limit; a
    批示 on a reply draft is answered by the revised draft only). The lead unit's 核实调查报告 is met too only when its due time is the limit given at
    dispatch (then it is 000 三.2's limit, see schedule()); the default 5/15-working-day report is 002 第八条's,
    and that article's own remedy for needing more time is the written extension request within 3 working days,
    not an explanation, so it stays open. A deadline already past is not met: the explanation came too late.
    The promised date becomes a FOLLOW_UP deadline, met by the unit's later report or feedback."""
    at = feedback.submitted_at
    answered = Q(kind__in=FEEDBACK_KINDS + (DeadlineKind.INSTRUCTION,)) | Q(
        kind=DeadlineKind.REPORT, explicit=True, replaces__isnull=True
    )
    meet(
        Deadline.objects.filter(answered, ticket=ticket, state=Deadline.State.PENDING, due_at__gte=at).exclude(
            reply_drafts__isnull=False
        ),
        at,
    )
    return create_deadline(
        kind=DeadlineKind.FOLLOW_UP,
        incident=ticket.incident,
        ticket=ticket,
        started_at=at,
        calendar=WorkCalendar.load(),
        policy=policy_for_kind(ticket.incident, ticket, DeadlineKind.FEEDBACK),
        due_at=feedback.promised_at,
        name="书面说明承诺时限",
        source="000 三.2：一时难以落实的，要形成书面材料及时反馈",
    )


def on_ticket_ended(ticket: Ticket) -> None:
    cancel(Deadline.objects.filter(ticket=ticket))


def on_tickets_ended(incident: Incident) -> None:
    # A leader's 批示 outlives the incident's 销号 or dismissal: its 落实情况 is still owed (000 三.2).
    cancel(Deadline.objects.filter(incident=incident).exclude(kind=DeadlineKind.LEADER_INSTRUCTION))


def on_instruction(ticket: Ticket, due_at: datetime) -> Deadline:
    """A leader's instruction with a time limit, on the lead ticket sent back for rework."""
    return create_deadline(
        kind=DeadlineKind.INSTRUCTION,
        incident=ticket.incident,
        ticket=ticket,
        started_at=timezone.now(),
        calendar=WorkCalendar.load(),
        due_at=due_at,
    )


def leader_instruction_policy(incident: Incident) -> DeadlinePolicy | None:
    """The admin's default 落实时限 for a 批示 on this incident (时限规则, kind 领导批示落实时限), if one is active."""
    return policy_for_kind(incident, None, DeadlineKind.LEADER_INSTRUCTION)


def on_leader_instruction(incident: Incident, given_at: datetime, due_at: datetime | None = None) -> Deadline:
    """A leader's 批示 on an incident: its 落实时限, owned by the office (no unit: the office relays it to the units
    and answers for it; its leaders are told on escalation). The leader's own time limit if given, else the
    policy's ("有明确时间要求的，必须按照规定时间落实到位；没有明确时间要求的，原则上在3天内落实到位", 000 三.2).
    The reminders, escalation and channels come from the policy either way."""
    policy = leader_instruction_policy(incident)
    if policy is None and due_at is None:
        raise ValueError("没有启用的领导批示落实时限规则，须指定落实时限")
    return create_deadline(
        kind=DeadlineKind.LEADER_INSTRUCTION,
        incident=incident,
        ticket=None,
        started_at=given_at,
        calendar=WorkCalendar.load(),
        policy=policy,
        due_at=due_at,
        name="领导批示指定时限" if due_at is not None else None,
        source="000 三.2：领导批示有明确时间要求的，必须按照规定时间落实到位" if due_at is not None else None,
    )


def on_leader_instruction_carried_out(deadline: Deadline, at: datetime) -> None:
    """The 落实情况 recorded for a 批示 meets its deadline (late if past due; a pending escalation is cancelled)."""
    meet(Deadline.objects.filter(pk=deadline.pk), at)


def on_reply_redrafted(ticket: Ticket, at: datetime) -> None:
    """The unit's revised reply draft answers the instructions given when its earlier drafts were sent back."""
    meet(
        Deadline.objects.filter(ticket=ticket, kind=DeadlineKind.INSTRUCTION, reply_drafts__isnull=False).distinct(), at
    )


def on_leader_reported(incident: Incident, at: datetime) -> None:
    meet(Deadline.objects.filter(incident=incident, ticket__isnull=True, kind=DeadlineKind.LEADER_REPORT), at)


def on_reply_published(incident: Incident, at: datetime) -> None:
    meet(Deadline.objects.filter(incident=incident, ticket__isnull=True, kind__in=REPLY_KINDS), at)


def on_incident_regraded(incident: Incident, *, actor: User | None = None, ip: str | None = None) -> list[Deadline]:
    """A regrade recomputes the leader-report, claim, handling and reply deadlines that depend on the
    grade (docs/rules.md §9.13), from their original start. Explicit deadlines stay."""
    return recompute_open_deadlines(incident, actor=actor, ip=ip)


def on_case_type_changed(incident: Incident, *, actor: User | None = None, ip: str | None = None) -> list[Deadline]:
    """历史遗留问题 set or cleared: the deadlines whose policy depends on the case type (the 核实调查报告,
    15 instead of 5 working days from the claim, 002 第八条) are recomputed from their original start, as
    for a regrade. A limit given at dispatch stays: it comes first (000 三.2; docs/rules.md §3.4)."""
    return recompute_open_deadlines(incident, actor=actor, ip=ip)


def recompute_open_deadlines(incident: Incident, *, actor: User | None = None, ip: str | None = None) -> list[Deadline]:
    """Replace each open policy deadline whose policy no longer applies (grade or case type changed) by one
    from the policy that does, from the same start; each replacement is audited. Returns the new deadlines."""
    calendar = WorkCalendar.load()
    recomputed: list[Deadline] = []
    # A 批示's limit is the leader's (or the default when it was given): no regrade moves it.
    deadlines = Deadline.objects.open().filter(incident=incident, explicit=False)
    for d in deadlines.exclude(kind=DeadlineKind.LEADER_INSTRUCTION).select_related("ticket", "policy"):
        new_policy = policy_for_kind(incident, d.ticket, d.kind)
        if new_policy is None or new_policy.pk == d.policy_id:
            continue
        cancel(Deadline.objects.filter(pk=d.pk), outcome="regraded")
        new = create_deadline(
            kind=d.kind,
            incident=incident,
            ticket=d.ticket,
            started_at=d.started_at,
            calendar=calendar,
            policy=new_policy,
        )
        audit.record(
            actor,
            "deadline_recomputed",
            new,
            before={"due_at": d.due_at, "policy": d.rule.get("policy")},
            after={
                "due_at": new.due_at,
                "policy": new.rule.get("policy"),
                "grade": incident.grade,
                "is_historical": incident.is_historical,
            },
            ip=ip,
            incident=incident,
            ticket=d.ticket,
        )
        recomputed.append(new)
    return recomputed


# --- follow-through (issue 17: 会商研判, 市级交办) -----------------------------------------------------------


def rebase_replies_on_joint_review(
    incident: Incident, reviewed_at: datetime, *, actor: User | None = None, ip: str | None = None
) -> list[Deadline]:
    """002 第九条: a high-attention item is replied to "经会商研判后" within 5 working days. The caller (followup)
    decides the item is one whose reply is 会商审定; here each open policy reply deadline of the incident is
    replaced by one of the same policy started at the review, each replacement audited. Explicit limits stay."""
    calendar = WorkCalendar.load()
    rebased: list[Deadline] = []
    open_replies = Deadline.objects.open().filter(
        incident=incident, ticket__isnull=True, kind=DeadlineKind.REPLY, explicit=False, policy__isnull=False
    )
    for d in open_replies.select_related("policy"):
        if d.started_at == reviewed_at:
            continue
        cancel(Deadline.objects.filter(pk=d.pk), outcome="joint_review")
        new = create_deadline(
            kind=d.kind, incident=incident, ticket=None, started_at=reviewed_at, calendar=calendar, policy=d.policy
        )
        audit.record(
            actor,
            "deadline_rebased",
            new,
            before={"due_at": d.due_at, "started_at": d.started_at},
            after={"due_at": new.due_at, "started_at": reviewed_at, "reason": "002 第九条：经会商研判后回复"},
            ip=ip,
            incident=incident,
        )
        rebased.append(new)
    return rebased


CITY_ASSIGNMENT_RULE = {
    "reminder_leads": "1d,2h",
    "escalate_after": "1d",
    "channels": "inbox,sms",
}


def on_city_assignment_received(incident: Incident, received_at: datetime, due_at: datetime) -> Deadline:
    """市级交办: the report back to the city falls due at the city's own time limit (000 三; 004 二(三)3), owned by
    the office (no unit) and swept like every deadline: reminded a day and two hours before, escalated to the
    office's leaders a day after a breach (product default, like the 批示's)."""
    deadline = create_deadline(
        kind=DeadlineKind.CITY_ASSIGNMENT,
        incident=incident,
        ticket=None,
        started_at=received_at,
        calendar=WorkCalendar.load(),
        due_at=due_at,
        name="市级交办反馈时限",
        source="000 三；004 二(三)3：市级交办事项按市里规定时限反馈",
    )
    deadline.rule |= CITY_ASSIGNMENT_RULE
    deadline.save(update_fields=["rule"])
    DeadlineStep.objects.filter(deadline=deadline).delete()
    build_steps(deadline, WorkCalendar.load())
    return deadline


def on_city_assignment_reported(deadline_id: int, at: datetime) -> None:
    """The report back to the city meets its deadline (late if past due; a pending escalation is cancelled)."""
    meet(Deadline.objects.filter(pk=deadline_id), at)
