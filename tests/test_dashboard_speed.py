"""The cockpit at a million (issue 16): its 考核 and 办理时效 figures are maintained rows (cockpit.aggregates), equal to
a recomputation from the raw rows (002 第十二条: the quarterly 考核 ranks every unit), refreshed by beat exactly once
per staleness window and once more, finally, after the quarter ends (catch-up); the live figures the desk shares are
bounded counts that agree with the desk past their cap (issue 14: one 待研判); a unit leader sees only the units under
them (002 第十二条: 通报 to each unit); the statements of /desk/ and /dashboard/ do not grow with the rows."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cockpit import aggregates
from cockpit import selectors as cockpit_selectors
from cockpit.models import CockpitFigures
from deadlines.models import Deadline, DeadlineKind
from deadlines.selectors import timeliness_by_unit
from deadlines.sweep import run_timed_checks
from incidents import bounded, services
from incidents.models import TicketRole
from incidents.selectors import awaiting_grading, visible_incidents
from reporting.assessment import assess_units, quarter_of

SH = ZoneInfo("Asia/Shanghai")


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


def random_quarter(org, make_incident, seed, n=14):
    """n items dispatched on working days of October 2026 to random units, some claimed on time, some late, some
    never, some with feedback; the timed checks run after each day."""
    rng = random.Random(seed)
    units = [org.edu, org.health, org.police, org.town]
    for i in range(n):
        day = at(10, 12 + i % 5, 9)
        with time_machine.travel(day, tick=False):
            incident = make_incident(f"随机舆情{seed}-{i}", grade=rng.choice(["III", "IV"]))
            lead, *assists = rng.sample(units, rng.randint(1, 3))
            tickets = services.dispatch_incident(
                org.duty, incident, assignments=[(lead, TicketRole.LEAD)] + [(u, TicketRole.ASSIST) for u in assists]
            )
        for ticket in tickets:
            liaison = {org.edu: org.edu_liaison, org.health: org.health_liaison, org.police: org.police_liaison}.get(
                ticket.unit
            )
            if liaison is None or rng.random() < 0.25:
                continue  # never claimed
            with time_machine.travel(day + dt.timedelta(minutes=rng.choice([20, 50, 200])), tick=False):
                services.claim_ticket(liaison, ticket)
                if rng.random() < 0.5:
                    kind = "report" if ticket.role == TicketRole.LEAD else "feedback"
                    services.submit_feedback(liaison, ticket, kind=kind, content="已核实")
        run_timed_checks(day + dt.timedelta(days=1))


def raw_claim_rates(start, end, now):
    """{unit id: (on time, total)} of the claim deadlines decided in the period, counted from the rows themselves."""
    rates = {}
    for d in Deadline.objects.filter(kind=DeadlineKind.CLAIM, due_at__gte=start, due_at__lt=end, unit__isnull=False):
        if d.state in (Deadline.State.CANCELLED, Deadline.State.EXTENDED) or (d.met_at is None and d.due_at > now):
            continue
        on_time, total = rates.get(d.unit_id, (0, 0))
        rates[d.unit_id] = (on_time + (d.met_at is not None and d.met_at <= d.due_at), total + 1)
    return rates


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_maintained_figures_equal_a_recomputation_from_the_raw_rows(org, make_incident, seed):
    """002 第十二条: the 考核 the cockpit shows is the one the rules compute, whatever the data (random per seed)."""
    random_quarter(org, make_incident, seed)
    now = at(10, 26, 10)
    start, end = quarter_of(now.date())
    with time_machine.travel(now, tick=False):
        done = aggregates.refresh_due()
        assert {kind for kind, _ in done} == set(CockpitFigures.Kind)
        shown = aggregates.quarter_ranking(now.date(), n=10)
        rows, _ = aggregates.timeliness(timezone.now())
    fresh = assess_units(start, end, now=now)
    assert [(r.unit_id, r.rank, r.score) for r in shown["top"]] == [(r.unit_id, r.rank, r.score) for r in fresh]
    raw = raw_claim_rates(start, end, now)
    assert raw, "the random data decides some claim deadlines"
    for row in shown["top"]:
        assert (row.claim.on_time, row.claim.total) == raw.get(row.unit_id, (0, 0)), row.unit_name
    since, until = aggregates.timeliness_period(now)
    with time_machine.travel(now, tick=False):
        assert rows == timeliness_by_unit(since, until)
    for r in rows:
        assert (r["claim_on_time"], r["claim_total"]) == raw.get(r["unit_id"], (0, 0))
    # Overdue per unit: the open breached deadlines, counted from the rows.
    breached: dict[int, int] = {}
    for d in Deadline.objects.filter(state=Deadline.State.BREACHED, met_at__isnull=True, unit__isnull=False):
        breached[d.unit_id] = breached.get(d.unit_id, 0) + 1
    with time_machine.travel(now, tick=False):
        top, units, _ = aggregates.overdue(timezone.now(), n=100)
        assert {r["unit_id"]: r["n"] for r in top} == breached and units == len(breached)
        # The trend: maintained past days and today live equal the live count of every day (county leader).
        shown_trend, _ = aggregates.trend(org.leader, timezone.now())
        assert shown_trend == cockpit_selectors.trend(org.leader, aggregates.trend_period(timezone.now())[1])
        assert sum(shown_trend["counts"]) == 14


def test_beat_refreshes_once_per_window_and_the_ended_quarter_once_more(org, make_incident):
    """State-based and idempotent (issue 16, like the timed checks): a second beat within FRESH_FOR computes nothing;
    after an outage over the turn of the quarter the ended quarter is computed finally, once, and the new one begins."""
    with time_machine.travel(at(12, 30, 9), tick=False):
        make_incident("季末舆情", grade="IV")
        first = aggregates.refresh_due()
    assert len(first) == 4  # 考核, 时效, overdue per unit, the trend's past days
    with time_machine.travel(at(12, 30, 9, 4), tick=False):
        assert aggregates.refresh_due() == []  # fresh: nothing to do
    with time_machine.travel(at(12, 30, 9, 10), tick=False):
        assert len(aggregates.refresh_due()) == 4  # stale: each recomputed, once
        assert aggregates.refresh_due() == []
    q4 = CockpitFigures.objects.get(
        kind=CockpitFigures.Kind.ASSESSMENT, period_start=quarter_of(dt.date(2026, 12, 1))[0]
    )
    assert q4.computed_at < q4.period_end  # not final yet
    # Beat is down from Dec 30 until Jan 2: the first run computes Q4 once more, finally, and Q1 2027.
    later = dt.datetime(2027, 1, 2, 8, 0, tzinfo=SH)
    with time_machine.travel(later, tick=False):
        done = aggregates.refresh_due()
        assert (CockpitFigures.Kind.ASSESSMENT, q4.period_start) in done
        assert (CockpitFigures.Kind.ASSESSMENT, quarter_of(later.date())[0]) in done
    q4.refresh_from_db()
    assert q4.computed_at >= q4.period_end
    with time_machine.travel(later + dt.timedelta(minutes=20), tick=False):
        done = aggregates.refresh_due()
    assert (CockpitFigures.Kind.ASSESSMENT, q4.period_start) not in done  # final: never again
    for kind in aggregates.DAILY:
        assert CockpitFigures.objects.filter(kind=kind).count() == 1  # earlier days dropped


def test_the_dashboard_shows_when_its_figures_were_computed_and_the_office_may_refresh(client, org, make_incident):
    with time_machine.travel(at(11, 23, 10), tick=False):
        client.force_login(org.leader)
        page = client.get("/dashboard/").content.decode()
        assert 'data-testid="assessment-as-of">数据截至 11-23 10:00' in page
        assert "立即更新" not in page  # a leader reads; the office refreshes
        assert client.post("/dashboard/refresh/").status_code == 403
    with time_machine.travel(at(11, 23, 10, 3), tick=False):
        client.force_login(org.duty)
        assert client.post("/dashboard/refresh/").status_code == 302
        page = client.get("/dashboard/").content.decode()
        assert 'data-testid="assessment-as-of">数据截至 11-23 10:03' in page
        assert 'data-testid="ranking-as-of">数据截至 11-23 10:03' in page


def test_a_unit_leader_sees_only_the_units_under_them(client, org, make_incident):
    """002 第十二条: the county's ranks, but only the rows of the units the leader oversees."""
    with time_machine.travel(at(10, 13, 9), tick=False):
        incident = make_incident("教育局的舆情", grade="IV")
        services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    with time_machine.travel(at(10, 20, 9), tick=False):
        client.force_login(org.edu_leader)
        page = client.get("/dashboard/").content.decode()
        client.force_login(org.leader)
        county = client.get("/dashboard/").content.decode()
    # 在办 and 待研判 of a unit leader come from one grouped pass: the same numbers as their selectors.
    with time_machine.travel(at(10, 20, 9), tick=False):
        edu_items = visible_incidents(org.edu_leader).open()
        assert f'data-testid="awaiting-grading"><div class="n">{awaiting_grading(org.edu_leader).count()}<' in page
        assert f'<div class="n">{edu_items.filter(status="dispatched").count()}</div>已转办' in page
    for block in ("assessment-top", "ranking"):
        mine = page.split(f'data-testid="{block}"')[1].split("</table>")[0]
        everyone = county.split(f'data-testid="{block}"')[1].split("</table>")[0]
        assert "教育局" in mine and "卫健委" not in mine, block
        assert "卫健委" in everyone, block


def test_bounded_counts_agree_between_the_desk_and_the_cockpit_past_the_cap(client, org, make_incident, monkeypatch):
    """Issue 14's one 待研判, past the cap: both say "3+" for five items."""
    monkeypatch.setattr(bounded, "CAP", 3)
    for i in range(5):
        make_incident(f"待研判{i}")
    client.force_login(org.duty)
    desk = client.get("/desk/").content.decode()
    dashboard = client.get("/dashboard/").content.decode()
    assert 'data-testid="queue-grade">待研判 <span class="badge">3+</span>' in desk
    assert 'data-testid="awaiting-grading"><div class="n">3+</div>' in dashboard
    monkeypatch.setattr(bounded, "CAP", 1000)
    assert 'data-testid="awaiting-grading"><div class="n">5</div>' in client.get("/dashboard/").content.decode()


def test_a_desk_queue_pages_without_counting_it(client, org, make_incident, monkeypatch):
    """The queue shows 25 rows and a link to more; a page number past the end shows the last rows, never a 500."""
    for i in range(27):
        make_incident(f"待研判{i:02d}")
    client.force_login(org.duty)
    first = client.get("/desk/?queue=grade").content.decode()
    assert first.count('data-testid="queue-row"') == 25 and 'rel="next"' in first
    second = client.get("/desk/?queue=grade&page=2").content.decode()
    assert second.count('data-testid="queue-row"') == 2 and 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/desk/?queue=grade&page=abc").status_code == 200


def statements(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/desk/", "/desk/?queue=overdue", "/dashboard/"])
def test_the_statements_do_not_grow_with_the_rows(client, org, make_incident, url):
    """On SQLite and on PostgreSQL (`-m postgres` runs this file too): the same statements with 3 and with 15 items."""
    client.force_login(org.duty)

    def add(n):
        for i in range(n):
            incident = make_incident(f"舆情{i}", grade="IV")
            services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        make_incident("待研判")
        run_timed_checks(timezone.now() + dt.timedelta(hours=3))

    add(2)
    statements(client, url)  # the cockpit's figures are computed by the first view
    few = statements(client, url)
    add(12)
    many = statements(client, url)
    assert many == few, f"{url}: {few} statements with 3 items, {many} with 15"
    assert many <= 25
