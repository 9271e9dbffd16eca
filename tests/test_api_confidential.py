"""Confidential (涉密/敏感) incidents: visible only to the reporter and the people granted them, whatever
their role, in the API and the pages alike; every read and every grant is in the audit trail."""

import pytest
from django.urls import reverse

from core.errors import NotFound, NotPermitted
from core.models import AuditEvent
from incidents import selectors, services
from incidents.models import TicketRole
from tests.factories import person

from .api_support import api_as, relaxed_throttles  # noqa: F401


@pytest.fixture
def secret(org):
    """A confidential incident reported by a second duty officer, dispatched to 教育局."""
    from org.models import Role

    reporter = person("duty2", org.office, Role.DUTY_OFFICER)
    incident = services.report_incident(reporter, title="涉密线索", is_confidential=True)
    services.grade_incident(reporter, incident, grade="III", reason="敏感")
    services.dispatch_incident(reporter, incident, assignments=[(org.edu, TicketRole.LEAD)])
    # Dispatch granted 教育局's liaisons and leader (tests/test_confidential_clearance.py); these tests start
    # from the office having revoked them, so that only grants made here open it.
    for user in (org.edu_liaison, org.edu_liaison2, org.edu_leader):
        services.revoke_confidential_access(reporter, incident, user=user)
    incident.reporter = reporter
    return incident


def reads(incident):
    return AuditEvent.objects.filter(action="confidential_read", incident=incident)


def test_not_even_the_office_or_the_units_see_it_without_a_grant(api_as, org, secret):  # noqa: F811
    for user in (org.duty, org.edu_liaison, org.edu_leader, org.leader):
        client = api_as(user)
        assert client.get(f"/api/incidents/{secret.pk}/").status_code == 404
        assert secret.pk not in [i["id"] for i in client.get("/api/incidents/").json()["results"]]
        assert client.get("/api/tickets/", {"incident": secret.pk}).json()["count"] == 0
    assert not reads(secret).exists()


def test_a_grant_opens_it_and_every_read_is_audited(api_as, org, secret):  # noqa: F811
    office = api_as(secret.reporter)
    granted = office.post(f"/api/incidents/{secret.pk}/grant-access/", {"user": org.edu_liaison.pk}, format="json")
    assert granted.status_code == 200
    grant = AuditEvent.objects.get(action="confidential_granted", incident=secret, reason="")
    assert grant.actor_id == secret.reporter.pk and grant.after["user_id"] == org.edu_liaison.pk

    liaison = api_as(org.edu_liaison)
    assert liaison.get(f"/api/incidents/{secret.pk}/").status_code == 200
    assert liaison.get(f"/api/incidents/{secret.pk}/audit/").status_code == 200
    assert liaison.get("/api/tickets/", {"incident": secret.pk}).json()["count"] == 1
    assert list(reads(secret).values_list("actor_id", flat=True)) == [org.edu_liaison.pk, org.edu_liaison.pk]
    # The grant narrows, it does not widen: 公安局 granted still has no ticket there, so still nothing.
    services.grant_confidential_access(secret.reporter, secret, user=org.police_liaison)
    assert api_as(org.police_liaison).get(f"/api/incidents/{secret.pk}/").status_code == 404


def test_the_page_read_is_audited_too(client, org, secret):
    services.grant_confidential_access(secret.reporter, secret, user=org.duty)
    client.force_login(org.duty)
    assert client.get(reverse("incident_detail", args=[secret.pk])).status_code == 200
    event = reads(secret).get()
    assert event.actor_id == org.duty.pk


def test_only_the_office_grants(org, secret):
    services.grant_confidential_access(secret.reporter, secret, user=org.edu_liaison)
    with pytest.raises(NotPermitted):
        services.grant_confidential_access(org.edu_liaison, secret, user=org.health_liaison)
    with pytest.raises(NotFound):  # an office member who cannot see it cannot hand it out either
        services.grant_confidential_access(org.duty, secret, user=org.duty)
    by_hand = AuditEvent.objects.filter(action="confidential_granted", reason="")
    assert by_hand.count() == 1


def test_ordinary_incidents_leave_no_read_events(api_as, org, dispatched):  # noqa: F811
    api_as(org.duty).get(f"/api/incidents/{dispatched.incident.pk}/")
    selectors.incident_detail(org.duty, dispatched.incident.pk)
    assert not AuditEvent.objects.filter(action="confidential_read").exists()
