"""What firing one due step of an incident's deadline does, decided once per step kind (reminder, breach, escalation)
and shared by the timed checks' batch and their one-by-one fallback (deadlines.sweep): who is told and in which words,
the audit row, and whether the deadline breaches and its ticket turns overdue unclaimed. A builder only decides; it
writes nothing, so a step whose builder raises (a bad row, a broken lookup of people) fails alone and leaves nothing
behind. Everything it reads was read for the whole batch: the step and its deadline, the unit, the incident's title."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from deadlines.models import Deadline, DeadlineKind
from notifications.bulk import BulkNotice
from notifications.notify import TITLE_MAX, fit
from org import recipients
from org.models import Unit

KIND_LABELS = dict(DeadlineKind.choices)  # get_kind_display() without Django's per-call lookup of the choices
OPEN_STATES = Deadline.OPEN_STATES


@dataclass
class Due:
    """One due step of an incident's deadline as the batch read it: the step's and its deadline's columns (plain
    values, no model instances: a batch reads 200 of them), the unit, the incident's title."""

    step_id: int
    step: str
    fire_at: datetime
    attempts: int
    deadline_id: int
    kind: str
    state: str  # the deadline's
    met_at: datetime | None
    due_at: datetime
    rule: dict
    incident_id: int | None
    ticket_id: int | None
    unit_id: int | None
    breach_unfired: bool  # the deadline's breach step is pending or failed
    unit: Unit | None = None
    title: str = ""  # the incident's title
    confidential: bool = False

    @property
    def is_open(self) -> bool:
        """Deadline.is_open on the columns read."""
        return self.met_at is None and self.state in OPEN_STATES

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class Effect:
    """What firing a step does; deadlines.sweep writes the effects of a whole batch in one statement per kind."""

    outcome: str
    notice: BulkNotice | None = None
    action: str = ""  # the audit row's action; none without a notice
    after: dict = field(default_factory=dict)
    breach: bool = False
    overdue_ticket: int | None = None  # the ticket to mark overdue unclaimed at the deadline's due time


class Links:
    """The links of a pass's notices, built from one reverse() per page instead of one per notice."""

    MARK = 918273645  # stands for the id in the reversed path

    def __init__(self) -> None:
        self.ticket = reverse("ticket_detail", args=[self.MARK]).split(str(self.MARK))
        self.incident = reverse("incident_detail", args=[self.MARK]).split(str(self.MARK))

    def of(self, due: Due) -> str:
        (head, tail), pk = (self.ticket, due.ticket_id) if due.ticket_id else (self.incident, due.incident_id)
        return f"{head}{pk}{tail}"


def label(due: Due) -> str:
    """One line for logs and the dry run."""
    owner = due.unit.name if due.unit else "办公室"
    return f"{due.title}｜{owner}｜{due.kind_label}"


def _when(instant: datetime) -> str:
    return f"{timezone.localtime(instant):%m月%d日 %H:%M}"


def _title(head: str, due: Due, *, with_unit: bool = True) -> str:
    """head + the incident's title + （unit）: the incident's title is what gets cut, so the notice still says what
    happened and whose it is however long the title someone typed."""
    tail = f"（{due.unit.name}）" if with_unit and due.unit else ""
    return head + fit(due.title, TITLE_MAX - len(head) - len(tail)) + tail


def _owner_tail(due: Due) -> str:
    """（unit） for a notice's head: whose deadline it is may be told to anyone the notice reaches."""
    return f"（{due.unit.name}）" if due.unit else ""


def _owners(due: Due) -> list:
    """Whoever must act: the unit's liaisons for a unit's deadline, the office for the incident as a whole."""
    if due.unit:
        return recipients.liaisons(due.unit)
    return recipients.duty_officers()


def _notice(due: Due, people: list, title: str, links: Links, *, channels: str, sensitive_head: str) -> BulkNotice:
    return BulkNotice(
        people,
        title=title,
        link=links.of(due),
        incident_id=due.incident_id,
        confidential=due.confidential,
        ticket_id=due.ticket_id,
        step_id=due.step_id,
        channels=channels,
        # Who may not open a confidential incident reads the kind and time, not its title (issue 11 §1).
        sensitive_head=sensitive_head,
    )


def remind(due: Due, now: datetime, links: Links) -> Effect:
    d = due
    if not d.is_open:
        return Effect("skipped_met")
    if now >= d.due_at:
        return Effect("skipped_stale")  # the reminder was missed and the deadline has passed: the breach speaks
    head = f"【到期提醒】{d.kind_label}将于{_when(d.due_at)}到期："
    notice = _notice(
        due, _owners(due), _title(head, due, with_unit=False), links, channels="inbox", sensitive_head=head
    )
    return Effect("notified", notice, "deadline_reminder", {"kind": d.kind, "due_at": d.due_at, "step": due.step})


def breach(due: Due, now: datetime, links: Links) -> Effect:
    d = due
    if d.state != Deadline.State.PENDING or d.met_at is not None:
        return Effect("skipped_met")
    people = list(_owners(due)) + recipients.duty_officers()
    after = {"kind": d.kind, "due_at": d.due_at, "breached_at": d.due_at}
    overdue = d.ticket_id if d.kind == DeadlineKind.CLAIM and d.ticket_id else None
    if overdue:
        # 逾期未认领 (002 第六条): the office and the unit's leader are told; the office may designate.
        people += recipients.leaders(due.unit)
        after["overdue_unclaimed"] = True
    head = f"【督办】{d.kind_label}已于{_when(d.due_at)}逾期："
    notice = _notice(
        due,
        people,
        _title(head, due),
        links,
        channels=d.rule.get("channels", "inbox"),
        sensitive_head=head.rstrip("：") + _owner_tail(due),
    )
    return Effect("notified", notice, "deadline_breached", after, breach=True, overdue_ticket=overdue)


def escalate(due: Due, now: datetime, links: Links) -> Effect:
    d = due
    if not d.is_open or d.state != Deadline.State.BREACHED:
        return Effect("skipped_met")
    # Up the chain of whoever owns the deadline: a unit's to that unit's leaders, the office's own (报告领导, 回应发布 …,
    # unit None) to the office's leaders, not the subject unit's (004 一(五)).
    people = recipients.leaders(due.unit) if due.unit else recipients.office_leaders()
    head = f"【逾期升级】{d.kind_label}逾期未办结，请督促："
    notice = _notice(
        due,
        people + recipients.duty_officers(),
        _title(head, due),
        links,
        channels=d.rule.get("channels", "inbox"),
        sensitive_head=head.rstrip("：") + _owner_tail(due),
    )
    return Effect("notified", notice, "deadline_escalated", {"kind": d.kind, "due_at": d.due_at})


def builder(step: str) -> Callable[[Due, datetime, Links], Effect]:
    """The builder of a step kind: "breach", "escalate", else a reminder ("reminder:30m", "remind" …)."""
    return BUILDERS.get(step, remind)


BUILDERS = {"breach": breach, "escalate": escalate}


def subject_stage(due: Due, now: datetime) -> tuple[str, Effect]:
    """A step of a deadline of no incident (a patrol slot, deadlines.subjects): what the engine does to the deadline
    (the breach and its audit row, the escalation's audit row) and the stage its subject is asked to tell about
    ("remind", "breach", "escalate"), or no stage and an effect that skips the step. The audit row is written
    whether or not the subject then tells anyone (a slot superseded by a later miss is still marked and audited)."""
    d = due
    after = {"kind": d.kind, "due_at": d.due_at}
    if d.step == "breach":
        if d.state != Deadline.State.PENDING or d.met_at is not None:
            return "", Effect("skipped_met")
        return "breach", Effect("", action="deadline_breached", after=after, breach=True)
    if d.step == "escalate":
        if not d.is_open or d.state != Deadline.State.BREACHED:
            return "", Effect("skipped_met")
        return "escalate", Effect("", action="deadline_escalated", after=after)
    if not d.is_open:
        return "", Effect("skipped_met")
    if now >= d.due_at:
        return "", Effect("skipped_stale")
    return "remind", Effect("")
