"""知悉范围 of a confidential incident (issue 11 §1): dispatching it grants the receiving unit's liaisons and leaders,
who can then claim it before its deadline; the office grants and revokes (service, page, API), each audited, and
a revoked person finds nothing (404); reading it in the Django admin is audited like reading it in the app."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineKind
from deadlines.sweep import run_timed_checks
from incidents import selectors, services
from incidents.clearance import SENSITIVE_ONE
from incidents.models import TicketRole
from org.models import Role
from tests.factories import person

from .api_support import api_as, relaxed_throttles  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


@pytest.fixture
def secret(org):
    """A confidential incident reported and graded by a second duty officer, dispatched by them to 教育局 (lead)
    and 卫健委 (assist) on Monday morning."""
    reporter = person("duty2", org.office, Role.DUTY_OFFICER)
    with time_machine.travel(MONDAY, tick=False):
        incident = services.report_incident(reporter, title="涉腐线索", is_confidential=True)
        services.grade_incident(reporter, incident, grade="IV", reason="限制知悉")
        lead, assist = services.dispatch_incident(
            reporter, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    incident.reporter, incident.lead, incident.assist = reporter, lead, assist
    return incident


def sees(user, incident):
    return selectors.visible_incidents(user).filter(pk=incident.pk).exists()


def test_dispatch_grants_the_receiving_units_liaisons_and_leaders_audited(org, secret):
    for user in (org.edu_liaison, org.edu_liaison2, org.edu_leader, org.health_liaison):
        assert sees(user, secret), user
    # 卫健委 has no leader of its own: its deadlines escalate to the county's leader, who is granted with it.
    assert sees(org.leader, secret)
    for user in (org.police_liaison, org.duty):  # neither receiving nor cleared
        assert not sees(user, secret)
    granted = AuditEvent.objects.filter(action="confidential_granted", incident=secret)
    assert {e.after["user_id"] for e in granted} == {
        org.edu_liaison.pk,
        org.edu_liaison2.pk,
        org.edu_leader.pk,
        org.health_liaison.pk,
        org.leader.pk,
    }
    assert all(e.actor_id == secret.reporter.pk and e.reason.startswith("转办") for e in granted)


def test_an_ordinary_dispatch_grants_nothing(org, dispatched):
    assert not AuditEvent.objects.filter(action="confidential_granted").exists()


def test_the_unit_claims_it_in_time_and_its_claim_deadline_is_met_not_breached(org, secret, client):
    claim = Deadline.objects.get(ticket=secret.lead, kind=DeadlineKind.CLAIM)
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        client.force_login(org.edu_liaison)
        assert client.get(reverse("ticket_detail", args=[secret.lead.pk])).status_code == 200
        services.claim_ticket(org.edu_liaison, secret.lead.pk)
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        run_timed_checks()
    claim.refresh_from_db()
    assert claim.met_at is not None and claim.state != Deadline.State.BREACHED


def test_revoking_removes_access_404_and_is_audited(org, secret, api_as):  # noqa: F811
    liaison = api_as(org.edu_liaison)
    assert liaison.get(f"/api/incidents/{secret.pk}/").status_code == 200
    office = api_as(secret.reporter)
    answer = office.post(f"/api/incidents/{secret.pk}/revoke-access/", {"user": org.edu_liaison.pk}, format="json")
    assert answer.status_code == 200
    assert liaison.get(f"/api/incidents/{secret.pk}/").status_code == 404
    assert liaison.get(f"/api/tickets/{secret.lead.pk}/").status_code == 404
    event = AuditEvent.objects.get(action="confidential_revoked", incident=secret)
    assert event.actor_id == secret.reporter.pk and event.before["user_id"] == org.edu_liaison.pk
    # Revoking what is not granted is a 400 with the reason, and writes nothing.
    again = office.post(f"/api/incidents/{secret.pk}/revoke-access/", {"user": org.edu_liaison.pk}, format="json")
    assert again.status_code == 400 and "没有查阅此敏感舆情的授权" in again.content.decode()
    assert AuditEvent.objects.filter(action="confidential_revoked").count() == 1


def test_only_the_office_revokes(org, secret, api_as):  # noqa: F811
    answer = api_as(org.edu_leader).post(
        f"/api/incidents/{secret.pk}/revoke-access/", {"user": org.edu_liaison.pk}, format="json"
    )
    assert answer.status_code == 403
    assert sees(org.edu_liaison, secret)


def test_the_office_grants_and_revokes_on_the_incident_page(client, org, secret):
    client.force_login(secret.reporter)
    page = client.get(reverse("incident_detail", args=[secret.pk])).content.decode()
    assert "授权查阅敏感舆情" in page and "撤销查阅授权" in page
    url = reverse("incident_action", args=[secret.pk, "revoke_access"])
    assert client.post(url, {"revoke_access-user": org.edu_leader.pk}).status_code == 302
    assert not sees(org.edu_leader, secret)
    url = reverse("incident_action", args=[secret.pk, "grant_access"])
    assert client.post(url, {"grant_access-user": org.police_liaison.pk}).status_code == 302
    assert AuditEvent.objects.filter(action="confidential_granted", after__user_id=org.police_liaison.pk).exists()
    refused = client.post(reverse("incident_action", args=[secret.pk, "revoke_access"]), {"revoke_access-user": "x"})
    assert refused.status_code == 400 and "人员不存在或已停用" in refused.content.decode()


def test_reads_in_the_admin_are_audited_and_lists_show_no_title(client, org, secret):
    client.force_login(org.admin)
    listing = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    assert "涉腐线索" not in listing and SENSITIVE_ONE in listing
    opened = client.get(reverse("admin:incidents_incident_change", args=[secret.pk]))
    assert opened.status_code == 200
    client.get(reverse("admin:incidents_ticket_change", args=[secret.lead.pk]))
    reads = AuditEvent.objects.filter(action="confidential_read", incident=secret, actor=org.admin)
    assert reads.count() == 2
