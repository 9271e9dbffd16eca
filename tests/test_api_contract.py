"""The API's contract as a client relies on it (issue 14): the version in the path and its alias, problem+json
errors with stable codes, unknown query parameters and bad sort fields refused, and what the pages do that the
API now does too (feedback attachments, creating and issuing reports, PDF and ledger downloads)."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from core.api.errors import TITLES
from core.errors import Conflict, DomainError, IllegalTransition, InvalidInput, NotFound, NotPermitted
from incidents import services
from incidents.models import Attachment, Feedback
from reporting import downloads as reporting_downloads
from reporting.models import Report, RiskTopic

from .api_support import api_as, relaxed_throttles  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


def test_v1_is_canonical_and_the_old_paths_are_its_alias(api_as, org, dispatched):  # noqa: F811
    duty = api_as(org.duty)
    canonical = duty.get(f"/api/v1/incidents/{dispatched.incident.pk}/")
    alias = duty.get(f"/api/incidents/{dispatched.incident.pk}/")
    assert canonical.status_code == alias.status_code == 200 and canonical.json() == alias.json()
    missing = duty.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_every_domain_error_has_a_stable_code_with_a_title():
    codes = {
        cls: cls("x").code for cls in (DomainError, InvalidInput, NotPermitted, NotFound, IllegalTransition, Conflict)
    }
    assert codes == {
        DomainError: "invalid",
        InvalidInput: "invalid",
        NotPermitted: "permission_denied",
        NotFound: "not_found",
        IllegalTransition: "illegal_transition",
        Conflict: "conflict",
    }
    assert set(codes.values()) <= set(TITLES)
    assert InvalidInput("x", code="duplicate_external_id").code == "duplicate_external_id"


def test_a_validation_error_is_a_problem_with_field_errors(api_as, org, make_incident):  # noqa: F811
    incident = make_incident()
    response = api_as(org.duty).post(f"/api/v1/incidents/{incident.pk}/grade/", {"grade": "V"}, format="json")
    body = response.json()
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert (body["type"], body["title"], body["status"], body["code"]) == (
        "urn:yuqing:problem:invalid",
        "输入有误",
        400,
        "invalid",
    )
    assert body["instance"] == f"/api/v1/incidents/{incident.pk}/grade/"
    assert set(body["errors"]) == {"grade", "reason"} and body["detail"].startswith("输入有误")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/incidents/?colour=red", "colour"),
        ("/api/v1/incidents/?statuss=closed", "statuss"),
        ("/api/v1/tickets/?incident=1&offset=5", "offset"),
        ("/api/v1/incidents/1/?page=2", "page"),  # one object: no pages
        ("/api/v1/assessment/?start=2026-10-01&end=2026-12-31&unit=1", "unit"),
        ("/api/v1/incidents/?ordering=-nonexistent", "ordering"),
        ("/api/v1/incidents/?ordering=reported_at,password", "ordering"),
        ("/api/v1/deadlines/?page_size=201", "page_size"),
        ("/api/v1/deadlines/?page_size=0", "page_size"),
    ],
)
def test_unknown_query_parameters_and_bad_sort_fields_are_refused(api_as, org, url, field):  # noqa: F811
    response = api_as(org.duty).get(url)
    assert response.status_code == 400 and response.json()["code"] == "invalid", response.content
    assert field in response.json()["errors"] and response["Content-Type"] == "application/problem+json"


def test_documented_query_parameters_are_accepted(api_as, org, dispatched):  # noqa: F811
    duty = api_as(org.duty)
    listed = duty.get(
        "/api/v1/incidents/", {"status": "dispatched", "ordering": "-grade,reported_at", "page_size": 200}
    )
    assert listed.status_code == 200 and [i["id"] for i in listed.json()["results"]] == [dispatched.incident.pk]
    pages = duty.get(f"/api/v1/incidents/{dispatched.incident.pk}/audit/", {"page": 1, "page_size": 5})
    assert pages.status_code == 200 and len(pages.json()["results"]) == 5


def test_the_schema_lists_exactly_the_query_parameters_a_list_accepts(api_as, org, client, relaxed_throttles):  # noqa: F811
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    duty = api_as(org.duty)
    for path in ("/api/v1/incidents/", "/api/v1/tickets/", "/api/v1/deadlines/", "/api/v1/reports/", "/api/v1/units/"):
        documented = {p["name"] for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"}
        for name in documented:
            value = {"ordering": "id", "page": "1", "page_size": "10"}.get(name, "")
            response = duty.get(path, {name: value})
            assert response.status_code in (200, 400), (path, name)
            assert name not in response.json().get("errors", {}) or "不支持的查询参数" not in str(
                response.json()["errors"][name]
            ), (path, name)


# --- what the pages do, through the API -----------------------------------------------------------------------


def test_feedback_with_attachments_is_checked_like_on_the_page(api_as, org, dispatched):  # noqa: F811
    liaison = api_as(org.edu_liaison)
    liaison.post(f"/api/v1/tickets/{dispatched.lead.pk}/claim/")
    url = f"/api/v1/tickets/{dispatched.lead.pk}/feedback/"
    # A page saved as .png is refused by its content; nothing is stored.
    refused = liaison.post(
        url, {"kind": "report", "content": "核查属实", "files": [SimpleUploadedFile("截图.png", b"<html>x</html>")]}
    )
    assert refused.status_code == 400 and "files" in refused.json()["errors"]
    assert not Feedback.objects.filter(ticket=dispatched.lead).exists() and not Attachment.objects.exists()
    files = [SimpleUploadedFile("现场照片.png", PNG), SimpleUploadedFile("说明.txt", "整改说明".encode())]
    response = liaison.post(url, {"kind": "report", "content": "核查属实", "files": files})
    assert response.status_code == 201, response.content
    assert sorted(a["name"] for a in response.json()["attachments"]) == ["现场照片.png", "说明.txt"]
    feedback = Feedback.objects.get(ticket=dispatched.lead)
    assert feedback.attachments.count() == 2 and feedback.attachments.first().uploaded_by == org.edu_liaison


def test_the_office_creates_and_issues_a_supervision_notice(api_as, org, dispatched):  # noqa: F811
    duty = api_as(org.duty)
    due = (timezone.now() + timedelta(days=2)).isoformat()
    created = duty.post(
        "/api/v1/reports/supervision/",
        {"ticket": dispatched.lead.pk, "reason": "逾期未反馈", "due_at": due},
        format="json",
    )
    assert created.status_code == 201, created.content
    report = created.json()
    assert (report["kind"], report["status"]) == ("supervision", "draft") and report["versions"]
    assert api_as(org.edu_liaison).get(f"/api/v1/reports/{report['id']}/").status_code == 404  # a draft: office only
    issued = duty.post(f"/api/v1/reports/{report['id']}/issue/")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    assert api_as(org.edu_liaison).get(f"/api/v1/reports/{report['id']}/").status_code == 200
    again = duty.post(f"/api/v1/reports/{report['id']}/issue/")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    missing_reason = duty.post(
        "/api/v1/reports/supervision/", {"ticket": dispatched.lead.pk, "due_at": due}, format="json"
    )
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["errors"]


def test_special_report_only_for_major_incidents(api_as, org, dispatched):  # noqa: F811
    duty = api_as(org.duty)
    minor = duty.post("/api/v1/reports/special/", {"incident": dispatched.incident.pk}, format="json")
    assert minor.status_code == 400 and "重大" in minor.json()["detail"]
    services.grade_incident(org.duty, dispatched.incident.pk, grade="II", reason="传播扩大")
    major = duty.post("/api/v1/reports/special/", {"incident": dispatched.incident.pk}, format="json")
    assert major.status_code == 201 and major.json()["kind"] == "special"


def test_daily_periodic_and_risk_notice_creation(api_as, org):  # noqa: F811
    duty = api_as(org.duty)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    daily = duty.post("/api/v1/reports/daily/", {"date": yesterday}, format="json")
    assert daily.status_code == 201 and daily.json()["kind"] == "daily"
    weekly = {"kind": "weekly", "start": (timezone.localdate() - timedelta(days=7)).isoformat()}
    first = duty.post("/api/v1/reports/periodic/", weekly, format="json")
    assert first.status_code == 201 and first.json()["kind"] == "weekly"
    exists = duty.post("/api/v1/reports/periodic/", weekly, format="json")
    assert exists.status_code == 409 and exists.json()["code"] == "conflict"
    unfinished = duty.post(
        "/api/v1/reports/periodic/", {"kind": "monthly", "start": timezone.localdate().isoformat()}, format="json"
    )
    assert unfinished.status_code == 400
    topic = RiskTopic.objects.create(name="校园食品安全", keywords="食堂", unit=org.edu)
    notice = duty.post("/api/v1/reports/risk-notices/", {"topic": topic.pk}, format="json")
    assert notice.status_code == 201 and notice.json()["kind"] == "risk_notice"
    assert api_as(org.edu_liaison).post("/api/v1/reports/daily/", {"date": yesterday}, format="json").status_code == 403


def test_pdf_download_of_a_report_version(api_as, org, dispatched, monkeypatch):  # noqa: F811
    converted = []

    def convert(data, extension="docx"):
        converted.append(extension)
        return b"%PDF-1.7 converted"

    monkeypatch.setattr(reporting_downloads, "convert_to_pdf", convert)
    duty = api_as(org.duty)
    due = (timezone.now() + timedelta(days=2)).isoformat()
    report = duty.post(
        "/api/v1/reports/supervision/",
        {"ticket": dispatched.lead.pk, "reason": "逾期未反馈", "due_at": due},
        format="json",
    ).json()
    for _ in range(2):  # converted once per version, then served from storage
        response = duty.get(f"/api/v1/reports/{report['id']}/versions/1/pdf/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == b"%PDF-1.7 converted"
    assert converted == ["docx"]
    assert api_as(org.edu_liaison).get(f"/api/v1/reports/{report['id']}/versions/1/pdf/").status_code == 404
    assert duty.get(f"/api/v1/reports/{report['id']}/versions/9/pdf/").status_code == 404
    assert Report.objects.get(pk=report["id"]).versions.count() == 1


def test_ledger_download_follows_the_pages_rule(api_as, org, dispatched):  # noqa: F811
    today = timezone.localdate()
    period = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
    response = api_as(org.duty).get("/api/v1/ledger/", period)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert any(dispatched.incident.title in str(cell.value) for sheet in workbook for row in sheet for cell in row)
    liaison = api_as(org.police_liaison)
    assert liaison.get("/api/v1/ledger/", {**period, "unit": org.police.pk}).status_code == 200
    assert liaison.get("/api/v1/ledger/", {**period, "unit": org.edu.pk}).status_code == 404  # not its unit
    assert api_as(org.admin).get("/api/v1/ledger/").status_code == 403
    bad = api_as(org.duty).get("/api/v1/ledger/", {"start": "2026-12-31", "end": "2026-01-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_an_id_past_the_databases_integer_is_a_404(api_as, org):  # noqa: F811
    huge = 2**63
    duty = api_as(org.duty)
    for url in (f"/api/v1/reports/{huge}/versions/1/download/", f"/api/v1/reports/1/versions/{huge}/pdf/"):
        response = duty.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
