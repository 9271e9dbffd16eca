"""Extension requests through the API (002 第八条): the unit's liaison files one within 3 working days of the
claim, the office approves (the deadline moves, the original stays on record) or rejects (nothing moves).
The clock is moved with time-machine: Monday 2026-11-23 dispatch and claim, the window closes Thursday 17:30."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.models import AuditEvent
from deadlines.models import Deadline, ExtensionRequest
from incidents import services
from incidents.models import TicketRole

from .api_support import api_as, relaxed_throttles  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


def parse(value):
    return datetime.fromisoformat(value).astimezone(SH)


@pytest.fixture
def lead(org, make_incident):
    """教育局's lead ticket on an Ⅳ incident, dispatched Monday 10:00 and claimed at 10:30."""
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        incident = make_incident(grade="IV")
        lead, _ = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    with time_machine.travel(at(2026, 11, 23, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    return lead


def report_deadline(ticket):
    return Deadline.objects.get(ticket=ticket, kind="report", state="pending")


def file_request(api_as, org, lead, when=at(2026, 11, 26, 9, 0), **body):  # noqa: F811, B008 (a fixed instant)
    body = {"requested_due_at": at(2026, 12, 11, 17, 30).isoformat(), "reason": "涉及多部门，需补充调查", **body}
    with time_machine.travel(when, tick=False):
        return api_as(org.edu_liaison).post(f"/api/tickets/{lead.pk}/extension-requests/", body, format="json")


def test_the_liaison_files_a_request_and_sees_it_on_the_ticket(api_as, org, lead):  # noqa: F811
    before = report_deadline(lead)
    response = file_request(api_as, org, lead)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "pending" and body["state_label"] == "待审批"
    assert body["ticket"] == lead.pk and body["unit"] == org.edu.pk and body["unit_name"] == "教育局"
    assert body["deadline"] == before.pk and body["deadline_kind"] == "核实调查报告时限"
    assert parse(body["due_at"]) == before.due_at and parse(body["requested_due_at"]) == at(2026, 12, 11, 17, 30)
    assert body["granted_deadline"] is None and body["granted_due_at"] is None
    assert ExtensionRequest.objects.get().requested_by == org.edu_liaison
    assert AuditEvent.objects.filter(action="extension_requested", ticket=lead).count() == 1

    listed = api_as(org.edu_leader).get(f"/api/tickets/{lead.pk}/extension-requests/").json()
    assert [item["id"] for item in listed["results"]] == [body["id"]]
    assert report_deadline(lead).due_at == before.due_at  # asking moves nothing


def test_approval_moves_the_deadline_and_keeps_the_original_on_record(api_as, org, lead):  # noqa: F811
    old = report_deadline(lead)
    request_id = file_request(api_as, org, lead).json()["id"]
    with time_machine.travel(at(2026, 11, 26, 15, 0), tick=False):
        response = api_as(org.duty).post(
            f"/api/extension-requests/{request_id}/approve/", {"note": "同意"}, format="json"
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "approved" and body["decision_note"] == "同意" and body["decided_by"] == org.duty.pk
    assert parse(body["granted_due_at"]) == at(2026, 12, 11, 17, 30)

    old.refresh_from_db()
    new = Deadline.objects.get(pk=body["granted_deadline"])
    assert old.state == "extended" and new.state == "pending" and new.replaces == old
    assert new.due_at == at(2026, 12, 11, 17, 30) and new.original_due_at == old.due_at
    # The deadline list shows both: the replaced one as 已延期, the new one carrying the original due time.
    rows = api_as(org.edu_liaison).get("/api/deadlines/", {"ticket": lead.pk, "kind": "report"}).json()["results"]
    assert [(row["id"], row["state_label"]) for row in rows] == [(old.pk, "已延期"), (new.pk, "未到期")]
    assert parse(rows[1]["original_due_at"]) == old.due_at and rows[1]["policy_name"] == "延期后时限"
    assert AuditEvent.objects.filter(action="extension_approved", ticket=lead).count() == 1


def test_the_office_may_grant_a_different_due_time(api_as, org, lead):  # noqa: F811
    request_id = file_request(api_as, org, lead).json()["id"]
    with time_machine.travel(at(2026, 11, 26, 15, 0), tick=False):
        response = api_as(org.duty).post(
            f"/api/extension-requests/{request_id}/approve/",
            {"due_at": at(2026, 12, 4, 17, 30).isoformat()},
            format="json",
        )
    assert response.status_code == 200
    assert report_deadline(lead).due_at == at(2026, 12, 4, 17, 30)


def test_an_approval_in_the_past_is_refused_and_changes_nothing(api_as, org, lead):  # noqa: F811
    old = report_deadline(lead)
    request_id = file_request(api_as, org, lead).json()["id"]
    with time_machine.travel(at(2026, 11, 26, 15, 0), tick=False):
        response = api_as(org.duty).post(
            f"/api/extension-requests/{request_id}/approve/",
            {"due_at": at(2026, 11, 26, 8, 0).isoformat()},
            format="json",
        )
    assert response.status_code == 400
    assert response.json()["errors"] == {"due_at": ["批准的时限须晚于现在。"]}
    assert ExtensionRequest.objects.get().state == "pending"
    assert report_deadline(lead) == old and not AuditEvent.objects.filter(action="extension_approved").exists()


def test_rejection_keeps_the_deadline_and_needs_a_reason(api_as, org, lead):  # noqa: F811
    old = report_deadline(lead)
    request_id = file_request(api_as, org, lead).json()["id"]
    office = api_as(org.duty)
    with time_machine.travel(at(2026, 11, 26, 15, 0), tick=False):
        blank = office.post(f"/api/extension-requests/{request_id}/reject/", {"note": "  "}, format="json")
        assert blank.status_code == 400 and set(blank.json()["errors"]) == {"note"}
        assert ExtensionRequest.objects.get().state == "pending"
        response = office.post(f"/api/extension-requests/{request_id}/reject/", {"note": "理由不充分"}, format="json")
    assert response.status_code == 200
    assert response.json()["state_label"] == "已驳回" and response.json()["granted_deadline"] is None
    assert report_deadline(lead) == old and report_deadline(lead).due_at == old.due_at
    assert Deadline.objects.filter(ticket=lead, kind="report").count() == 1
    assert AuditEvent.objects.filter(action="extension_rejected", ticket=lead, reason="理由不充分").count() == 1


def test_a_request_after_the_filing_window_is_refused_and_nothing_is_written(api_as, org, lead):  # noqa: F811
    response = file_request(api_as, org, lead, when=at(2026, 11, 27, 9, 0))  # the window closed Thu 17:30
    assert response.status_code == 400
    assert response.json()["detail"] == "延期申请须在认领后 3 个工作日内提出（已于 2026-11-26 17:30 截止）。"
    assert response.json()["errors"] == {"requested_due_at": ["已超过延期申请期限。"]}
    assert not ExtensionRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="extension_requested").exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"reason": ""}, "reason"),
        ({"requested_due_at": "下周五"}, "requested_due_at"),
        ({"requested_due_at": at(2026, 11, 24, 9, 0).isoformat()}, "requested_due_at"),
    ],  # before the current deadline
)
def test_bad_requests_are_field_errors(api_as, org, lead, body, field):  # noqa: F811
    response = file_request(api_as, org, lead, **body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}
    assert not ExtensionRequest.objects.exists()


def test_another_units_request_is_not_found(api_as, org, lead):  # noqa: F811
    request_id = file_request(api_as, org, lead).json()["id"]
    outsider = api_as(org.police_liaison)
    assert outsider.get(f"/api/extension-requests/{request_id}/").status_code == 404
    refused = outsider.post(f"/api/extension-requests/{request_id}/approve/", {}, format="json")
    assert refused.status_code == 404 and refused.json()["detail"] == "延期申请不存在或无权查看。"
    assert outsider.post(f"/api/tickets/{lead.pk}/extension-requests/", {}, format="json").status_code == 404
    assert outsider.get("/api/extension-requests/").json()["count"] == 0
    # The unit's own liaison sees the request but may not decide it.
    own = api_as(org.edu_liaison).post(f"/api/extension-requests/{request_id}/approve/", {}, format="json")
    assert own.status_code == 403 and own.json()["detail"] == "延期申请由办公室审批。"
    assert ExtensionRequest.objects.get().state == "pending"


def test_deciding_twice_is_a_conflict(api_as, org, lead):  # noqa: F811
    request_id = file_request(api_as, org, lead).json()["id"]
    office = api_as(org.duty)
    with time_machine.travel(at(2026, 11, 26, 15, 0), tick=False):
        assert office.post(f"/api/extension-requests/{request_id}/approve/", {}, format="json").status_code == 200
        again = office.post(f"/api/extension-requests/{request_id}/approve/", {}, format="json")
        rejected = office.post(f"/api/extension-requests/{request_id}/reject/", {"note": "改为驳回"}, format="json")
    assert again.status_code == 409 and again.json()["detail"] == "该申请已批准。"
    assert rejected.status_code == 409
    assert ExtensionRequest.objects.get().state == "approved"
    assert Deadline.objects.filter(ticket=lead, kind="report", state="pending").count() == 1


def test_a_second_request_while_one_is_pending_is_a_conflict(api_as, org, lead):  # noqa: F811
    assert file_request(api_as, org, lead).status_code == 201
    again = file_request(api_as, org, lead, when=at(2026, 11, 26, 10, 0))
    assert again.status_code == 409 and again.json()["detail"] == "该转办单已有待审批的延期申请。"
    assert ExtensionRequest.objects.count() == 1


def test_the_list_filters_by_state_and_pages(api_as, org, lead):  # noqa: F811
    first = file_request(api_as, org, lead).json()["id"]
    office = api_as(org.duty)
    with time_machine.travel(at(2026, 11, 26, 11, 0), tick=False):
        office.post(f"/api/extension-requests/{first}/reject/", {"note": "理由不充分"}, format="json")
    second = file_request(api_as, org, lead, when=at(2026, 11, 26, 14, 0)).json()["id"]
    ids = lambda response: [item["id"] for item in response.json()["results"]]  # noqa: E731
    assert ids(office.get("/api/extension-requests/")) == [second, first]  # newest first
    assert ids(office.get("/api/extension-requests/", {"state": "pending"})) == [second]
    assert ids(office.get("/api/extension-requests/", {"state": "rejected", "unit": org.edu.pk})) == [first]
    assert ids(office.get("/api/extension-requests/", {"unit": org.police.pk})) == []
    page = office.get("/api/extension-requests/", {"page_size": 1}).json()
    assert page["count"] == 2 and ids(office.get("/api/extension-requests/", {"page_size": 1, "page": 2})) == [first]
    assert office.get("/api/extension-requests/", {"state": "maybe"}).status_code == 400
