"""A liaison never sees another unit's data: not in lists, not by URL, not by id."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import NotFound
from incidents import selectors, services
from incidents.models import Feedback


@pytest.fixture
def as_police(client, org):
    client.force_login(org.police_liaison)
    return client


def test_other_units_incident_and_tickets_are_404_by_url(as_police, dispatched):
    incident, lead = dispatched.incident, dispatched.lead
    for url in (
        reverse("incident_detail", args=[incident.pk]),
        reverse("ticket_detail", args=[lead.pk]),
        reverse("ticket_detail", args=[dispatched.assist.pk]),
    ):
        assert as_police.get(url).status_code == 404
    for url, data in (
        (reverse("ticket_action", args=[lead.pk, "claim"]), {}),
        (reverse("ticket_action", args=[lead.pk, "return"]), {"return-reason": "x"}),
        (reverse("incident_action", args=[incident.pk, "close"]), {}),
    ):
        assert as_police.post(url, data).status_code == 404
    lead.refresh_from_db()
    assert lead.status == "dispatched"


def test_lists_do_not_leak(as_police, dispatched):
    assert dispatched.incident.title not in as_police.get(reverse("ticket_list")).content.decode()
    assert dispatched.incident.title not in as_police.get(reverse("incident_list")).content.decode()


def test_services_refuse_other_units_by_id(org, dispatched):
    with pytest.raises(NotFound):
        services.claim_ticket(org.police_liaison, dispatched.lead.pk)
    with pytest.raises(NotFound):
        services.grade_incident(org.police_liaison, dispatched.incident.pk, grade="I", reason="x")


def test_co_unit_feedback_and_files_stay_private(client, org, dispatched):
    services.claim_ticket(org.health_liaison, dispatched.assist)
    services.submit_feedback(
        org.health_liaison,
        dispatched.assist,
        kind=Feedback.Kind.FEEDBACK,
        content="卫健委内部核查细节",
        files=[SimpleUploadedFile("health.txt", b"secret")],
    )
    attachment = dispatched.incident.attachments.get()
    client.force_login(org.edu_liaison)
    page = client.get(reverse("incident_detail", args=[dispatched.incident.pk])).content.decode()
    assert "卫健委内部核查细节" not in page
    assert client.get(reverse("ticket_detail", args=[dispatched.assist.pk])).status_code == 404
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404
    client.force_login(org.health_liaison)
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 200


def test_leaders_see_their_subtree_only(org, dispatched):
    assert list(selectors.visible_tickets(org.edu_leader)) == [dispatched.lead]
    assert set(selectors.visible_tickets(org.leader)) == {dispatched.lead, dispatched.assist}
    assert list(selectors.visible_incidents(org.police_liaison)) == []
