"""销号 follows the grade (000 四.3 销号管理; issue 10 §3): the office closes 一般/较大, a county-level leader
重大/特别重大 (GradeSetting.close_approver, migration 0007), and a unit's own leader cannot stand in for the
county. The sign-off page shows each person only what they may approve, the report it asks them to approve,
and the resubmission of a close-out first to the leader who sent it back."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import NotFound, NotPermitted
from core.models import AuditEvent
from incidents import services
from incidents.models import Approver, Feedback, GradeSetting, TicketRole
from notifications.models import Notification
from org.models import Role

from .factories import joint_review, person

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


@pytest.fixture
def close_out(org, make_incident):
    """An incident of a grade whose lead unit, 教育局, has reported back: it awaits 审核销号."""

    def make(grade, title="网传某校食堂饭菜变质", when=MONDAY, report="经核实，情况属实，已整改并回应网民。"):
        with time_machine.travel(when, tick=False):
            incident = make_incident(title=title, grade=grade)
            (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
            services.claim_ticket(org.edu_liaison, lead)
            services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content=report)
        incident.refresh_from_db()
        return incident

    return make


def test_grades_i_and_ii_are_the_countys_to_close_by_default(db):
    approvers = dict(GradeSetting.objects.values_list("grade", "close_approver"))
    assert approvers["I"] == approvers["II"] == Approver.COUNTY
    assert approvers["IV"] == Approver.OFFICE


@pytest.mark.parametrize("grade", ["I", "II"])
def test_a_unit_leader_cannot_close_or_send_back_a_county_grade_close_out(org, close_out, grade):
    incident = close_out(grade)
    events = AuditEvent.objects.count()
    with pytest.raises(NotPermitted, match="须由县领导审核销号（000 四.3 销号管理），单位领导不能审核销号"):
        services.close_incident(org.edu_leader, incident, opinion="同意")
    with pytest.raises(NotPermitted, match="须由县领导退回重办"):
        services.send_back_incident(org.edu_leader, incident, reason="补充")
    with pytest.raises(NotPermitted, match="须由县领导审核销号"):
        services.close_incident(org.duty, incident, opinion="同意")
    incident.refresh_from_db()
    assert incident.status == "under_review" and incident.closed_by is None
    assert AuditEvent.objects.count() == events


def test_a_county_leader_closes_a_major_incident(org, close_out):
    incident = close_out("II")
    services.close_incident(org.leader, incident, opinion="处置到位，同意销号")
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_by == org.leader
    assert incident.tickets.get().status == "closed"


def test_the_office_closes_a_general_incident_and_a_leader_may_not(org, close_out):
    incident = close_out("IV")
    for leader in (org.edu_leader, org.leader):
        with pytest.raises(NotPermitted, match="由办公室审核销号"):
            services.close_incident(leader, incident, opinion="同意")
    services.close_incident(org.duty, incident, opinion="同意")
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_by == org.duty


def test_a_grade_configured_for_the_unit_leader_is_closed_by_the_lead_units_leader(org, close_out):
    GradeSetting.objects.filter(grade="III").update(close_approver=Approver.LEADER)
    incident = close_out("III")
    with pytest.raises(NotPermitted, match="须由主办单位的领导审核销号"):
        services.close_incident(org.duty, incident)
    with pytest.raises(NotFound):  # another unit's leader does not even see it
        services.close_incident(person("health_leader", org.health, Role.LEADER), incident)
    services.close_incident(org.edu_leader, incident, opinion="同意")
    incident.refresh_from_db()
    assert incident.closed_by == org.edu_leader


def test_the_office_may_return_a_county_grade_report_for_rework(org, close_out):
    """The office supervises 销号 (000 四.3): it may send back an inadequate report before a leader signs."""
    incident = close_out("II")
    services.send_back_incident(org.duty, incident, reason="报告缺少整改情况")
    incident.refresh_from_db()
    assert incident.status == "in_progress" and incident.sent_back_by == org.duty


def test_the_web_and_the_api_refuse_a_unit_leader_with_the_reason(client, org, close_out):
    incident = close_out("II")
    client.force_login(org.edu_leader)
    response = client.post(reverse("incident_action", args=[incident.pk, "close"]), {"close-reason": "同意"})
    assert response.status_code == 400 and "须由县领导审核销号" in response.content.decode()
    api = APIClient()
    api.force_authenticate(org.edu_leader)
    response = api.post(f"/api/incidents/{incident.pk}/close/", {"opinion": "同意"}, format="json")
    assert response.status_code == 403 and "须由县领导审核销号" in str(response.json())
    incident.refresh_from_db()
    assert incident.status == "under_review"


def test_the_incident_page_offers_the_close_form_only_to_the_approver_the_grade_names(client, org, close_out):
    incident = close_out("II")
    offered = {}
    for user in (org.edu_leader, org.leader, org.duty):
        client.force_login(user)
        offered[user.username] = (
            'data-action="close"' in client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
        )
    assert offered == {"edu_leader": False, "leader": True, "duty": False}


# --- the sign-off page -------------------------------------------------------------------------------


def signoff_titles(client, user):
    client.force_login(user)
    page = client.get(reverse("signoff")).content.decode().split('id="reply-drafts"')[0]
    return [chunk.split("</a>")[0].rsplit(">", 1)[-1] for chunk in page.split('data-testid="signoff-item"')[1:]]


def test_the_signoff_page_shows_each_person_only_the_close_outs_they_may_approve(client, org, close_out):
    close_out("II", title="重大事项")
    close_out("IV", title="一般事项")
    assert signoff_titles(client, org.leader) == ["重大事项"]
    assert signoff_titles(client, org.edu_leader) == []
    assert signoff_titles(client, org.duty) == ["一般事项"]


def test_the_close_out_card_shows_the_report_it_asks_to_approve(client, org, close_out):
    close_out("II", title="重大事项", report="经核实，积水已排除，已设置警示标志。")
    client.force_login(org.leader)
    page = client.get(reverse("signoff")).content.decode()
    card = page.split('data-testid="signoff-item"')[1]
    assert "核实调查报告（教育局）" in card and "经核实，积水已排除，已设置警示标志。" in card
    assert "edu_l" in card and "2026-11-23 10:00" in card


def test_the_leader_who_sent_it_back_sees_the_resubmission_first(client, org, close_out):
    close_out("II", title="较早的重大事项", when=MONDAY)  # an older close-out, listed after the resubmission
    resubmitted = close_out("II", title="被退回的重大事项", when=MONDAY + timedelta(hours=1))
    other_leader = person("leader2", org.county, Role.LEADER)
    assert signoff_titles(client, org.leader) == ["较早的重大事项", "被退回的重大事项"]

    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        services.send_back_incident(org.leader, resubmitted, reason="请补充对网民的回应情况")
    resubmitted.refresh_from_db()
    assert resubmitted.sent_back_by == org.leader
    assert AuditEvent.objects.get(action="send_back").after["sent_back_by"] == "leader"
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        services.submit_feedback(
            org.edu_liaison, resubmitted.tickets.get(), kind=Feedback.Kind.REPORT, content="已补充回应情况"
        )

    assert signoff_titles(client, org.leader) == ["被退回的重大事项", "较早的重大事项"]
    page = client.get(reverse("signoff")).content.decode()
    first = page.split('data-testid="signoff-item"')[1]
    assert "您退回的" in first and "已补充回应情况" in first  # the card shows the resubmitted report
    assert signoff_titles(client, other_leader) == ["较早的重大事项", "被退回的重大事项"]
    assert "您退回的" not in client.get(reverse("signoff")).content.decode()


# --- replies reserved for the county ---------------------------------------------------------------


def test_a_reply_the_grade_reserves_for_the_county_is_approved_by_a_county_leader(client, org, make_incident):
    """002 第九条 names who approves a reply; an admin may reserve a grade's replies for the county (县领导)."""
    GradeSetting.objects.filter(grade="III").update(reply_approver=Approver.COUNTY)
    incident = make_incident(grade="III")
    (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    services.claim_ticket(org.edu_liaison, lead)
    draft = services.draft_reply(org.edu_liaison, lead, kind="initial", channel="政务微博", content="已关注")
    assert {n.recipient for n in incident_notices(incident, "回应稿待审定")} == {org.leader}
    for refused in (org.edu_leader, org.duty):
        with pytest.raises(NotPermitted, match="须由县领导审定"):
            services.approve_reply(refused, draft)
    client.force_login(org.edu_leader)
    assert 'data-testid="reply-draft-item"' not in client.get(reverse("signoff")).content.decode()
    client.force_login(org.leader)
    assert 'data-testid="reply-draft-item"' in client.get(reverse("signoff")).content.decode()
    # 县领导审定 makes the item high-attention: its reply follows a joint review and cites it (002 第九条).
    joint_review(org, incident)
    services.approve_reply(org.leader, draft)
    draft.refresh_from_db()
    assert draft.state == "approved" and draft.decided_by == org.leader


def incident_notices(incident, prefix):
    return Notification.objects.filter(incident=incident, title__startswith=prefix)
