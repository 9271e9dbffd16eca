"""Benchmark (not a test): the daily roll-up and the quarterly unit assessment over a large PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yuqing_bench_reporting \\
        .venv/bin/python bench/bench_reporting.py --history 1000000 --day 10000 --units 1000

Loads, with generate_series SQL: `--units` handling units; `--history` closed incidents spread over the three
years before the current quarter, each with a closed ticket, a met claim deadline and a source link; the
current quarter up to the last 17:00 cut-off (about `--per-day` items a day) and, in the 24 hours before that
cut-off, `--day` new items; every quarter/day item has a ticket to one of the units (round robin) with claim
and feedback deadlines, some met late, some unclaimed or overdue, some designated or returned; plus extension
requests, 督报 and 通报批评 in the quarter. Then times `reporting.daily.compile_daily_content` over the day and
`reporting.assessment.assess_units` over the quarter (cold and warm), counts their queries and EXPLAINs each
query. Results are appended to bench/RESULTS-reporting.md. `--reuse` keeps loaded data.
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from counting import Recorder  # noqa: E402
from counting import explain as explain_params  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuqing.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yuqing_bench_reporting")

BIG_TABLES = ("incidents_incident", "incidents_ticket", "monitoring_deadline", "incidents_sourcelink")


def ensure_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


UNITS_SQL = """
INSERT INTO incidents_unit (name, code, kind, path, is_office, jurisdiction_keywords, is_active, sort_order, parent_id)
SELECT '单位' || lpad(g::text, 4, '0'), 'bu' || lpad(g::text, 4, '0'), 'department',
       %(root_path)s || 'bu' || lpad(g::text, 4, '0') || '/', false, '', true, 1000 + g, %(root)s
FROM generate_series(1, %(units)s) g
"""

# One set of incidents: n items evenly over [t0, t0 + span seconds).
INCIDENTS_SQL = """
INSERT INTO incidents_incident (title, summary, category, location, first_seen_at, reported_at, views, comments,
    reposts, site_count, media_level, grade, graded_at, grade_reason, is_historical, is_confidential, status,
    closed_at, created_at, updated_at, search_terms, version, reported_by_id)
SELECT %(prefix)s || g, '网民反映的问题摘要', (ARRAY['policy','livelihood','emergency','conduct','rumour','safety','other'])[1 + g %% 7],
    '', t, t, (g::bigint * 7919) %% 50000, g %% 300, g %% 100, g %% 20, '',
    CASE WHEN %(closed)s THEN 'IV' WHEN g %% 100 = 0 THEN 'I' WHEN g %% 50 = 1 THEN 'II' WHEN g %% 10 = 2 THEN 'III'
         WHEN g %% 10 = 3 THEN '' ELSE 'IV' END,
    t + interval '20 minutes', '', false, false,
    CASE WHEN %(closed)s THEN 'closed' WHEN g %% 10 = 3 THEN 'reported' WHEN g %% 20 = 4 THEN 'dismissed' ELSE 'dispatched' END,
    CASE WHEN %(closed)s THEN t + interval '4 days' END, t, t, '', 1, %(user)s
FROM (SELECT g, %(t0)s::timestamptz + (g - 1) * (%(span)s::float8 / %(n)s) * interval '1 second' AS t
      FROM generate_series(1, %(n)s) g) s
"""

TICKETS_SQL = """
INSERT INTO incidents_ticket (incident_id, unit_id, role, status, instructions, dispatched_at, claimed_at, designated,
    return_reason, returned_at, feedback_at, closed_at, dispatched_by_id)
SELECT i.id, u.ids[1 + i.id %% u.n], 'lead',
    CASE WHEN %(closed)s THEN 'closed' WHEN i.id %% 100 = 3 THEN 'returned' WHEN i.id %% 10 = 1 THEN 'dispatched'
         WHEN i.id %% 4 = 0 THEN 'feedback_submitted' ELSE 'claimed' END,
    '', i.reported_at + interval '30 minutes',
    CASE WHEN %(closed)s THEN i.reported_at + interval '50 minutes' WHEN i.id %% 100 = 3 OR i.id %% 10 = 1 THEN NULL
         WHEN i.id %% 10 = 0 THEN i.reported_at + interval '4 hours' ELSE i.reported_at + interval '50 minutes' END,
    NOT %(closed)s AND i.id %% 50 = 2, '',
    CASE WHEN NOT %(closed)s AND i.id %% 100 = 3 THEN i.reported_at + interval '1 hour' END,
    CASE WHEN %(closed)s OR (i.id %% 4 = 0 AND i.id %% 100 <> 3 AND i.id %% 10 <> 1) THEN i.reported_at + interval '2 days' END,
    CASE WHEN %(closed)s THEN i.reported_at + interval '4 days' END, %(user)s
FROM incidents_incident i, (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM incidents_unit WHERE code LIKE 'bu%%') u
WHERE i.id > %(lo)s AND i.id <= %(hi)s AND i.status NOT IN ('reported', 'dismissed')
"""

DEADLINES_SQL = """
INSERT INTO monitoring_deadline (kind, incident_id, ticket_id, unit_id, rule, explicit, started_at, due_at,
    original_due_at, calendar_confirmed, state, met_at, breached_at, created_at)
SELECT d.kind, t.incident_id, t.id, t.unit_id, '{"policy": "bench"}', false, t.dispatched_at, d.due, d.due, true,
    CASE WHEN t.status IN ('returned') THEN 'cancelled'
         WHEN d.met IS NOT NULL THEN CASE WHEN d.met <= d.due THEN 'met' ELSE 'breached' END
         WHEN d.due <= %(now)s THEN 'breached' ELSE 'pending' END,
    CASE WHEN t.status <> 'returned' THEN d.met END,
    CASE WHEN t.status <> 'returned' AND (d.met > d.due OR (d.met IS NULL AND d.due <= %(now)s)) THEN d.due END,
    t.dispatched_at
FROM incidents_ticket t
CROSS JOIN LATERAL (VALUES ('claim', t.dispatched_at + interval '2 hours', t.claimed_at),
                           ('feedback', t.dispatched_at + interval '3 days', t.feedback_at)) AS d(kind, due, met)
WHERE t.id > %(lo)s AND t.id <= %(hi)s AND (NOT %(closed)s OR d.kind = 'claim')
"""

LINKS_SQL = """
INSERT INTO incidents_sourcelink (incident_id, platform, url, first_seen_at)
SELECT id, (ARRAY['微博','抖音','微信公众号','今日头条','本地论坛'])[1 + id %% 5], 'https://example.org/p/' || id, reported_at
FROM incidents_incident WHERE id > %(lo)s AND id <= %(hi)s
"""

EXTRAS_SQL = """
INSERT INTO monitoring_extensionrequest (ticket_id, deadline_id, requested_by_id, requested_at, requested_due_at, reason,
    state, decision_note)
SELECT t.id, d.id, %(user)s, t.claimed_at + interval '1 hour', d.due_at + interval '3 days', '需补充材料', 'pending', ''
FROM incidents_ticket t JOIN monitoring_deadline d ON d.ticket_id = t.id AND d.kind = 'feedback'
WHERE t.id > %(lo)s AND t.id %% 200 = 5 AND t.claimed_at IS NOT NULL;

INSERT INTO reporting_criticism (unit_id, cause, reason, recorded_at, recorded_by_id)
SELECT u.ids[1 + (g * 37) %% u.n], 'late', '反馈不及时', %(q0)s::timestamptz + g * interval '3 hours', %(user)s
FROM generate_series(1, 300) g, (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM incidents_unit WHERE code LIKE 'bu%%') u;

INSERT INTO reporting_report (kind, title, status, content, created_at, issued_at, unit_id, due_at, doc_number,
    recall_reason)
SELECT 'supervision', '舆情督报', 'issued', '{}', %(q0)s::timestamptz + g * interval '2 hours',
    %(q0)s::timestamptz + g * interval '2 hours', u.ids[1 + (g * 13) %% u.n], %(q0)s::timestamptz + g * interval '2 hours' + interval '3 days',
    '', ''
FROM generate_series(1, 500) g, (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM incidents_unit WHERE code LIKE 'bu%%') u
"""


# The 日报's SQL floor: the same figures by hand, one statement each (period counts by grade/status/dispatched, the
# platforms of the period's items, the items of note, open incidents and tickets by status, overdue by unit), run
# alternating with compile_daily_content; yuqing/floor is the ratio issue 16 asks for (goal ≤ 1.5×).
DAILY_FLOOR_SQL = [
    """SELECT i.grade, i.status, EXISTS (SELECT 1 FROM incidents_ticket t WHERE t.incident_id = i.id), count(*)
       FROM incidents_incident i WHERE i.reported_at >= %(start)s AND i.reported_at < %(end)s AND i.status <> 'merged'
       GROUP BY 1, 2, 3""",
    """SELECT l.platform, count(DISTINCT l.incident_id) FROM incidents_incident i
       JOIN incidents_sourcelink l ON l.incident_id = i.id
       WHERE i.reported_at >= %(start)s AND i.reported_at < %(end)s AND i.status <> 'merged' GROUP BY 1""",
    """(SELECT id, title, summary, views FROM incidents_incident WHERE reported_at >= %(start)s
        AND reported_at < %(end)s AND status <> 'merged' AND grade IN ('I', 'II', 'III')
        ORDER BY grade, views DESC, id LIMIT 30)
       UNION ALL
       (SELECT id, title, summary, views FROM incidents_incident WHERE reported_at >= %(start)s
        AND reported_at < %(end)s AND status <> 'merged' AND grade NOT IN ('I', 'II', 'III')
        ORDER BY views DESC, id LIMIT 5)""",
    """SELECT status, count(*) FROM incidents_incident
       WHERE status IN ('reported', 'graded', 'dispatched', 'in_progress', 'under_review', 'reopened', 'returned')
       GROUP BY 1""",
    """SELECT status, count(*) FROM incidents_ticket
       WHERE status IN ('dispatched', 'claimed', 'in_progress', 'feedback_submitted') GROUP BY 1""",
    """SELECT unit_id, count(*), count(DISTINCT incident_id) FROM monitoring_deadline
       WHERE state = 'breached' AND met_at IS NULL AND incident_id IS NOT NULL GROUP BY 1""",
]


def daily_floor(start, end):
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in DAILY_FLOOR_SQL:
            cursor.execute(sql, {"start": start, "end": end})
            cursor.fetchall()


def alternate(ours, floor, rounds=5):
    """yuqing and the floor alternating, `rounds` times each, after one warm-up of each: (ours, floor) lists of s."""
    ours(), floor()
    times = ([], [])
    for _ in range(rounds):
        for call, out in ((ours, times[0]), (floor, times[1])):
            started = time.perf_counter()
            call()
            out.append(time.perf_counter() - started)
    return times


def max_id(cursor, table):
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    return cursor.fetchone()[0]


def load_set(cursor, *, prefix, n, t0, span, closed, user, now, links):
    """Incidents, their tickets and deadlines (and source links) for one slice of time."""
    lo = max_id(cursor, "incidents_incident")
    cursor.execute(INCIDENTS_SQL, {"prefix": prefix, "n": n, "t0": t0, "span": span, "closed": closed, "user": user})
    hi = max_id(cursor, "incidents_incident")
    t_lo = max_id(cursor, "incidents_ticket")
    cursor.execute(TICKETS_SQL, {"lo": lo, "hi": hi, "closed": closed, "user": user})
    t_hi = max_id(cursor, "incidents_ticket")
    cursor.execute(DEADLINES_SQL, {"lo": t_lo, "hi": t_hi, "closed": closed, "now": now})
    if links:
        cursor.execute(LINKS_SQL, {"lo": lo, "hi": hi})
    return t_lo


def load(args, cutoff, quarter_start):
    from django.db import connection

    from demo.incidents import ensure_units, ensure_users
    from org.models import Unit

    units = ensure_units()
    user = ensure_users(units)["duty"].pk
    root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reporting_reportversion, reporting_report, reporting_criticism, monitoring_extensionrequest, "
            "monitoring_notification, monitoring_deadlinestep, monitoring_deadline, incidents_sourcelink, "
            "incidents_ticket, incidents_incident RESTART IDENTITY CASCADE"
        )
        cursor.execute("DELETE FROM incidents_unit WHERE code LIKE 'bu%%'")
        cursor.execute(UNITS_SQL, {"root": root.pk, "root_path": root.path, "units": args.units})
        started = time.perf_counter()
        history_start = quarter_start - datetime.timedelta(days=3 * 365)
        span = (quarter_start - history_start).total_seconds()
        load_set(
            cursor,
            prefix="hist ",
            n=args.history,
            t0=history_start,
            span=span,
            closed=True,
            user=user,
            now=cutoff,
            links=True,
        )
        print(f"history: {args.history:,} incidents in {time.perf_counter() - started:.0f}s", flush=True)
        day_start = cutoff - datetime.timedelta(hours=24)
        quarter_days = (day_start - quarter_start).total_seconds() / 86400
        quarter_n = int(args.per_day * quarter_days)
        first_quarter_ticket = load_set(
            cursor,
            prefix="qtr ",
            n=quarter_n,
            t0=quarter_start,
            span=(day_start - quarter_start).total_seconds(),
            closed=False,
            user=user,
            now=cutoff,
            links=True,
        )
        load_set(
            cursor, prefix="day ", n=args.day, t0=day_start, span=86400, closed=False, user=user, now=cutoff, links=True
        )
        for statement in EXTRAS_SQL.split(";\n"):
            cursor.execute(statement, {"lo": first_quarter_ticket, "user": user, "q0": quarter_start})
        cursor.execute("ANALYZE")
        print(
            f"loaded in {time.perf_counter() - started:.0f}s: {quarter_n:,} quarter items before the day, "
            f"{args.day:,} in the day",
            flush=True,
        )


def explain(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(label, call):
    """Cold then warm run; the warm run's statements (every one: connection.execute_wrapper, never Django's query
    log, which stops at 9,000) are EXPLAINed one by one."""
    from django.db import connection

    started = time.perf_counter()
    call()
    cold = time.perf_counter() - started
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        started = time.perf_counter()
        call()
        warm = time.perf_counter() - started
    rows, plans = [], []
    for n, (sql, params, _many, _seconds) in enumerate(recorder.statements, start=1):
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        plan = explain_params(connection, sql, params)
        ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
        seq = sorted({t for t in BIG_TABLES if re.search(rf"Seq Scan on {t}\b", plan)})
        rows.append((n, ms, ", ".join(seq) or "—", " ".join(sql.split())[:110].replace("|", "\\|")))
        plans.append((ms, n, plan))
    return {"label": label, "cold": cold, "warm": warm, "queries": len(recorder), "rows": rows, "plans": plans}


def markdown(result, top=2):
    lines = [
        f"### {result['label']}",
        "",
        f"- cold {result['cold']:.2f} s, warm {result['warm']:.2f} s, **{result['queries']} queries**",
        "",
        "| # | ms (EXPLAIN ANALYZE) | seq scan on a large table | query |",
        "|---|---|---|---|",
        *[f"| {n} | {ms:.1f} | {seq} | `{sql}…` |" for n, ms, seq, sql in result["rows"]],
        "",
    ]
    for ms, n, plan in sorted(result["plans"], reverse=True)[:top]:
        lines += [f"Plan of query {n} ({ms:.1f} ms):", "", "```", plan, "```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--day", type=int, default=10_000)
    parser.add_argument("--per-day", type=int, default=1_000, help="items a day over the quarter before the day")
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data if present")
    parser.add_argument("--note", default="", help="a line for the results (e.g. which indexes exist)")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from incidents.models import Incident
    from reporting.assessment import assess_units, quarter_of
    from reporting.daily import compile_daily_content, latest_cutoff

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    now = timezone.now()
    cutoff = latest_cutoff(now, datetime.time(17, 0))
    quarter_start, quarter_end = quarter_of(timezone.localdate(cutoff))
    if not (args.reuse and Incident.objects.filter(title__startswith="day ").exists()):
        load(args, cutoff, quarter_start)

    day = measure(
        f"Daily roll-up: compile_daily_content over the {args.day:,} items of the 24 h before {cutoff:%Y-%m-%d %H:%M}",
        lambda: compile_daily_content(cutoff - datetime.timedelta(hours=24), cutoff),
    )
    quarter = measure(
        f"Quarterly assessment: assess_units over {args.units:,} units, {quarter_start:%Y-%m-%d} to {quarter_end:%Y-%m-%d}",
        lambda: assess_units(quarter_start, quarter_end, now=now),
    )
    from incidents.models import SourceLink, Ticket

    start = cutoff - datetime.timedelta(hours=24)
    ours, floor = alternate(lambda: compile_daily_content(start, cutoff), lambda: daily_floor(start, cutoff))
    floor_lines = [
        "#### 日报 against its SQL floor (DAILY_FLOOR_SQL), alternating, 5 rounds after a warm-up of each",
        "",
        "| | min | median |",
        "|---|---|---|",
        f"| yuqing compile_daily_content | {min(ours):.3f} s | {statistics.median(ours):.3f} s |",
        f"| SQL floor | {min(floor):.3f} s | {statistics.median(floor):.3f} s |",
        f"| yuqing/floor | {min(ours) / min(floor):.2f}× | {statistics.median(ours) / statistics.median(floor):.2f}× |",
        "",
    ]
    counts = (
        f"{Incident.objects.count():,} incidents, {Ticket.objects.count():,} tickets, "
        f"{SourceLink.objects.count():,} source links in the database"
    )
    report = "\n".join(
        [
            f"## {args.history:,} historical incidents, {args.day:,} items in the day, {args.units:,} units "
            f"({timezone.localtime(now):%Y-%m-%d %H:%M})",
            "",
            f"{counts}. {args.note}".strip(),
            "",
            markdown(day),
            *floor_lines,
            markdown(quarter),
        ]
    )
    print(report)
    with open(ROOT / "bench" / "RESULTS-reporting.md", "a") as fh:
        fh.write(report + "\n")


if __name__ == "__main__":
    main()
