"""Issue 11 §4: bad input never gives a 500. Each kind of malformed input a careless user or an attacker sends —
NUL bytes, impossible dates (2026-02-30), out-of-range numbers, offsets and page numbers, deeply nested JSON,
non-numeric ids — is fired at the pages and at the API: the pages answer with a form error or a 4xx page, the API
with a 4xx and its JSON error body, and nothing is changed."""

import pytest
from django.test import Client

from core.models import AuditEvent
from incidents import services
from incidents.models import Incident, TicketRole

from .api_support import api_as, relaxed_throttles  # noqa: F401

HUGE = "9" * 30  # past every integer column (SQLite and PostgreSQL bigint alike)
DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def world(org, make_incident):
    incident = make_incident(grade="IV")
    lead, assist = services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    return incident, lead


def browser(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- the pages ----------------------------------------------------------------------------------------------

PAGE_GETS = [
    "/incidents/?since=2026-02-30",
    "/incidents/?since=%00",
    "/incidents/?q=%00",
    "/incidents/?status=%00",
    "/incidents/?page=abc",
    f"/incidents/?page={HUGE}",
    "/incidents/?page=-1",
    "/incidents/?page=%00",
    "/tickets/?unit=abc",
    f"/tickets/?unit={HUGE}",
    "/tickets/?unit=%C2%B2",
    "/tickets/?status=%00",
    "/desk/?page=abc",
    f"/desk/?page={HUGE}",
    "/desk/?grade=%00",
    "/desk/?queue=%00&sort=%00",
    "/desk/suggest/?views=abc&comments=%00",
    f"/desk/suggest/?views={HUGE}",
    "/desk/duplicates/?title=%00&url=%00",
    "/reports/?kind=%00&status=%00&page=zz",
    "/reports/submissions/?date=2026-02-30",
    "/reports/submissions/?date=%00",
    "/reports/ledger/?start=2026-02-30&end=2026-03-01",
    "/reports/ledger/?start=2026-01-01&end=2026-03-01&unit=abc",
    f"/reports/ledger/?start=2026-01-01&end=2026-03-01&unit={HUGE}",
    "/reports/ledger/?start=%00",
    "/reports/assessment/?start=2026-02-30&end=2026-03-01",
    "/reports/assessment/?start=0001-01-01&end=9999-12-31",
    "/settings/calendar/?year=abc",
    f"/settings/calendar/?year={HUGE}",
    "/inbox/?page=zzz",
    f"/inbox/?page={HUGE}",
    "/inbox/?unread=%00",
    f"/incidents/{HUGE}/",
    f"/tickets/{HUGE}/",
    f"/attachments/{HUGE}/",
    f"/reports/{HUGE}/",
    f"/reports/1/versions/{HUGE}/download/",
    "/incidents/%00/",
    "/incidents/abc/",
    "/admin/incidents/incident/?q=%00",
    "/admin/incidents/incident/abc/change/",
    f"/admin/incidents/incident/{HUGE}/change/",
    "/admin/incidents/incident/?id__exact=abc",
]


@pytest.mark.parametrize("url", PAGE_GETS)
def test_a_page_given_bad_query_input_answers_without_a_server_error(url, org, world):
    response = browser(org.admin if url.startswith("/admin/") or "settings" in url else org.duty).get(url)
    assert response.status_code < 500, (url, response.status_code)


def test_an_incident_dispatch_preview_with_an_impossible_date(org, world):
    incident, _ = world
    response = browser(org.duty).get(
        f"/incidents/{incident.pk}/dispatch-preview/", {"dispatch-lead": "abc", "dispatch-due_at": "2026-02-30T10:00"}
    )
    assert response.status_code < 500


def page_posts(incident, ticket):
    return [
        ("/incidents/new/", {"title": "网传某事", "first_seen_at": "2026-02-30T10:00", "views": "abc"}),
        ("/incidents/new/", {"title": "网传某事", "first_seen_at": "0001-01-01T00:00", "views": HUGE}),
        ("/incidents/new/", {"title": "网传某事", "posted_at": "9999-12-31T23:59", "subject_unit": "abc"}),
        ("/incidents/new/", {"title": "网传某事", "subject_unit": HUGE, "media_level": "\x00"}),
        (f"/incidents/{incident.pk}/merge/", {"into": HUGE}),
        (f"/incidents/{incident.pk}/merge/", {"into": "abc"}),
        (f"/incidents/{incident.pk}/dispatch/", {"dispatch-lead": "abc", "dispatch-due_at": "2026-02-30T10:00"}),
        (f"/incidents/{incident.pk}/dispatch/", {"dispatch-lead": HUGE, "dispatch-assists": ["x", HUGE]}),
        (f"/incidents/{incident.pk}/grade/", {"grade-grade": "\x00", "grade-reason": "x"}),
        (f"/tickets/{ticket.pk}/assign/", {"assign-assignee": "abc"}),
        (f"/tickets/{ticket.pk}/assign/", {"assign-assignee": HUGE}),
        (
            f"/tickets/{ticket.pk}/extension/",
            {"extension-requested_due_at": "0001-01-01T00:00", "extension-reason": "x"},
        ),
        (
            f"/tickets/{ticket.pk}/extension/",
            {"extension-requested_due_at": "9999-12-31T23:59", "extension-reason": "x"},
        ),
        (
            f"/tickets/{ticket.pk}/feedback/",
            {
                "feedback-kind": "written_explanation",
                "feedback-content": "x",
                "feedback-promised_at": "2026-02-30T10:00",
            },
        ),
        ("/signoff/", {"draft": "abc"}),
        ("/signoff/", {"draft": HUGE}),
        ("/signoff/", {"incident": "abc"}),
        ("/signoff/", {"incident": HUGE}),
        ("/signoff/", {"incident": "\x00"}),
        ("/inbox/read/", {"ids": ["²", HUGE, "abc", "\x00"]}),
        ("/reports/supervision/new/999/", {"x": "\x00"}),
        (f"/reports/special/new/{HUGE}/", {}),
        ("/settings/calendar/days/", {"date": "2026-02-30", "kind": "holiday", "year": HUGE}),
        ("/settings/calendar/hours/", {"morning_start": "25:99", "year": "abc"}),
        ("/settings/calendar/confirm/", {"year": "\x00"}),
    ]


@pytest.mark.parametrize("user", ["duty", "edu_liaison", "leader", "admin"])
def test_a_page_given_bad_form_input_answers_without_a_server_error(user, org, world):
    incident, ticket = world
    client = browser(getattr(org, user))
    for url, data in page_posts(incident, ticket):
        response = client.post(url, data)
        assert response.status_code < 500, (user, url, data, response.status_code)


# --- the API ------------------------------------------------------------------------------------------------

API_GETS = [
    "/api/incidents/?reported_after=2026-02-30",
    "/api/incidents/?reported_after=0001-01-01T00:00:00",
    "/api/incidents/?page=abc",
    f"/api/incidents/?page={HUGE}",
    "/api/incidents/?page=-1",
    "/api/incidents/?page=0",
    "/api/incidents/?page_size=abc",
    f"/api/incidents/?page_size={HUGE}",
    "/api/incidents/?offset=-5&limit=abc",
    "/api/incidents/?q=%00",
    "/api/incidents/?status=%00",
    "/api/incidents/?unit=abc",
    f"/api/incidents/?unit={HUGE}",
    "/api/incidents/?ordering=%00",
    "/api/incidents/?ordering=-nonexistent__field",
    f"/api/incidents/{HUGE}/",
    "/api/incidents/abc/",
    "/api/incidents/%00/",
    f"/api/incidents/{HUGE}/audit/",
    f"/api/tickets/?incident={HUGE}",
    "/api/tickets/?incident=abc",
    "/api/tickets/?unit=%C2%B2",
    "/api/tickets/?due_before=2026-13-01",
    f"/api/deadlines/?ticket={HUGE}",
    "/api/deadlines/?due_after=%00",
    f"/api/units/?parent={HUGE}",
    "/api/reports/?page=abc",
    "/api/daily-submissions/?date=2026-02-30",
    "/api/assessment/?start=2026-02-30&end=2026-03-01",
    "/api/assessment/?start=%00",
    f"/api/reports/{HUGE}/",
    "/api/reports/abc/",
]


def assert_json_client_error(response, what):
    assert 400 <= response.status_code < 500, (what, response.status_code)
    assert response["Content-Type"] == "application/problem+json", (what, response["Content-Type"])  # RFC 9457
    assert isinstance(response.json()["detail"], str) and response.json()["detail"], what
    assert response.json()["status"] == response.status_code and response.json()["code"], what


@pytest.mark.parametrize("url", API_GETS)
def test_the_api_given_bad_query_input_answers_a_json_4xx_or_200(url, api_as, org, world):  # noqa: F811
    response = api_as(org.duty).get(url)
    assert response.status_code < 500, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json") or response.status_code >= 400
    if response.status_code >= 400:
        assert_json_client_error(response, url)


def api_posts(incident, ticket):
    return [
        ("/api/incidents/", {"title": "网传某事", "first_seen_at": "2026-02-30T10:00:00+08:00"}),
        ("/api/incidents/", {"title": "网传某事", "first_seen_at": "0001-01-01T00:00:00"}),
        ("/api/incidents/", {"title": "网传某事", "views": int(HUGE)}),
        ("/api/incidents/", {"title": "网传某事", "views": 1e308}),
        ("/api/incidents/", {"title": "网传某事", "subject_unit": "abc"}),
        ("/api/incidents/", {"title": "网传某事", "subject_unit": int(HUGE)}),
        ("/api/incidents/", {"title": "网传\u0000某事"}),
        ("/api/incidents/", {"title": ["列表"], "links": "不是列表"}),
        ("/api/incidents/", ["不是对象"]),
        (f"/api/incidents/{incident.pk}/merge/", {"into": int(HUGE)}),
        (f"/api/incidents/{incident.pk}/merge/", {"into": "abc"}),
        (f"/api/incidents/{incident.pk}/grant-access/", {"user": "abc"}),
        (f"/api/incidents/{incident.pk}/send-back/", {"reason": "x", "due_at": "2026-02-30T10:00:00"}),
        (f"/api/tickets/{ticket.pk}/assign/", {"assignee": int(HUGE)}),
        (f"/api/tickets/{ticket.pk}/assign/", {"assignee": "abc"}),
        (f"/api/tickets/{ticket.pk}/extension-requests/", {"requested_due_at": "9999-12-31T23:59:59", "reason": "x"}),
        (
            f"/api/tickets/{ticket.pk}/feedback/",
            {"kind": "written_explanation", "content": "x", "promised_at": "2026-02-30T10:00:00"},
        ),
        (f"/api/tickets/{HUGE}/claim/", {}),
    ]


def test_the_api_given_bad_json_input_answers_a_json_4xx_and_changes_nothing(api_as, org, world):  # noqa: F811
    incident, ticket = world
    client = api_as(org.duty)
    events = AuditEvent.objects.count()
    for url, body in api_posts(incident, ticket):
        assert_json_client_error(client.post(url, body, format="json"), (url, body))
    assert AuditEvent.objects.count() == events
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        DEEP,  # 10,000 nested lists
        '{"title": ' + "{" * 5000 + "}" * 5000 + "}",
        '{"title": "网传某事", "links": ' + DEEP + "}",
        '{"title": "\\u0000"}',  # a NUL escaped in JSON
        '{"title": "\\ud800"}',  # a lone surrogate
        '{"title": "x"',  # cut short
        "",
        "NaN",
        '{"title": "x", "views": Infinity}',
    ],
    ids=["deep-list", "deep-object", "deep-inside", "nul", "surrogate", "truncated", "empty", "nan", "infinity"],
)
def test_the_api_refuses_malformed_json_with_a_400(body, api_as, org):  # noqa: F811
    response = api_as(org.duty).post("/api/incidents/", body, content_type="application/json")
    assert_json_client_error(response, body[:40])
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_the_api_refuses_a_body_that_is_not_utf8_or_has_a_nul_byte(api_as, org):  # noqa: F811
    client = api_as(org.duty)
    for raw in (b'{"title": "\xff\xfe"}', b'{"title": "a\x00b"}', b"\x00" * 100):
        response = client.generic("POST", "/api/incidents/", raw, content_type="application/json")
        assert_json_client_error(response, raw[:20])
    assert not Incident.objects.exists()


def test_a_nul_byte_in_a_query_string_is_refused_before_any_database_query(api_as, org, world):  # noqa: F811
    """PostgreSQL refuses a NUL in a string literal with an error (SQLite takes it): the request is refused at the
    door with a 400, on pages and in the API, whatever the database."""
    api = api_as(org.duty).get("/api/incidents/", {"q": "食堂\x00"})
    assert api.status_code == 400
    assert "空字符" in api.json()["detail"]
    page = browser(org.duty).get("/incidents/", {"q": "食堂\x00"})
    assert page.status_code == 400
    assert "空字符" in page.content.decode()
    admin = browser(org.admin).get("/admin/incidents/incident/", {"q": "\x00"})
    assert admin.status_code == 400


def test_an_unexpected_api_error_is_json_too(api_as, org, monkeypatch):  # noqa: F811
    """A bug still answers the API's JSON shape (500), not Django's HTML error page."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "report_incident", broken)
    client = api_as(org.duty)
    client.raise_request_exception = False
    response = client.post("/api/incidents/", {"title": "网传某事"}, format="json")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:yuqing:problem:server_error",
        "title": "服务器内部错误",
        "status": 500,
        "detail": "服务器内部错误，请稍后重试；如持续出现请联系管理员。",
        "instance": "/api/incidents/",
        "code": "server_error",
        "errors": {},
    }
    assert "boom" not in response.content.decode()
