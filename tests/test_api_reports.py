"""Reports, daily submissions and the assessment through the API: each role sees exactly the reports
reporting.selectors.visible_reports allows (404 otherwise, downloads included), filters and the newest-first order,
versions with download URLs, .docx bytes that open, a collecting unit's submission (201, then 200 the same day, the
late flag), bad input refused without a change, the assessment's rule, and list query counts flat in the rows.
On a fixed clock: Wednesday 2026-11-25 10:00 (Asia/Shanghai)."""

import io
from datetime import date, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from incidents import services as incident_services
from incidents.models import TicketRole
from org.models import Role
from reporting import services
from reporting.assessment import assess_units
from reporting.daily import generate_daily_report
from reporting.models import DailySubmission, Report, ReportSettings
from reporting.selectors import visible_reports
from reporting.versions import save_version

from .api_support import api_as, relaxed_throttles  # noqa: F401
from .factories import person

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def chinese(response):
    detail = response.json()["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail
    return detail


def dispatch(org, title, unit, reporter=None, **fields):
    reporter = reporter or org.duty
    incident = incident_services.report_incident(reporter, title=title, **fields)
    incident_services.grade_incident(reporter, incident, grade="IV", reason="一般")
    (lead,) = incident_services.dispatch_incident(reporter, incident, assignments=[(unit, TicketRole.LEAD)])
    return incident, lead


def supervise(actor, ticket):
    return services.issue_supervision_notice(actor, ticket, reason="逾期未反馈", due_at=NOW + timedelta(days=3))


@pytest.fixture
def reports(org):
    """An issued 日报 (23rd), a draft 日报 (24th), 督报 to 教育局 and to 公安局, and a 督报 to 教育局 on a confidential
    incident that only its reporter (another duty officer) may see."""
    ReportSettings.current().distribution.set([org.leader])
    issued_daily = generate_daily_report(date(2026, 11, 23), actor=org.duty)
    services.issue_report(org.duty, issued_daily)
    draft_daily = generate_daily_report(date(2026, 11, 24), actor=org.duty)
    edu_incident, edu_ticket = dispatch(org, "网传某校食堂问题", org.edu)
    police_incident, police_ticket = dispatch(org, "网传某路口交通事故", org.police)
    duty2 = person("duty2", org.office, Role.DUTY_OFFICER)
    secret, secret_ticket = dispatch(org, "敏感事项", org.edu, reporter=duty2, is_confidential=True)
    for user in (org.edu_liaison, org.edu_liaison2, org.edu_leader):  # granted by the dispatch, revoked by the office
        incident_services.revoke_confidential_access(duty2, secret, user=user)
    return {
        "issued_daily": issued_daily,
        "draft_daily": draft_daily,
        "edu": supervise(org.duty, edu_ticket),
        "police": supervise(org.duty, police_ticket),
        "confidential": supervise(duty2, secret_ticket),
        "duty2": duty2,
        "edu_incident": edu_incident,
        "police_incident": police_incident,
    }


# --- who sees which report -------------------------------------------------------------------------


def test_each_role_sees_exactly_the_reports_the_rule_allows(api_as, org, reports):  # noqa: F811
    r = reports
    expected = {
        org.duty: {"issued_daily", "draft_daily", "edu", "police"},
        r["duty2"]: {"issued_daily", "draft_daily", "edu", "police", "confidential"},
        org.edu_liaison: {"edu"},  # the confidential 督报 is addressed to 教育局 too, but its incident is not theirs
        org.police_liaison: {"police"},
        org.health_liaison: set(),
        org.edu_leader: {"issued_daily", "edu"},
        org.leader: {"issued_daily", "edu", "police"},
        org.admin: set(),
    }
    for user, names in expected.items():
        wanted = {r[name].pk for name in names}
        client = api_as(user)
        listed = ids(client.get("/api/reports/"))
        assert set(listed) == wanted == set(visible_reports(user).values_list("pk", flat=True)), user.username
        for name in ("issued_daily", "draft_daily", "edu", "police", "confidential"):
            detail = client.get(f"/api/reports/{r[name].pk}/")
            download = client.get(f"/api/reports/{r[name].pk}/versions/1/download/")
            if name in names:
                assert (detail.status_code, download.status_code) == (200, 200), (user.username, name)
            else:
                assert (detail.status_code, download.status_code) == (404, 404), (user.username, name)
                chinese(detail), chinese(download)
    assert api_as(None).get("/api/reports/").status_code == 401


def test_filters_and_newest_first(api_as, org, reports):  # noqa: F811
    r = reports
    office = api_as(org.duty)
    newest_first = [r[n].pk for n in ("police", "edu", "draft_daily", "issued_daily")]  # all created at NOW: by id
    assert ids(office.get("/api/reports/")) == newest_first
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        later = supervise(org.duty, r["edu"].ticket)
    assert ids(office.get("/api/reports/"))[0] == later.pk
    assert ids(office.get("/api/reports/", {"kind": "daily"})) == [r["draft_daily"].pk, r["issued_daily"].pk]
    assert ids(office.get("/api/reports/", {"kind": "daily", "status": "draft"})) == [r["draft_daily"].pk]
    assert ids(office.get("/api/reports/", {"incident": r["edu_incident"].pk})) == [later.pk, r["edu"].pk]
    assert ids(office.get("/api/reports/", {"unit": org.police.pk})) == [r["police"].pk]
    after = (NOW + timedelta(minutes=30)).isoformat()
    assert ids(office.get("/api/reports/", {"created_after": after})) == [later.pk]
    assert later.pk not in ids(office.get("/api/reports/", {"created_before": after}))
    assert ids(office.get("/api/reports/", {"ordering": "created_at"}))[-1] == later.pk
    # A filter never widens what a role sees.
    assert ids(api_as(org.edu_liaison).get("/api/reports/", {"unit": org.police.pk})) == []
    for bad in (
        {"kind": "secret"},
        {"status": "x"},
        {"created_after": "yesterday"},
        {"incident": "abc"},
        {"created_after": "9999-01-01T00:00:00Z"},
    ):
        response = office.get("/api/reports/", bad)
        assert response.status_code == 400, bad
        chinese(response)


def test_detail_lists_every_version_newest_first_with_download_urls(api_as, org, reports):  # noqa: F811
    draft = reports["draft_daily"]
    key = draft.content["sections"][0]["key"]
    services.edit_report(org.duty, draft, texts={key: "值班员修改后的第一节。"})
    body = api_as(org.duty).get(f"/api/reports/{draft.pk}/").json()
    assert (body["id"], body["kind"], body["status"], body["latest_version"]) == (draft.pk, "daily", "draft", 2)
    assert [(v["number"], v["note"]) for v in body["versions"]] == [(2, "编辑修改"), (1, "自动汇总生成")]
    assert (
        body["versions"][0]["download_url"] == f"http://testserver/api/v1/reports/{draft.pk}/versions/2/download/"
    )  # the canonical path
    assert body["download_url"] == body["versions"][0]["download_url"]
    assert body["content"]["sections"][0]["text"] == "值班员修改后的第一节。"
    listed = api_as(org.duty).get("/api/reports/", {"kind": "daily", "status": "draft"}).json()["results"][0]
    assert (listed["latest_version"], listed["download_url"]) == (2, body["download_url"])
    assert "content" not in listed and "versions" not in listed


def test_download_is_the_docx_of_that_version(api_as, org, reports):  # noqa: F811
    draft = reports["draft_daily"]
    key = draft.content["sections"][0]["key"]
    services.edit_report(org.duty, draft, texts={key: "值班员修改后的第一节。"})
    office = api_as(org.duty)
    texts = {}
    for number in (1, 2):
        # Whatever the caller accepts, it gets the file (and JSON errors).
        response = office.get(f"/api/reports/{draft.pk}/versions/{number}/download/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200 and response["Content-Type"] == DOCX
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment") and f"{draft.title}-v{number}.docx" in unquote(disposition)
        doc = Document(io.BytesIO(b"".join(response.streaming_content)))
        texts[number] = "\n".join(p.text for p in doc.paragraphs)
    assert draft.title in texts[1] and "值班员修改后的第一节。" not in texts[1]
    assert "值班员修改后的第一节。" in texts[2]
    missing = office.get(f"/api/reports/{draft.pk}/versions/3/download/", HTTP_ACCEPT=DOCX)
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    chinese(missing)


def _many_reports(org, ticket, n):
    for i in range(n):
        report = Report.objects.create(
            kind=Report.Kind.SUPERVISION,
            title=f"督报{i}",
            status=Report.Status.ISSUED,
            unit=org.edu,
            incident=ticket.incident,
            ticket=ticket,
            created_by=org.duty,
            issued_by=org.duty,
            issued_at=NOW,
        )
        report.recipients.set([org.edu_liaison])
        save_version(report, data=b"docx", content={})


@pytest.mark.parametrize("role", ["duty", "edu_liaison", "leader"])
def test_the_list_costs_the_same_queries_however_many_reports(api_as, org, reports, role):  # noqa: F811
    client = api_as(getattr(org, role))

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/reports/")
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    _many_reports(org, reports["edu"].ticket, 2)
    few, rows_few = count()
    _many_reports(org, reports["edu"].ticket, 6)
    many, rows_many = count()
    assert rows_many == rows_few + 6
    assert many == few


# --- daily submissions -----------------------------------------------------------------------------


@pytest.fixture
def collecting(org):
    ReportSettings.current().collecting_units.set([org.edu, org.health, org.police])
    return org


def submit(client, unit, content, when=NOW, **extra):
    with time_machine.travel(when, tick=False):
        return client.post("/api/daily-submissions/", {"unit": unit.pk, "content": content, **extra}, format="json")


def test_a_submission_is_created_then_updated_the_same_day(api_as, collecting, make_incident):  # noqa: F811
    org = collecting
    incident = incident_services.report_incident(org.edu_liaison, title="某校食堂问题")  # the unit's own item
    client = api_as(org.edu_liaison)
    first = submit(client, org.edu, "无")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["unit"], body["date"], body["content"], body["is_late"], body["incidents"]) == (
        org.edu.pk,
        "2026-11-25",
        "无",
        False,
        [],
    )
    again = submit(client, org.edu, "某校食堂问题 https://weibo.com/1", NOW.replace(hour=18), incidents=[incident.pk])
    assert again.status_code == 200, again.content
    assert again.json()["id"] == body["id"] and again.json()["incidents"] == [incident.pk]
    assert not again.json()["is_late"]  # when the unit first reported counts
    assert DailySubmission.objects.get().content == "某校食堂问题 https://weibo.com/1"
    late = submit(api_as(org.health_liaison), org.health, "无", NOW.replace(hour=17, minute=1))
    assert late.status_code == 201 and late.json()["is_late"]


def test_bad_submissions_are_refused_and_change_nothing(api_as, collecting, make_incident):  # noqa: F811
    org = collecting
    client = api_as(org.edu_liaison)
    hidden = make_incident("别的单位的事项", subject_unit=org.police)
    cases = [
        (400, {"unit": org.edu.pk, "content": "标题 https://weibo.com/1\n只有标题没有链接"}, "第2行格式不对"),
        (400, {"unit": org.edu.pk, "content": "  "}, "请填写报送内容"),
        (400, {"unit": org.edu.pk, "content": "无", "incidents": [hidden.pk]}, "无权查看"),
        (400, {"unit": org.edu.pk, "content": "无", "incidents": ["x"]}, "输入有误"),
        (400, {"unit": "教育局", "content": "无"}, "输入有误"),
        (400, {"content": "无"}, "输入有误"),
        (403, {"unit": org.health.pk, "content": "无"}, "联络员"),  # not this liaison's unit
        (403, {"unit": org.town.pk, "content": "无"}, "联络员"),  # not a collecting unit
        (403, {"unit": 2**40, "content": "无"}, "联络员"),
    ]
    for code, data, message in cases:
        response = client.post("/api/daily-submissions/", data, format="json")
        assert response.status_code == code, (data, response.content)
        assert message in chinese(response), data
    assert (
        api_as(org.duty)
        .post("/api/daily-submissions/", {"unit": org.edu.pk, "content": "无"}, format="json")
        .status_code
        == 403
    )
    assert DailySubmission.objects.count() == 0


def test_the_office_sees_every_collecting_unit_and_a_liaison_its_own(api_as, collecting):  # noqa: F811
    org = collecting
    submit(api_as(org.edu_liaison), org.edu, "无", NOW.replace(hour=9))
    submit(api_as(org.health_liaison), org.health, "无", NOW.replace(hour=17, minute=30))

    def rows(user, **params):
        response = api_as(user).get("/api/daily-submissions/", params)
        assert response.status_code == 200, response.content
        return {row["unit_name"]: row["state"] for row in response.json()["results"]}

    assert rows(org.duty) == {"教育局": "on_time", "卫健委": "late", "公安局": "missing"}
    assert rows(org.edu_liaison) == {"教育局": "on_time"}
    assert rows(org.police_liaison) == {"公安局": "missing"}
    assert rows(org.leader) == {} and rows(org.admin) == {}
    assert rows(org.duty, date="2026-11-24") == {"教育局": "missing", "卫健委": "missing", "公安局": "missing"}
    edu_row = api_as(org.edu_liaison).get("/api/daily-submissions/").json()["results"][0]
    assert edu_row["submission"]["content"] == "无" and edu_row["date"] == "2026-11-25"
    for bad in ("25/11/2026", "0001-01-01"):
        response = api_as(org.duty).get("/api/daily-submissions/", {"date": bad})
        assert response.status_code == 400, bad
        chinese(response)


# --- the assessment -----------------------------------------------------------------------------


def test_the_assessment_follows_the_pages_rule(api_as, org):  # noqa: F811
    dispatch(org, "网传某校食堂问题", org.edu)
    period = {"start": "2026-10-01", "end": "2026-12-31"}
    everything = api_as(org.duty).get("/api/assessment/", period)
    assert everything.status_code == 200, everything.content
    body = everything.json()
    assert (body["start"], body["end"]) == ("2026-10-01", "2026-12-31")
    expected = assess_units(datetime(2026, 10, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH))
    assert [(row["unit"], row["rank"], row["score"]) for row in body["results"]] == [
        (row.unit_id, row.rank, f"{row.score:.2f}") for row in expected
    ]
    edu_row = next(row for row in body["results"] if row["unit"] == org.edu.pk)
    assert edu_row["tickets_received"] == 1 and edu_row["claim"] == {"on_time": 0, "total": 0, "percent": None}
    assert api_as(org.leader).get("/api/assessment/", period).json() == body
    # A unit leader: only the units under them, ranked county-wide.
    own = api_as(org.edu_leader).get("/api/assessment/", period).json()["results"]
    assert own == [edu_row]
    for user in (org.edu_liaison, org.police_liaison, org.admin):
        response = api_as(user).get("/api/assessment/", period)
        assert response.status_code == 403
        chinese(response)
    assert api_as(None).get("/api/assessment/", period).status_code == 401
    for bad in (
        {},
        {"start": "2026-10-01"},
        {"start": "2026-12-31", "end": "2026-10-01"},
        {"start": "2020-01-01", "end": "2026-12-31"},
        {"start": "9999-12-30", "end": "9999-12-31"},
    ):
        response = api_as(org.duty).get("/api/assessment/", bad)
        assert response.status_code == 400, bad
        chinese(response)


def test_the_assessment_page_refuses_out_of_range_dates_too(client, org):
    client.force_login(org.duty)
    assert client.get("/reports/assessment/", {"start": "9999-12-30", "end": "9999-12-31"}).status_code == 400
    assert client.get("/reports/assessment/", {"start": "2026-10-01", "end": "2026-12-31"}).status_code == 200
