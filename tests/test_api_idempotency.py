"""Idempotency-Key on the API's POSTs (issue 14, core/idempotency.py): a retried create or action is answered with
the first answer and done once; a key reused for another request is a 422; a key whose first request still runs is
a 409; keys expire after IDEMPOTENCY_KEY_TTL_HOURS and are purged by beat."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from core import idempotency
from core.models import AuditEvent, IdempotencyKey
from core.tasks import purge_idempotency_keys
from incidents.api import views as api_views
from incidents.models import Feedback, Incident

from .api_support import api_as, relaxed_throttles, token_client  # noqa: F401

INTAKE = {"title": "网传某地停水", "summary": "多个小区反映"}


def test_a_retried_intake_creates_one_incident_and_answers_the_same(api_as, org):  # noqa: F811
    duty = api_as(org.duty)
    first = duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="a1b2c3")
    again = duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="a1b2c3")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Incident.objects.filter(title="网传某地停水").count() == 1
    # The alias is the same operation: the key is honoured across /api/ and /api/v1/.
    alias = duty.post("/api/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="a1b2c3")
    assert alias.status_code == 201 and alias.json()["id"] == first.json()["id"]
    # Without a key every POST is a new request.
    assert duty.post("/api/v1/incidents/", INTAKE, format="json").json()["id"] != first.json()["id"]


def test_an_action_is_not_done_twice_and_its_refusal_is_replayed_too(api_as, org, dispatched):  # noqa: F811
    liaison = api_as(org.edu_liaison)
    url = f"/api/v1/tickets/{dispatched.lead.pk}/claim/"
    first = liaison.post(url, HTTP_IDEMPOTENCY_KEY="claim-1")
    again = liaison.post(url, HTTP_IDEMPOTENCY_KEY="claim-1")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert AuditEvent.objects.filter(ticket_id=dispatched.lead.pk, action="claim").count() == 1
    # A new key is a new request: claiming again is refused (409), and that answer is what a retry gets.
    refused = liaison.post(url, HTTP_IDEMPOTENCY_KEY="claim-2")
    assert refused.status_code == 409 and refused["Content-Type"] == "application/problem+json"
    replayed = liaison.post(url, HTTP_IDEMPOTENCY_KEY="claim-2")
    assert replayed.status_code == 409 and replayed.json() == refused.json()
    assert replayed["Content-Type"] == "application/problem+json"


def test_a_key_reused_for_another_body_is_refused_with_422(api_as, org):  # noqa: F811
    duty = api_as(org.duty)
    assert duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    other = duty.post("/api/v1/incidents/", {**INTAKE, "title": "另一条"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert other["Content-Type"] == "application/problem+json" and "幂等键" in other.json()["detail"]
    assert not Incident.objects.filter(title="另一条").exists()


def test_keys_are_per_user(api_as, org):  # noqa: F811
    first = api_as(org.duty).post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    second = api_as(org.edu_liaison).post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert first.status_code == second.status_code == 201 and first.json()["id"] != second.json()["id"]


def test_a_key_whose_first_request_still_runs_is_a_409(api_as, org):  # noqa: F811
    # The first request's row exists (created before its work starts) but has no answer yet.
    body_hash = idempotency.fingerprint("POST", "/api/incidents/", INTAKE)
    IdempotencyKey.objects.create(user=org.duty, key="running", fingerprint=body_hash)
    response = api_as(org.duty).post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="running")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_progress"
    assert not Incident.objects.filter(title="网传某地停水").exists()


def test_a_malformed_key_is_a_400(api_as, org):  # noqa: F811
    response = api_as(org.duty).post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert not Incident.objects.exists()


def test_a_server_error_releases_the_key_so_that_the_retry_runs(api_as, org, monkeypatch):  # noqa: F811
    real = api_views.services.report_incident

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(api_views.services, "report_incident", broken)
    duty = api_as(org.duty)
    duty.raise_request_exception = False
    assert duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="retry").status_code == 500
    assert not IdempotencyKey.objects.filter(key="retry").exists()
    monkeypatch.setattr(api_views.services, "report_incident", real)
    assert duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="retry").status_code == 201


def test_keys_expire_and_are_purged(api_as, org, settings):  # noqa: F811
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    duty = api_as(org.duty)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="old").json()
        duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="other")
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert purge_idempotency_keys() == 0
        kept = duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="old").json()
        assert kept["id"] == first["id"]
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        # Forgotten: the same key is a new request now.
        fresh = duty.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="old").json()
        assert fresh["id"] != first["id"]
        assert purge_idempotency_keys() == 1  # "other"; "old" was replaced by the fresh request
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"old"}
    assert "idempotency-keys-purged-hourly" in settings.CELERY_BEAT_SCHEDULE


def test_multipart_feedback_with_the_same_files_is_replayed(api_as, org, dispatched):  # noqa: F811
    liaison = api_as(org.edu_liaison)
    liaison.post(f"/api/v1/tickets/{dispatched.lead.pk}/claim/")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)

    def send():
        body = {"kind": "report", "content": "核查属实", "files": [SimpleUploadedFile("截图.png", png)]}
        return liaison.post(f"/api/v1/tickets/{dispatched.lead.pk}/feedback/", body, HTTP_IDEMPOTENCY_KEY="fb")

    first, again = send(), send()
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Feedback.objects.filter(ticket=dispatched.lead).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two real connections need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_do_the_work_once(org, monkeypatch, relaxed_throttles):  # noqa: F811
    """The first request is held inside the service while the second arrives with the same key: the second is told
    409 at once (the unique constraint), the first completes, and a third retry gets the first answer."""
    entered, second_done = threading.Event(), threading.Event()
    real = api_views.services.report_incident

    def held(*args, **kwargs):
        entered.set()
        second_done.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(api_views.services, "report_incident", held)
    answers = {}

    def post(name):
        try:
            client = token_client(org.duty)
            answers[name] = client.post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="race")
        finally:
            connections.close_all()

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert entered.wait(30)  # the first request holds the key: its row was committed before the work started
    post("second")
    second_done.set()
    first.join(30)
    assert answers["second"].status_code == 409 and answers["second"].json()["code"] == "idempotency_in_progress"
    assert answers["first"].status_code == 201
    assert Incident.objects.filter(title="网传某地停水").count() == 1
    third = token_client(org.duty).post("/api/v1/incidents/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="race")
    assert third.status_code == 201 and third.json()["id"] == answers["first"].json()["id"]
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS == 24
