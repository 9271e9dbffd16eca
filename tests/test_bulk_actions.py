"""The office's bulk actions on the 舆情 list (issue 18): 批量转办 to one unit with the default deadlines and 批量催办
of the open tickets, each item through its own service (permission, visibility, state, audit), the outcome shown
per item; only duty officers may use them."""

import pytest
from django.test import Client

from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineKind
from incidents import services
from incidents.models import Incident, Ticket, TicketRole
from notifications.models import Notification

from .factories import Role, person


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_bulk_dispatch_goes_item_by_item_with_default_deadlines(org, make_incident):
    graded = [make_incident(f"待转办{n}", grade="IV") for n in range(2)]
    ungraded = make_incident("还没研判")
    client = as_user(org.duty)
    ids = [i.pk for i in [*graded, ungraded]]
    response = client.post("/incidents/?grade=IV", {"action": "dispatch", "unit": org.edu.pk, "ids": ids}, follow=True)
    shown = messages_of(response)
    assert response.redirect_chain[-1][0] == "/incidents/?grade=IV"  # back to the same filtered list
    assert "批量转办：2 条已办理，1 条未办理。" in shown
    assert f"{ungraded.number}：尚未研判定级，请先研判再转办。" in shown
    for incident in graded:
        ticket = Ticket.objects.get(incident=incident)
        assert (ticket.unit, ticket.role, ticket.due_at) == (org.edu, TicketRole.LEAD, None)
        assert Deadline.objects.filter(ticket=ticket, kind=DeadlineKind.CLAIM).exists()  # the policy default
        assert AuditEvent.objects.filter(ticket=ticket, action="dispatch", actor_id=org.duty.pk).exists()
    assert not Ticket.objects.filter(incident=ungraded).exists()


def test_bulk_remind_notifies_each_open_tickets_liaisons_and_is_audited(org, dispatched, make_incident):
    quiet = make_incident("没有转办单", grade="IV")
    before = Notification.objects.count()
    response = as_user(org.duty).post(
        "/incidents/", {"action": "remind", "ids": [dispatched.incident.pk, quiet.pk]}, follow=True
    )
    shown = messages_of(response)
    assert f"{dispatched.incident.number}：已催办教育局、卫健委。" in shown
    assert f"{quiet.number}：没有在办的转办单，无需催办。" in shown
    reminded = Notification.objects.filter(title__startswith="【催办】").order_by("recipient__username")
    assert {n.recipient.username for n in reminded} == {"edu_l", "edu_l2", "health_l"}
    assert Notification.objects.count() - before == reminded.count()
    for ticket in (dispatched.lead, dispatched.assist):
        event = AuditEvent.objects.get(ticket=ticket, action="remind")
        assert event.actor_id == org.duty.pk and event.after["unit"] == ticket.unit.name


def test_a_second_reminder_within_ten_minutes_is_refused(org, dispatched):
    services.remind_ticket(org.duty, dispatched.lead.pk)
    results = services.bulk_remind(org.duty, [dispatched.incident.pk])
    assert results[0].ok  # the assist ticket was reminded
    assert "教育局的转办单 10 分钟内已催办过。" in results[0].message
    assert AuditEvent.objects.filter(ticket=dispatched.lead, action="remind").count() == 1


@pytest.mark.parametrize("who", ["edu_liaison", "leader", "edu_leader"])
def test_only_duty_officers_may_use_bulk_actions(org, dispatched, make_incident, who):
    graded = make_incident("待转办", grade="IV")
    user = getattr(org, who)
    response = as_user(user).post("/incidents/", {"action": "remind", "ids": [dispatched.incident.pk]}, follow=True)
    assert "只有值班员可以批量办理。" in messages_of(response)
    response = as_user(user).post(
        "/incidents/", {"action": "dispatch", "unit": org.edu.pk, "ids": [graded.pk]}, follow=True
    )
    assert "只有值班员可以批量办理。" in messages_of(response)
    assert not Ticket.objects.filter(incident=graded).exists()
    assert not Notification.objects.filter(title__startswith="【催办】").exists()
    page = as_user(user).get("/incidents/").content.decode()
    assert "批量催办" not in page and 'name="ids"' not in page


def test_bulk_actions_do_not_reach_what_the_officer_cannot_see(org, make_incident):
    hidden = make_incident("敏感事项", grade="IV", is_confidential=True)
    services.dispatch_incident(org.duty, hidden, assignments=[(org.edu, TicketRole.LEAD)])
    other = person("duty2", org.office, Role.DUTY_OFFICER)
    results = services.bulk_remind(other, [hidden.pk])
    assert [(r.label, r.ok, r.message) for r in results] == [(f"#{hidden.pk}", False, "舆情不存在或无权查看。")]
    assert not AuditEvent.objects.filter(action="remind").exists()


def test_bad_bulk_input_is_a_message_and_nothing_changes(org, make_incident):
    graded = make_incident("待转办", grade="IV")
    client = as_user(org.duty)
    for data, message in [
        ({"action": "dispatch", "unit": org.edu.pk}, "请先勾选要办理的舆情。"),
        ({"action": "dispatch", "unit": "abc", "ids": [graded.pk]}, "请选择转办的责任单位。"),
        ({"action": "dispatch", "unit": "9" * 30, "ids": [graded.pk]}, "请选择转办的责任单位。"),
        ({"action": "nuke", "ids": [graded.pk]}, "请选择批量操作（转办或催办）。"),
        ({"action": "remind", "ids": ["abc", "9" * 30]}, "请先勾选要办理的舆情。"),
    ]:
        response = client.post("/incidents/", data, follow=True)
        assert response.status_code == 200
        assert message in messages_of(response), data
    assert not Ticket.objects.exists()
    assert Incident.objects.get(pk=graded.pk).status == "graded"


def test_the_list_shows_labelled_checkboxes_and_the_bulk_bar_to_the_office(org, dispatched):
    page = as_user(org.duty).get("/incidents/").content.decode()
    assert 'name="ids"' in page and f"选择 {dispatched.incident.number}" in page
    assert "批量转办（主办，默认时限）" in page and "批量催办" in page
    assert "逐条办理" in page
