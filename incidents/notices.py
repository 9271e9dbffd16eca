"""The notices the case workflow sends to the people who must act next: a new ticket to the unit's liaisons,
a return (退回) to the office, a designated claim (指定认领) to the person named, a close-out sent back with a 批示 to
the lead unit. Called by incidents.services inside the write's transaction, after the deadlines are scheduled,
so the text carries the deadlines the unit really has; SMS goes out after commit (notifications.notify).
Each notice names its head (sensitive_head): a recipient not cleared for a confidential incident gets that head and
"敏感舆情 1 条（详见系统）" instead of the incident's title, reason or instructions (issue 11 §1).

An SMS carries the notice's title and link only, so what the reader must know first (the deadlines, the 批示's
time limit) comes first in the title, before the incident's title, which is the part cut if it is too long."""

from django.urls import reverse
from django.utils import timezone

from deadlines.models import Deadline, DeadlineKind
from notifications.notify import notify
from org import recipients


def _short(instant):
    return f"{timezone.localtime(instant):%m月%d日%H:%M}"


def _full(instant):
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M}"


def _name(user):
    return user.get_full_name() or user.get_username()


def _open_deadlines(tickets):
    by_ticket = {t.pk: [] for t in tickets}
    for d in Deadline.objects.open().filter(ticket__in=list(by_ticket)).order_by("due_at", "id"):
        by_ticket[d.ticket_id].append(d)
    return by_ticket


def _channels(deadlines, kind):
    """The channels the rules name for this ticket: those of its deadline of `kind` (Deadline.rule, the policy
    frozen at scheduling), else the inbox only."""
    found = next((d for d in deadlines if d.kind == kind), None)
    return found.rule.get("channels", "inbox") if found else "inbox"


def tickets_dispatched(incident, tickets):
    """转办: each unit's liaisons hear of their ticket at once, with its deadlines (认领 002 第六条; 办理反馈 000
    三.2), by the channels of the ticket's claim-deadline policy (SMS where it says so)."""
    deadlines = _open_deadlines(tickets)
    for ticket in tickets:
        own = deadlines[ticket.pk]
        short = "，".join(f"{d.get_kind_display()}{_short(d.due_at)}" for d in own)
        full = "；".join(f"{d.get_kind_display()} {_full(d.due_at)}" for d in own)
        body = f"{ticket.unit.name}（{ticket.get_role_display()}）收到转办单，请及时认领并办理。"
        if full:
            body += f"{full}。"
        if ticket.instructions:
            body += f"转办要求：{ticket.instructions}"
        head = f"【转办·{ticket.get_role_display()}】{short or '请及时认领'}"
        notify(
            recipients.liaisons(ticket.unit),
            title=f"{head}：{incident.title}",
            sensitive_head=head,
            body=body,
            link=reverse("ticket_detail", args=[ticket.pk]),
            incident=incident,
            ticket=ticket,
            channels=_channels(own, DeadlineKind.CLAIM),
        )


def ticket_returned(ticket, reason):
    """退回: the office must re-dispatch, so the duty officers hear which unit returned it and why."""
    head = f"【退回】{ticket.unit.name}退回转办单（{ticket.get_role_display()}）"
    notify(
        recipients.duty_officers(),
        title=f"{head}：{ticket.incident.title}",
        sensitive_head=head,
        body=f"{ticket.unit.name}退回了转办单。退回理由：{reason}",
        link=reverse("incident_detail", args=[ticket.incident_id]),
        incident=ticket.incident,
        ticket=ticket,
    )


def ticket_assigned(ticket, assignee):
    """指定认领 (002 第六条: 逾期未认领的，指定认领并记录在案): the person named hears it by the channels of the
    ticket's claim deadline, with the handling deadlines that start now; the unit's other liaisons are told who
    holds it, in the inbox."""
    own = _open_deadlines([ticket])[ticket.pk]
    claim = Deadline.objects.filter(ticket=ticket, kind=DeadlineKind.CLAIM).order_by("-id").first()
    short = "，".join(f"{d.get_kind_display()}{_short(d.due_at)}" for d in own)
    full = "；".join(f"{d.get_kind_display()} {_full(d.due_at)}" for d in own)
    link = reverse("ticket_detail", args=[ticket.pk])
    incident = ticket.incident
    head = f"【指定认领】办公室指定由您认领{('，' + short) if short else ''}"
    notify(
        [assignee],
        title=f"{head}：{incident.title}",
        sensitive_head=head,
        body=f"办公室指定您代表{ticket.unit.name}认领并办理该转办单（002 第六条）。{full + '。' if full else ''}",
        link=link,
        incident=incident,
        ticket=ticket,
        channels=claim.rule.get("channels", "inbox") if claim else "inbox",
    )
    others = [u for u in recipients.liaisons(ticket.unit) if u.pk != assignee.pk]
    head = f"【指定认领】办公室已指定{_name(assignee)}认领"
    notify(
        others,
        title=f"{head}：{incident.title}",
        sensitive_head=head,
        body=f"该转办单由{_name(assignee)}负责办理。",
        link=link,
        incident=incident,
        ticket=ticket,
    )


def incident_sent_back(incident, ticket, reason, instruction=None):
    """退回重办 with a 批示 (000 四.3; 交办、承办、督办, 002 第八条): the lead unit's liaisons hear the 批示 and its
    time limit; a limit is a tracked instruction deadline, whose channels (SMS, as for any explicit limit) are
    used, else the inbox."""
    due_at = instruction.due_at if instruction else None
    limit = f"请于{_short(due_at)}前办理并重新报送核实调查报告" if due_at else "请办理后重新报送核实调查报告"
    notify(
        recipients.liaisons(ticket.unit),
        title=f"【退回重办】{limit}。批示：{reason}｜{incident.title}",
        sensitive_head=f"【退回重办】{limit}",
        body=f"批示：{reason}\n{limit}" + (f"（批示办理时限 {_full(due_at)}）。" if due_at else "。"),
        link=reverse("ticket_detail", args=[ticket.pk]),
        incident=incident,
        ticket=ticket,
        channels=instruction.rule.get("channels", "inbox") if instruction else "inbox",
    )
