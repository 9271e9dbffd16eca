"""Writes of the deadline engine that people make: extension requests and decisions, reading notices.
Each checks permission, validates, writes the change and its audit row in one transaction."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from deadlines.policies import policy_for_kind
from deadlines.scheduling import cancel, create_deadline
from incidents.models import Ticket
from incidents.selectors import visible_tickets
from incidents.workflow import ticket_is_handling
from notifications.notify import notify
from org import recipients
from org.access import access_for, require_role
from workcalendar.working_days import WorkCalendar

EXTENDABLE_KINDS = (DeadlineKind.REPORT, DeadlineKind.FEEDBACK)


def extension_window_end(ticket: Ticket, calendar: WorkCalendar | None = None) -> datetime | None:
    """The last instant an extension may be asked: 3 working days after the claim by default
    (002 第八条). None when the ticket is not claimed or no window is configured."""
    policy = policy_for_kind(ticket.incident, ticket, DeadlineKind.EXTENSION_WINDOW)
    if policy is None or ticket.claimed_at is None:
        return None
    return (calendar or WorkCalendar.load()).add(ticket.claimed_at, policy.duration).at


def extendable_deadline(ticket: Ticket) -> Deadline | None:
    """The handling deadline an extension moves: the investigation report for the lead unit, else feedback."""
    deadlines = Deadline.objects.open().filter(ticket=ticket, kind__in=EXTENDABLE_KINDS)
    by_kind = {d.kind: d for d in deadlines}
    return by_kind.get(DeadlineKind.REPORT) or by_kind.get(DeadlineKind.FEEDBACK)


@transaction.atomic
def request_extension(
    actor: User,
    ticket: Ticket | int,
    *,
    requested_due_at: datetime | None,
    reason: str | None,
    ip: str | None = None,
) -> ExtensionRequest:
    """延期申请 (002 第八条): written, by the unit, within the filing window after the claim."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    locked = (
        visible_tickets(actor).select_for_update(of=("self",)).select_related("incident", "unit").filter(pk=pk).first()
    )
    if locked is None:
        raise NotFound("转办单不存在或无权查看。")
    ticket = locked
    if ticket.unit_id not in access_for(actor).liaison_unit_ids:
        raise NotPermitted("只有本单位联络员可以申请延期。")
    if not ticket_is_handling(ticket.status):
        raise Conflict(f"当前状态为「{ticket.get_status_display()}」，不能申请延期。")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写延期理由。", {"reason": ["请填写延期理由。"]})
    now = timezone.now()
    window_end = extension_window_end(ticket)
    if window_end is None or now > window_end:
        when = f"（已于 {timezone.localtime(window_end):%Y-%m-%d %H:%M} 截止）" if window_end else ""
        raise InvalidInput(
            f"延期申请须在认领后 3 个工作日内提出{when}。", {"requested_due_at": ["已超过延期申请期限。"]}
        )
    deadline = extendable_deadline(ticket)
    if deadline is None:
        raise InvalidInput("该转办单没有可延期的办理时限。")
    if requested_due_at is None or requested_due_at <= deadline.due_at:
        raise InvalidInput("申请延至的时间须晚于当前时限。", {"requested_due_at": ["申请延至的时间须晚于当前时限。"]})
    if ExtensionRequest.objects.filter(ticket=ticket, state=ExtensionRequest.State.PENDING).exists():
        raise Conflict("该转办单已有待审批的延期申请。")
    try:
        with transaction.atomic():
            request = ExtensionRequest.objects.create(
                ticket=ticket,
                deadline=deadline,
                requested_by=actor,
                requested_at=now,
                requested_due_at=requested_due_at,
                reason=reason,
            )
    except IntegrityError:
        raise Conflict("该转办单已有待审批的延期申请。") from None
    audit.record(
        actor,
        "extension_requested",
        request,
        after={"deadline": deadline.get_kind_display(), "from": deadline.due_at, "to": requested_due_at},
        reason=reason,
        ip=ip,
        incident=ticket.incident,
        ticket=ticket,
    )
    notify(
        recipients.duty_officers(),
        title=f"【延期申请】{ticket.unit.name}：{ticket.incident.title}",
        body=reason,
        link=reverse("ticket_detail", args=[ticket.pk]),
        incident=ticket.incident,
        ticket=ticket,
    )
    return request


def _locked_request(actor: User, request: ExtensionRequest | int) -> ExtensionRequest:
    pk = request.pk if isinstance(request, ExtensionRequest) else request
    locked = (
        ExtensionRequest.objects.select_for_update(of=("self",))
        .select_related("ticket__incident", "ticket__unit", "deadline", "requested_by")
        .filter(pk=pk, ticket__in=visible_tickets(actor))
        .first()
    )
    if locked is None:
        raise NotFound("延期申请不存在或无权查看。")
    require_role(actor, "is_office", "延期申请由办公室审批。")
    if locked.state != ExtensionRequest.State.PENDING:
        raise Conflict(f"该申请{locked.get_state_display()}。")  # the labels say 已批准 / 已驳回
    return locked


@transaction.atomic
def approve_extension(
    actor: User,
    request: ExtensionRequest | int,
    *,
    note: str = "",
    due_at: datetime | None = None,
    ip: str | None = None,
) -> Deadline:
    """The office approves: the old deadline is kept on record as 'extended' and a new one replaces it,
    with its own reminders and breach; the original due time is carried along."""
    request = _locked_request(actor, request)
    old = Deadline.objects.select_for_update(of=("self",)).get(pk=request.deadline_id)
    new_due = due_at or request.requested_due_at
    if old.incident is None:  # extensions are asked on a ticket's deadlines; a patrol slot has no incident
        raise InvalidInput("该时限不能延期。")
    if new_due <= timezone.now():
        raise InvalidInput("批准的时限须晚于现在。", {"due_at": ["批准的时限须晚于现在。"]})
    cancel(Deadline.objects.filter(pk=old.pk), outcome="extended", new_state=Deadline.State.EXTENDED)
    new = create_deadline(
        kind=old.kind,
        incident=old.incident,
        ticket=old.ticket,
        started_at=old.started_at,
        calendar=WorkCalendar.load(),
        policy=old.policy,
        due_at=new_due,
        replaces=old,
    )
    request.state, request.decided_by, request.decided_at = ExtensionRequest.State.APPROVED, actor, timezone.now()
    request.decision_note = note
    request.save()
    audit.record(
        actor,
        "extension_approved",
        request,
        before={"due_at": old.due_at},
        after={"due_at": new.due_at, "original_due_at": new.original_due_at},
        reason=note,
        ip=ip,
        incident=old.incident,
        ticket=old.ticket,
    )
    notify(
        [request.requested_by],
        title=f"【延期已批准】延至{timezone.localtime(new_due):%m月%d日 %H:%M}：{old.incident.title}",
        body=note,
        link=reverse("ticket_detail", args=[old.ticket_id]),
        incident=old.incident,
        ticket=old.ticket,
    )
    return new


@transaction.atomic
def reject_extension(
    actor: User, request: ExtensionRequest | int, *, note: str | None, ip: str | None = None
) -> ExtensionRequest:
    request = _locked_request(actor, request)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写驳回理由。", {"note": ["请填写驳回理由。"]})
    request.state, request.decided_by, request.decided_at = ExtensionRequest.State.REJECTED, actor, timezone.now()
    request.decision_note = note
    request.save()
    ticket = request.ticket
    audit.record(actor, "extension_rejected", request, reason=note, ip=ip, incident=ticket.incident, ticket=ticket)
    notify(
        [request.requested_by],
        title=f"【延期未批准】{ticket.incident.title}",
        body=note,
        link=reverse("ticket_detail", args=[ticket.pk]),
        incident=ticket.incident,
        ticket=ticket,
    )
    return request
