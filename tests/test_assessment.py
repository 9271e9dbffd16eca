"""Unit assessment (考核): the counts per unit, the score from the admin's weighting, the rank, and a query
count that does not grow with the number of units."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from deadlines.services import request_extension
from incidents import services
from incidents.models import TicketRole
from reporting.assessment import assess_units, quarter_of
from reporting.models import AssessmentWeighting, Criticism, Report

from .factories import UnitFactory

SH = ZoneInfo("Asia/Shanghai")
Q4_START, Q4_END = quarter_of(dt.date(2026, 10, 13))


def at(day, hour, minute=0):
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=SH)


@pytest.fixture
def quarter(org, make_incident):
    """One working Tuesday (2026-10-13) of Q4 2026:
    - 教育局 leads A: claims on time, asks an extension, reports on time; the reply is published on time;
    - 卫健委 assists on A and claims late, and returns C (its lead); it also gets a 通报批评;
    - 公安局 leads B, never claims; the office designates the claim after the deadline; it gets a 督报;
    - 城关镇 receives nothing."""
    with time_machine.travel(at(13, 9), tick=False):
        a = make_incident("A 某校食堂问题", grade="IV")
        a_edu, a_health = services.dispatch_incident(
            org.duty, a, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
        b = make_incident("B 派出所执法问题", grade="IV")
        (b_police,) = services.dispatch_incident(org.duty, b, assignments=[(org.police, TicketRole.LEAD)])
        c = make_incident("C 医院排队问题", grade="IV")
        (c_health,) = services.dispatch_incident(org.duty, c, assignments=[(org.health, TicketRole.LEAD)])
    with time_machine.travel(at(13, 9, 10), tick=False):
        services.claim_ticket(org.edu_liaison, a_edu)
        services.return_ticket(org.health_liaison, c_health, reason="不属本单位职责")
    with time_machine.travel(at(13, 9, 20), tick=False):
        request_extension(org.edu_liaison, a_edu, requested_due_at=at(30, 17), reason="需调取监控")
    with time_machine.travel(at(13, 12), tick=False):
        services.claim_ticket(org.health_liaison, a_health)
        services.assign_ticket(org.duty, b_police, assignee=org.police_liaison, reason="逾期未认领")
    with time_machine.travel(at(13, 14), tick=False):
        services.submit_feedback(org.edu_liaison, a_edu, kind="report", content="核实情况")
    with time_machine.travel(at(13, 15), tick=False):
        services.publish_reply(org.duty, a, kind="result", channel="政务微博", content="处置结果")
        Criticism.objects.create(unit=org.health, cause=Criticism.Cause.LATE, reason="反馈不及时", recorded_by=org.duty)
        Report.objects.create(
            kind=Report.Kind.SUPERVISION,
            title="督报",
            unit=org.police,
            ticket=b_police,
            status=Report.Status.ISSUED,
            issued_at=timezone.now(),
        )
        # A draft 督报 was never sent: it does not count.
        Report.objects.create(kind=Report.Kind.SUPERVISION, title="草稿", unit=org.police, ticket=b_police)
    return org


def by_unit(rows):
    return {r.unit_name: r for r in rows}


def test_each_unit_gets_its_counts_score_and_rank(quarter):
    rows = by_unit(assess_units(Q4_START, Q4_END, now=at(20, 9)))
    assert set(rows) == {"教育局", "卫健委", "公安局", "城关镇"}  # handling units only, not the office

    edu = rows["教育局"]
    assert (edu.tickets_received, edu.extensions, edu.returns, edu.designated_claims) == (1, 1, 0, 0)
    assert (edu.claim.on_time, edu.claim.total) == (1, 1)
    assert (edu.feedback.on_time, edu.feedback.total) == (2, 2)  # 办理反馈 and 核实调查报告
    assert (edu.reply.on_time, edu.reply.total) == (1, 1)  # the incident's reply belongs to the lead unit
    assert edu.score == Decimal("99.00")  # 30 + 40 + 30 − 1 extension

    health = rows["卫健委"]
    assert (health.tickets_received, health.returns, health.criticisms) == (2, 1, 1)
    assert (health.claim.on_time, health.claim.total) == (0, 1)  # the returned ticket's deadline is cancelled
    assert (health.feedback.on_time, health.feedback.total) == (0, 1)  # 3 days passed without feedback
    assert health.reply.total == 0
    assert health.score == Decimal("24.00")  # 0 + 0 + 30 (no reply due) − 1 return − 5 通报批评

    police = rows["公安局"]
    assert (police.designated_claims, police.supervisions) == (1, 1)
    assert (police.claim.on_time, police.claim.total) == (0, 1)
    # The 核实调查报告 is due 5 working days after the designated claim, not yet on 10-20 09:00.
    assert (police.feedback.on_time, police.feedback.total) == (0, 1)
    assert police.score == Decimal("26.00")  # 30 − 2 designated − 2 督报

    assert rows["城关镇"].tickets_received == 0 and rows["城关镇"].score == Decimal("100.00")
    assert [(r.unit_name, r.rank) for r in assess_units(Q4_START, Q4_END, now=at(20, 9))] == [
        ("城关镇", 1),
        ("教育局", 2),
        ("公安局", 3),
        ("卫健委", 4),
    ]


def test_a_pending_deadline_is_neither_late_nor_on_time(quarter):
    rows = by_unit(assess_units(Q4_START, Q4_END, now=at(13, 16)))
    assert rows["卫健委"].feedback.total == 0  # its feedback is due on 10-16
    assert rows["教育局"].feedback.total == 2  # met ones count at once


def test_outside_the_period_nothing_counts(quarter):
    start, end = quarter_of(dt.date(2026, 7, 1))
    rows = by_unit(assess_units(start, end, now=at(20, 9)))
    assert all(r.tickets_received == r.claim.total == r.criticisms == 0 for r in rows.values())
    assert {r.rank for r in rows.values()} == {1}  # equal scores share the rank


def test_the_admins_weighting_changes_the_score(quarter):
    AssessmentWeighting.objects.create(
        name="2026 办法",
        claim_on_time=Decimal("50"),
        feedback_on_time=Decimal("30"),
        reply_on_time=Decimal("20"),
        per_criticism=Decimal("10"),
        valid_from=dt.date(2026, 1, 1),
    )
    health = by_unit(assess_units(Q4_START, Q4_END, now=at(20, 9)))["卫健委"]
    assert health.score == Decimal("9.00")  # 20 − 1 return − 10 通报批评


def test_score_is_floored_at_zero(quarter):
    for _ in range(30):
        Criticism.objects.create(
            unit=quarter.health,
            cause=Criticism.Cause.FALSE,
            reason="虚假反馈",
            recorded_by=quarter.duty,
            recorded_at=at(14, 9),
        )
    assert by_unit(assess_units(Q4_START, Q4_END, now=at(20, 9)))["卫健委"].score == Decimal("0.00")


def test_only_the_units_asked_for(quarter):
    rows = assess_units(Q4_START, Q4_END, unit_ids=[quarter.edu.pk], now=at(20, 9))
    assert [r.unit_name for r in rows] == ["教育局"]


@pytest.mark.parametrize("units", [3, 40])
def test_query_count_does_not_grow_with_units(org, make_incident, units, django_assert_max_num_queries):
    extra = [UnitFactory(code=f"u{i}", name=f"单位{i:02d}", parent=org.county) for i in range(units)]
    with time_machine.travel(at(13, 9), tick=False):
        incident = make_incident(grade="IV")
        services.dispatch_incident(
            org.duty,
            incident,
            assignments=[(extra[0], TicketRole.LEAD)] + [(u, TicketRole.ASSIST) for u in extra[1:]],
        )
    weighting = AssessmentWeighting.current()
    with django_assert_max_num_queries(7):
        rows = assess_units(Q4_START, Q4_END, weighting=weighting, now=at(20, 9))
    assert len(rows) == units + 4
    assert sum(r.tickets_received for r in rows) == units
    assert sum(r.claim.total for r in rows) == units  # every claim deadline passed unmet


def test_admin_records_a_criticism_on_the_audit_trail(org, client):
    from core.models import AuditEvent

    client.force_login(org.admin)
    response = client.post(
        "/admin/reporting/criticism/add/",
        {
            "unit": org.health.pk,
            "cause": "false",
            "reason": "虚假反馈",
            "recorded_at_0": "2026-11-25",
            "recorded_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    criticism = Criticism.objects.get()
    assert criticism.recorded_by == org.admin and criticism.unit == org.health
    assert AuditEvent.objects.filter(action="setting_change", object_type="criticism").exists()
    assert client.get("/admin/reporting/assessmentweighting/add/").status_code == 200


def test_leader_dashboard_shows_the_quarters_top_and_bottom_units(quarter, client):
    with time_machine.travel(at(20, 9), tick=False):
        client.force_login(quarter.leader)
        page = client.get("/dashboard/").content.decode()
    assert "单位考核（2026年第四季度" in page
    top = page.split('data-testid="assessment-top"')[1].split("</table>")[0]
    bottom = page.split('data-testid="assessment-bottom"')[1].split("</table>")[0]
    assert top.index("城关镇") < top.index("教育局")  # best first
    assert "卫健委" in top  # four units: all fit in the top five, none repeated below
    assert "卫健委" not in bottom


def test_assessment_page_for_a_period(quarter, client):
    with time_machine.travel(at(20, 9), tick=False):
        client.force_login(quarter.duty)
        page = client.get("/reports/assessment/", {"start": "2026-10-01", "end": "2026-12-31"}).content.decode()
        table = page.split('data-testid="assessment"')[1]
        assert table.index("城关镇") < table.index("教育局") < table.index("公安局") < table.index("卫健委")
        assert "99.00" in table and "0%（0/1）" in table
        default = client.get("/reports/assessment/")
        assert default.status_code == 200 and "2026年第四季度" in default.content.decode()


def test_assessment_page_refuses_a_bad_period(quarter, client):
    client.force_login(quarter.duty)
    response = client.get("/reports/assessment/", {"start": "2026-12-31", "end": "2026-10-01"})
    assert response.status_code == 400 and "截止日期不能早于起始日期" in response.content.decode()


def test_a_unit_leader_sees_only_its_units_and_a_liaison_nothing(quarter, client):
    with time_machine.travel(at(20, 9), tick=False):
        client.force_login(quarter.edu_leader)
        page = client.get("/reports/assessment/", {"start": "2026-10-01", "end": "2026-12-31"}).content.decode()
        table = page.split('data-testid="assessment"')[1]
        assert "教育局" in table and "卫健委" not in table and "公安局" not in table
        client.force_login(quarter.edu_liaison)
        assert client.get("/reports/assessment/").status_code == 403
