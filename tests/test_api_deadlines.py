"""Deadlines through the API: who sees which, filters, the due order, the fields a caller needs, and a query count
that does not grow with the rows. Created on a fixed clock (time-machine): dispatch Monday 2026-11-23 10:00."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deadlines.models import Deadline
from incidents import services
from incidents.models import TicketRole
from org.models import Role

from .api_support import api_as, relaxed_throttles  # noqa: F401
from .factories import person

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def case(org, make_incident):
    """An Ⅳ incident led by 教育局 (claimed 10:30) and assisted by 卫健委 (not claimed)."""
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        incident = make_incident(grade="IV")
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    with time_machine.travel(at(2026, 11, 23, 10, 30), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    return incident, lead, assist


def in_due_order(queryset):
    return list(queryset.order_by("due_at", "id").values_list("pk", flat=True))


def test_each_role_sees_its_deadlines_in_due_order(api_as, org, case):  # noqa: F811
    incident, lead, assist = case
    everything = in_due_order(Deadline.objects.all())
    assert len(everything) == 6  # leader report, 2 claims, 2 feedbacks, the lead's report
    assert ids(api_as(org.duty).get("/api/deadlines/")) == everything
    assert ids(api_as(org.leader).get("/api/deadlines/")) == everything
    # Units see their tickets' deadlines only: not the other unit's, not the incident-level leader report.
    edu = in_due_order(Deadline.objects.filter(ticket=lead))
    assert len(edu) == 3
    assert ids(api_as(org.edu_liaison).get("/api/deadlines/")) == edu
    assert ids(api_as(org.edu_leader).get("/api/deadlines/")) == edu
    assert ids(api_as(org.health_liaison).get("/api/deadlines/")) == in_due_order(
        Deadline.objects.filter(ticket=assist)
    )
    assert ids(api_as(org.police_liaison).get("/api/deadlines/")) == []
    assert ids(api_as(org.admin).get("/api/deadlines/")) == []


def test_filters_narrow_the_list(api_as, org, case):  # noqa: F811
    incident, lead, assist = case
    office = api_as(org.duty)
    claims = in_due_order(Deadline.objects.filter(kind="claim"))
    assert ids(office.get("/api/deadlines/", {"kind": "claim"})) == claims  # same due time: the id breaks the tie
    assert ids(office.get("/api/deadlines/", {"state": "met"})) == in_due_order(
        Deadline.objects.filter(ticket=lead, kind="claim")
    )
    assert ids(office.get("/api/deadlines/", {"unit": org.health.pk})) == in_due_order(
        Deadline.objects.filter(ticket=assist)
    )
    assert ids(office.get("/api/deadlines/", {"ticket": lead.pk, "kind": "report"})) == [
        Deadline.objects.get(kind="report").pk
    ]
    assert len(ids(office.get("/api/deadlines/", {"incident": incident.pk}))) == 6
    assert ids(office.get("/api/deadlines/", {"incident": incident.pk + 1000})) == []
    # The due range: claims and leader report fall due Monday 11-23, feedback (3 days) Thursday 11-26, the report
    # (5 working days from the claim, at close of business) Monday 11-30 17:30.
    window = {"due_after": at(2026, 11, 24, 0, 0).isoformat(), "due_before": at(2026, 11, 30, 0, 0).isoformat()}
    assert ids(office.get("/api/deadlines/", window)) == in_due_order(Deadline.objects.filter(kind="feedback"))
    assert {d.due_at.astimezone(SH) for d in Deadline.objects.filter(kind="feedback")} == {at(2026, 11, 26, 10, 0)}
    assert Deadline.objects.get(kind="report").due_at == at(2026, 11, 30, 17, 30)
    assert ids(office.get("/api/deadlines/", {"ordering": "-due_at"}))[0] == Deadline.objects.get(kind="report").pk
    page = office.get("/api/deadlines/", {"page_size": 4}).json()
    assert page["count"] == 6 and len(page["results"]) == 4 and page["next"]


@pytest.mark.parametrize(
    "params",
    [
        {"state": "late"},
        {"kind": "whatever"},
        {"unit": "999999"},
        {"ticket": "abc"},
        {"due_after": "not-a-date"},
        {"due_before": "1000-01-01T00:00:00Z"},
    ],
)
def test_bad_filters_are_400_in_chinese(api_as, org, params):  # noqa: F811
    response = api_as(org.duty).get("/api/deadlines/", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)
    assert response.json()["detail"].startswith("输入有误")


def test_a_deadline_says_what_it_is_and_where_it_came_from(api_as, org, case):  # noqa: F811
    incident, lead, _ = case
    report = Deadline.objects.get(kind="report")
    body = api_as(org.edu_liaison).get(f"/api/deadlines/{report.pk}/").json()
    assert body["kind"] == "report" and body["kind_label"] == "核实调查报告时限"
    assert body["state"] == "pending" and body["state_label"] == "未到期"
    assert body["policy_name"] == "核实调查报告" and body["explicit"] is False and body["calendar_confirmed"] is True
    assert (body["incident"], body["ticket"], body["unit"], body["unit_name"]) == (
        incident.pk,
        lead.pk,
        org.edu.pk,
        "教育局",
    )
    assert datetime.fromisoformat(body["started_at"]) == at(2026, 11, 23, 10, 30)
    assert datetime.fromisoformat(body["due_at"]) == datetime.fromisoformat(body["original_due_at"]) == report.due_at
    assert body["met_at"] is None and body["breached_at"] is None and body["replaces"] is None
    claim = api_as(org.edu_liaison).get(f"/api/deadlines/{Deadline.objects.get(ticket=lead, kind='claim').pk}/").json()
    assert claim["state_label"] == "按时完成" and datetime.fromisoformat(claim["met_at"]) == at(2026, 11, 23, 10, 30)
    leader_report = api_as(org.duty).get(f"/api/deadlines/{Deadline.objects.get(kind='leader_report').pk}/").json()
    assert leader_report["ticket"] is None and leader_report["unit"] is None and leader_report["unit_name"] is None


def test_a_deadline_given_at_dispatch_is_marked_explicit(api_as, org, make_incident):  # noqa: F811
    incident = make_incident(grade="IV")
    services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)], due_at=at(2030, 1, 7, 17, 0)
    )
    (row,) = api_as(org.edu_liaison).get("/api/deadlines/", {"kind": "feedback"}).json()["results"]
    assert row["explicit"] is True and row["policy_name"] == "指定时限"
    assert datetime.fromisoformat(row["due_at"]) == at(2030, 1, 7, 17, 0)


def test_other_units_and_uncleared_callers_get_404(api_as, org, case, make_incident):  # noqa: F811
    _, lead, assist = case
    health_claim = Deadline.objects.get(ticket=assist, kind="claim")
    response = api_as(org.edu_liaison).get(f"/api/deadlines/{health_claim.pk}/")
    assert response.status_code == 404 and response.json()["detail"] == "时限不存在或无权查看。"
    leader_report = Deadline.objects.get(kind="leader_report")
    assert api_as(org.edu_liaison).get(f"/api/deadlines/{leader_report.pk}/").status_code == 404
    assert api_as(org.edu_liaison).get("/api/deadlines/999999/").status_code == 404

    # A confidential incident: only its reporter and the people granted it see its deadlines, whatever the role.
    duty2 = person("duty2", org.office, Role.DUTY_OFFICER)
    secret = services.report_incident(duty2, title="敏感事项", is_confidential=True)
    services.grade_incident(duty2, secret, grade="IV", reason="一般")
    services.dispatch_incident(duty2, secret, assignments=[(org.edu, TicketRole.LEAD)])
    for user in (org.edu_liaison, org.edu_leader):  # granted by the dispatch, revoked by the office
        services.revoke_confidential_access(duty2, secret, user=user)
    services.grant_confidential_access(duty2, secret, user=org.edu_liaison2)
    hidden = in_due_order(Deadline.objects.filter(incident=secret))
    assert hidden
    for outsider in (org.duty, org.leader, org.edu_liaison, org.edu_leader):
        assert not set(hidden) & set(ids(api_as(outsider).get("/api/deadlines/"))), outsider
        assert api_as(outsider).get(f"/api/deadlines/{hidden[0]}/").status_code == 404
    assert set(hidden) <= set(ids(api_as(duty2).get("/api/deadlines/")))
    granted = ids(api_as(org.edu_liaison2).get("/api/deadlines/", {"incident": secret.pk}))
    assert granted == in_due_order(Deadline.objects.filter(incident=secret, ticket__isnull=False))


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/api/deadlines/", "/api/extension-requests/"])
@pytest.mark.parametrize("role", ["duty", "edu_liaison"])
def test_list_queries_do_not_grow_with_the_rows(api_as, org, make_incident, url, role):  # noqa: F811
    from deadlines import services as monitoring_services

    def add_incidents(n):
        for _ in range(n):
            incident = make_incident(grade="IV")
            (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
            services.claim_ticket(org.edu_liaison, ticket)
            monitoring_services.request_extension(
                org.edu_liaison, ticket, requested_due_at=at(2030, 1, 7, 17, 0), reason="需补充调查"
            )

    client = api_as(getattr(org, role))
    add_incidents(1)
    few = _queries(client, url)
    add_incidents(5)
    rows = client.get(url).json()["count"]
    assert rows >= 6
    assert _queries(client, url) == few
