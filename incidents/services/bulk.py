"""Bulk actions of the office on the 舆情 list (issue 18): 批量转办 and 批量催办.

Each selected item goes through the one service for it (dispatch_incident; remind_ticket below), each in its own
transaction with its own permission, visibility, state checks and audit row, so a bulk action can do nothing a
one-by-one action could not. The result is per item, not all-or-nothing: an item the rules refuse (not graded
yet, already has a lead unit, no open ticket) is listed with the reason and the others go through; the page
says so before the officer confirms."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, DomainError, NotFound
from core.models import AuditEvent
from incidents.models import Incident, Ticket, TicketRole
from incidents.selectors import visible_incidents
from incidents.services._common import locked_ticket
from incidents.services.tickets import dispatch_incident
from notifications.notify import notify
from org import recipients
from org.access import require_role
from org.models import Unit

MAX_ITEMS = 100  # a page holds 25; more in one request is not a person clicking
# Product default (docs/rules.md: no seed sets it): a second 催办 of the same ticket within this window is refused,
# so a double click or two officers at once do not send the unit the same reminder twice.
REMIND_COOLDOWN = timedelta(minutes=10)
OFFICE_ONLY = "只有值班员可以批量办理。"


@dataclass(frozen=True)
class ItemResult:
    """What happened to one selected item: its number (or id when it cannot be shown), done or not, and why."""

    label: str
    ok: bool
    message: str


def _selected(actor: User, incident_ids: Iterable[int]) -> tuple[list[Incident], list[ItemResult]]:
    ids = list(dict.fromkeys(incident_ids))
    if not ids:
        raise DomainError("请先勾选要办理的舆情。")
    if len(ids) > MAX_ITEMS:
        raise DomainError(f"一次最多办理 {MAX_ITEMS} 条。")
    found = {i.pk: i for i in visible_incidents(actor).filter(pk__in=ids)}
    missing = [ItemResult(f"#{pk}", False, "舆情不存在或无权查看。") for pk in ids if pk not in found]
    return [found[pk] for pk in ids if pk in found], missing


def bulk_dispatch(
    actor: User, incident_ids: Iterable[int], *, unit: Unit | None, ip: str | None = None
) -> list[ItemResult]:
    """批量转办: each selected incident to `unit` as 主办, with the default deadlines of its grade (no explicit
    limit, 000 三.2), through dispatch_incident one by one."""
    require_role(actor, "is_office", OFFICE_ONLY)
    if unit is None or not unit.is_active:
        raise DomainError("请选择转办的责任单位。")
    incidents, results = _selected(actor, incident_ids)
    for incident in incidents:
        if not incident.grade:  # said plainly, before the state machine's words for it
            results.append(ItemResult(incident.number, False, "尚未研判定级，请先研判再转办。"))
            continue
        try:
            dispatch_incident(actor, incident.pk, assignments=[(unit, TicketRole.LEAD)], ip=ip)
        except DomainError as error:
            results.append(ItemResult(incident.number, False, error.message))
        else:
            results.append(ItemResult(incident.number, True, f"已转办至{unit.name}（主办）。"))
    return results


@transaction.atomic
def remind_ticket(actor: User, ticket: Ticket | int, *, ip: str | None = None) -> Ticket:
    """催办 (002 第八条 交办、承办、督办): the office reminds a unit of an open ticket; its liaisons get a notice
    (知悉范围 applies per recipient in notify) and the reminder is audited on the ticket."""
    require_role(actor, "is_office", "只有值班员可以催办。")
    ticket = locked_ticket(actor, ticket)
    if not ticket.is_open:
        raise Conflict(f"{ticket.unit.name}的转办单已{ticket.get_status_display()}，无需催办。")
    since = timezone.now() - REMIND_COOLDOWN
    if AuditEvent.objects.filter(ticket=ticket, action="remind", at__gte=since).exists():
        minutes = int(REMIND_COOLDOWN.total_seconds() // 60)
        raise Conflict(f"{ticket.unit.name}的转办单 {minutes} 分钟内已催办过。")
    people = recipients.liaisons(ticket.unit)
    if not people:
        raise Conflict(f"{ticket.unit.name}没有联络员，无法催办，请电话联系。")
    incident = ticket.incident
    head = "【催办】办公室催办转办单，请尽快办理"
    notify(
        people,
        title=f"{head}：{incident.title}",
        sensitive_head=head,
        body=f"办公室催办{ticket.unit.name}（{ticket.get_role_display()}）的转办单，请尽快办理并反馈。",
        link=reverse("ticket_detail", args=[ticket.pk]),
        incident=incident,
        ticket=ticket,
    )
    audit.record(
        actor,
        "remind",
        ticket,
        after={"status": ticket.status, "unit": ticket.unit.name, "recipients": len(people)},
        ip=ip,
        incident=incident,
        ticket=ticket,
    )
    return ticket


def bulk_remind(actor: User, incident_ids: Iterable[int], *, ip: str | None = None) -> list[ItemResult]:
    """批量催办: every open ticket of each selected incident, through remind_ticket one by one."""
    require_role(actor, "is_office", OFFICE_ONLY)
    incidents, results = _selected(actor, incident_ids)
    for incident in incidents:
        tickets = list(incident.tickets.open().select_related("unit").order_by("-role", "id"))  # 主办 first
        if not tickets:
            results.append(ItemResult(incident.number, False, "没有在办的转办单，无需催办。"))
            continue
        done, refused = [], []
        for ticket in tickets:
            try:
                remind_ticket(actor, ticket.pk, ip=ip)
            except (Conflict, NotFound) as error:
                refused.append(error.message)
            else:
                done.append(ticket.unit.name)
        message = (f"已催办{'、'.join(done)}。" if done else "") + "".join(refused)
        results.append(ItemResult(incident.number, bool(done), message))
    return results
