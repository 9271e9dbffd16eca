"""The two slow list filters of issue 16 at a million rows (bench/RESULTS-filters.md): 只看逾期 on the ticket lists is
a hashed set of the units' open breaches (no probe per ticket), and a search for a common term reads the newest items
first (no sort of every match), with the same rows, order and counts as before on every page a reader can reach."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from deadlines.models import Deadline
from deadlines.sweep import run_timed_checks
from incidents import paging, search, selectors, services
from incidents.models import Incident, Ticket, TicketRole
from tests import bulk_rows

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


class Recorder:
    """Every statement a block sends, with its parameters (connection.execute_wrapper sees them all)."""

    def __init__(self):
        self.statements: list[tuple] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params, many))
        return execute(sql, params, many, context)


def dispatch(org, title, *units):
    incident = services.report_incident(org.duty, title=title)
    services.grade_incident(org.duty, incident, grade="IV", reason="测试研判")
    roles = [TicketRole.LEAD] + [TicketRole.ASSIST] * (len(units) - 1)
    return services.dispatch_incident(org.duty, incident, assignments=list(zip(units, roles, strict=True)))


@pytest.fixture
def breaches(org):
    """Three incidents dispatched to 教育局 (lead) and 卫健委 (assist); the claim windows then run out, and 教育局
    claims the second incident's ticket late (its breach is met), 卫健委 nothing."""
    with time_machine.travel(NOW, tick=False):
        tickets = [dispatch(org, f"逾期测试{i}", org.edu, org.health) for i in range(3)]
    run_timed_checks(NOW + timedelta(hours=3))
    with time_machine.travel(NOW + timedelta(hours=3, minutes=5), tick=False):
        services.claim_ticket(org.edu_liaison, tickets[1][0])
        fresh = dispatch(org, "未到期", org.edu, org.health)  # its windows still running
    return tickets, fresh


def overdue_titles(user, **filters):
    return sorted(t.incident.title + "/" + t.unit.name for t in selectors.ticket_list(user, overdue=True, **filters))


def test_only_tickets_with_an_open_breach_are_listed_overdue(org, breaches):
    """只看逾期 (002 第六条 逾期未认领): a liaison sees their unit's tickets whose deadline ran out and is still not met;
    a breach met late (认领 after the window) is no longer listed, nor a ticket whose windows are still running, nor
    another unit's ticket. The office sees every unit's, and narrows them with the unit filter."""
    assert overdue_titles(org.edu_liaison) == ["逾期测试0/教育局", "逾期测试2/教育局"]
    assert overdue_titles(org.health_liaison) == [f"逾期测试{i}/卫健委" for i in range(3)]
    assert overdue_titles(org.police_liaison) == []
    assert overdue_titles(org.duty) == sorted(
        ["逾期测试0/教育局", "逾期测试2/教育局"] + [f"逾期测试{i}/卫健委" for i in range(3)]
    )
    assert overdue_titles(org.duty, unit_ids=[org.edu.pk]) == ["逾期测试0/教育局", "逾期测试2/教育局"]
    assert overdue_titles(org.edu_liaison, unit_ids=[org.health.pk]) == []  # the unit filter never widens
    page = _client(org.edu_liaison).get("/tickets/?overdue=1").content.decode()
    assert "逾期测试0" in page and "逾期测试2" in page and "逾期测试1" not in page and "未到期" not in page


def test_a_tickets_deadlines_carry_the_tickets_unit(org, breaches):
    """The overdue set of a unit is read by the deadlines' unit (deadline_breached_open_unit): it is right only while
    every deadline of a ticket is the ticket's unit's, as the engine creates them."""
    deadlines = Deadline.objects.filter(ticket__isnull=False).select_related("ticket")
    assert deadlines.count() >= 8
    assert all(d.unit_id == d.ticket.unit_id for d in deadlines)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _incidents(org, reported_ats, title):
    """Incidents with their search terms, bulk-inserted (the services would take minutes for hundreds)."""
    terms = search.terms_from(title)
    rows = [
        Incident(
            title=title,
            reported_by=org.duty,
            first_seen_at=at,
            reported_at=at,
            search_terms=terms,
            status="reported",
        )
        for at in reported_ats
    ]
    return Incident.objects.bulk_create(rows, batch_size=500)


@pytest.fixture
def common_term(org):
    """A title found by 食堂饭菜, reported over four years: 60 items in the last 7 days (the first window), 60 within
    the year, 60 older, 10 sharing two instants (ties broken by id), and a title not found in between. Every third
    item went to 教育局, so its liaison sees a third of them."""
    now = timezone.now()
    recent = [now - timedelta(hours=2.5 * i) for i in range(60)]
    year = [now - timedelta(days=31 + 5 * i) for i in range(60)]
    old = [now - timedelta(days=400 + 20 * i) for i in range(60)]
    ties = [now - timedelta(days=3)] * 5 + [now - timedelta(days=200)] * 5
    found = _incidents(org, recent + year + old + ties, "网传某小学食堂饭菜变质")
    _incidents(org, recent[::3], "城关镇道路积水")
    Ticket.objects.bulk_create(
        Ticket(incident=i, unit=org.edu, role=TicketRole.LEAD, status="claimed", dispatched_at=i.reported_at)
        for i in found[::3]
    )
    return len(found)


def _plain(rows):
    """The unbounded search's rows as an ordinary list queryset in the list's order: what the pages showed before."""
    return Incident.objects.filter(pk__in=[i.pk for i in rows]).order_by("-reported_at", "-id")


def _page_view(page):
    return (
        [i.pk for i in page],
        page.number,
        page.has_next(),
        page.paginator.count,
        page.paginator.count_exact,
        page.paginator.num_pages,
    )


@pytest.mark.parametrize("cap", [50, 1000])
def test_a_common_term_gives_the_same_rows_in_the_same_order_on_every_page(org, common_term, monkeypatch, cap):
    """issue 16: reading the newest items first changes no row, order or count of any page (and of one past the
    end), for the office and a liaison, with the count capped ("50+") or exact."""
    monkeypatch.setattr(paging, "COUNT_CAP", cap)
    for user in (org.duty, org.edu_liaison):
        searched = selectors.incident_list(user, q="食堂饭菜")
        assert isinstance(searched, search.NewestFirstSearch)
        whole = list(searched.iterator())  # no slice: the whole search, as before
        assert len(whole) == (common_term if user == org.duty else len(range(0, common_term, 3)))
        plain = _plain(whole)
        for number in range(1, len(whole) // 25 + 3):
            assert _page_view(paging.bounded_page(searched, str(number))) == _page_view(
                paging.bounded_page(plain, str(number))
            ), (user, number)
    assert [i.title for i in selectors.incident_list(org.duty, q="积水")][:1] == ["城关镇道路积水"]


def test_the_first_page_of_a_common_term_reads_only_the_newest_window(org, common_term):
    """The first page's rows come from the last 7 days and its bounded count reads the matches in no order (no sort
    of every match); a page past what the window holds reads the whole search."""
    searched = selectors.incident_list(org.duty, q="食堂饭菜")
    recorder, later = Recorder(), Recorder()
    with time_machine.travel(timezone.now(), tick=False):
        windows = search.window_starts(timezone.now())
        with connection.execute_wrapper(recorder):
            first = paging.bounded_page(searched, "1", per_page=20)
        with connection.execute_wrapper(later):
            rows, more = paging.rows_and_next(searched, 3, 25)  # rows 51-76: the window holds 65
    assert len(first) == 20 and first.paginator.count_label == "190"
    assert [_window_of(sql, params, windows) for sql, params, *_ in recorder.statements] == [0, None]
    assert "ORDER BY" in recorder.statements[0][0] and "ORDER BY" not in recorder.statements[1][0]
    assert more and [_window_of(sql, params, windows) for sql, params, *_ in later.statements] == [0, None]
    assert [i.pk for i in rows] == [i.pk for i in _plain(list(searched.iterator()))[50:75]]


def _window_of(sql, params, windows):
    """Which window a statement read (its index in RECENT_WINDOWS), None for the whole search."""
    field = Incident._meta.get_field("reported_at")
    found = [i for i, since in enumerate(windows) if field.get_db_prep_value(since, connection) in params]
    assert len(found) <= 1, sql
    return found[0] if found else None


def test_a_one_off_slice_in_another_order_reads_the_whole_search(org, common_term):
    """Only slices in the list's newest-first order are read by windows; another order is the whole search."""
    searched = selectors.incident_list(org.duty, q="食堂饭菜")
    oldest = searched.order_by("reported_at", "id")[:3]
    assert [i.reported_at for i in oldest] == sorted(i.reported_at for i in searched.iterator())[:3]


# --- PostgreSQL's plans, on a few thousand rows ANALYZEd (the 1M measurements: bench/RESULTS-filters.md) ----------


def explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _rows_read(plan, table):
    """The most rows any node reading `table`'s rows returned (actual rows × loops), bitmap index scans aside."""
    most = 0
    for line in plan.splitlines():
        if f" on {table}" in line and "Bitmap Index Scan" not in line:
            found = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line)
            if found:
                most = max(most, int(found.group(1)) * int(found.group(2)))
    return most


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner (CI runs it)")
def test_overdue_is_a_hashed_set_not_a_probe_per_ticket(org):
    """issue 16 (917 ms at 1M): 教育局 has 3,000 tickets, none overdue, while 卫健委 has 3,000 overdue; the liaison's
    只看逾期 page and its count read 教育局's open breaches from deadline_breached_open_unit once, and probe no
    deadline per ticket."""
    bulk_rows.insert_incidents(org.duty, 6000, every="1 hour")
    bulk_rows.insert_lead_tickets(org.edu, org.health, every=2, status="dispatched")
    with connection.cursor() as cursor:
        # 教育局's claims met in time, 卫健委's breached and open; both have a met feedback deadline of old.
        cursor.execute(
            """
            INSERT INTO monitoring_deadline (kind, incident_id, ticket_id, unit_id, rule, explicit, started_at, due_at,
                original_due_at, calendar_confirmed, state, met_at, breached_at, created_at)
            SELECT d.kind, t.incident_id, t.id, t.unit_id, '{}', false, t.dispatched_at, t.dispatched_at + d.span,
                t.dispatched_at + d.span, true, d.state, d.met, NULL, t.dispatched_at
            FROM incidents_ticket t
            CROSS JOIN LATERAL (VALUES
                ('claim', interval '2 hours', CASE WHEN t.unit_id = %s THEN 'met' ELSE 'breached' END,
                 CASE WHEN t.unit_id = %s THEN t.dispatched_at + interval '1 hour' END),
                ('feedback', interval '3 days', 'breached', t.dispatched_at + interval '4 days')) AS d(kind, span, state, met)
            JOIN incidents_incident i ON i.id = t.incident_id AND i.title LIKE '批量%%'
            """,
            [org.edu.pk, org.edu.pk],
        )
        for table in ("incidents_incident", "incidents_ticket", "monitoring_deadline"):
            cursor.execute(f"ANALYZE {table}")
    assert Ticket.objects.filter(unit=org.edu).count() == 3000
    overdue = selectors.ticket_list(org.edu_liaison, overdue=True)
    assert not overdue.exists() and selectors.ticket_list(org.health_liaison, overdue=True).count() == 3000
    for name, qs in (("page", overdue[:26]), ("count", overdue[:1001])):
        sql, params = (qs.query if name == "page" else _count_query(qs)).sql_with_params()
        plan = explain(sql, params)
        assert "deadline_breached_open_unit" in plan, (name, plan)
        probes = [
            int(m.group(1))
            for line in plan.splitlines()
            if "on monitoring_deadline" in line
            for m in [re.search(r"loops=(\d+)", line)]
            if m
        ]
        assert probes and max(probes) == 1, (name, plan)  # read once, never per ticket
        walked = [int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan)]
        assert max(walked, default=0) < 100, (name, plan)  # 教育局's 3,000 tickets are not walked either


def _count_query(qs):
    """The statement of the bounded count (paging.bounded_count: qs[:cap + 1].count())."""
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        qs.count()
    (sql, params, *_rest) = recorder.statements[-1]

    class Recorded:
        def sql_with_params(self):
            return sql, params

    return Recorded()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner (CI runs it)")
def test_a_common_term_does_not_read_and_sort_every_match(org):
    """issue 16 (723 ms at 1M): 8,000 items over four years all hold 食堂饭菜; the first page of the office's search
    reads the last 7 days' items, its bounded count (1000+) reads the matches only up to the cap and sorts nothing,
    and no statement reads all 8,000; the rows are the whole search's first rows."""
    terms = search.terms_from("网传某小学食堂饭菜变质")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO incidents_incident (title, summary, category, location, first_seen_at, reported_at, views,
                comments, reposts, site_count, media_level, grade, grade_reason, is_historical, is_confidential,
                status, created_at, updated_at, reported_by_id, search_terms, version)
            SELECT CASE WHEN g %% 5 = 0 THEN '城关镇道路积水' ELSE '网传某小学食堂饭菜变质' END, '', 'other', '',
                now() - g * interval '3.5 hours', now() - g * interval '3.5 hours', 0, 0, 0, 0, '', 'IV', '', false,
                false, 'graded', now(), now(), %s, CASE WHEN g %% 5 = 0 THEN %s ELSE %s END, 0
            FROM generate_series(1, 10000) g
            """,
            [org.duty.pk, search.terms_from("城关镇道路积水"), terms],
        )
        cursor.execute("ANALYZE incidents_incident")
    searched = selectors.incident_list(org.duty, q="食堂饭菜")
    recorder = Recorder()
    with time_machine.travel(timezone.now(), tick=False):
        windows = search.window_starts(timezone.now())
        with connection.execute_wrapper(recorder):
            page = paging.bounded_page(searched, "1")
    assert page.paginator.count_label == "1000+" and page.has_next()
    assert [i.pk for i in page] == [i.pk for i in searched.iterator()][:25]
    assert [_window_of(sql, params, windows) for sql, params, *_ in recorder.statements] == [0, None]
    rows_plan, count_plan = (explain(sql, params) for sql, params, *_rest in recorder.statements)
    for plan in (rows_plan, count_plan):
        assert "JIT" not in plan, plan
        assert _rows_read(plan, "incidents_incident") < 2000, plan  # of 8,000 matches
    assert not re.search(r"->  Sort\b", count_plan), count_plan  # counted up to the cap, in no order
