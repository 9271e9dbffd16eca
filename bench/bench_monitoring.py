"""Benchmark (not a test) of issue 15's monitoring on PostgreSQL: keyword matching and the patrol slots at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yuqing_bench_g2 \\
        .venv/bin/python bench/bench_monitoring.py --keywords 10000 --items 20000 --slots 1000000 --units 20
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h15a \\
        .venv/bin/python bench/bench_monitoring.py --only slots --slots 1000000 --label "after, 1M"

(the database is created if missing; drop it when done.)

Keyword matching: `--keywords` phrases (2–6 CJK characters, drawn from the 3,500 common characters' block with a
fixed seed, a tenth of them with a unit, the rest over 50 risk topics) loaded through the ORM; then `--items`
titles-plus-summaries of 60–200 characters, a third of them holding a phrase, matched (a) by the cached automaton
alone, (b) by monitoring.matching.match (the version check, one query per item) and, for scale, (c) by the naive
`phrase in text` loop over a sample. Build time of the automaton included.

Patrol slots: with generate_series, `--slots` hourly patrol slots over `--units` watching units going back from
the current hour, each with its 巡查时限 (monitoring_deadline, kind patrol) and two steps (breach, escalate), and a
patrol record per slot (met on time; the 1M-record table the compliance page counts); the latest slot of every unit
is due and unpatrolled; after a load the daily figures are rebuilt (monitoring.patrol_days, timed). Then times
(p50/p95 over `--runs`) one timed-check sweep (which fires those breaches), the compliance selector over 1, 30, 92
and 365 days, county_compliance over a quarter, the compliance and patrol pages (test client, in-process),
current_slot overnight, the open-slot lookup of a patrol, a unit's records (first page, and keyset after the
1,000th oldest), one record_patrol and the planner's next 36 hours (both rolled back); each with its statements and
their time on the connection (bench/counting.py's Recorder), and EXPLAIN ANALYZE of the slowest statement (by server
time) of the measurements named by `--explain-labels`. A checkout without monitoring.patrol_days (the "before" run)
is measured the same where it can be. Results are appended to bench/RESULTS-monitoring.md. `--reuse` keeps the
loaded slots.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuqing.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yuqing_bench_g2")
# The pages are rendered in-process as in production (bench/bench_pages.py does the same).
os.environ.update(
    {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-key-not-secret-0123456789abcdefghijklmnop",
        "SECURE_SSL_REDIRECT": "0",
        "OTP_REQUIRED_ROLES": "",
        "PASSWORD_CHANGE_INITIAL": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }
)

from counting import Recorder, explain  # noqa: E402


def ensure_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Counter:
    """connection.execute_wrapper: counts the statements a block runs."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def measure(label, fn, results):
    from django.db import connection

    counter = Counter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - started
    results.append((label, elapsed, counter.n))
    print(f"{label}: {elapsed * 1000:.1f} ms, {counter.n} statements")
    return value


COMMON = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]


def phrases(n, rng):
    found = set()
    while len(found) < n:
        found.add("".join(rng.choice(COMMON) for _ in range(rng.randint(2, 6))))
    return sorted(found)


def bench_keywords(args, lines):
    from monitoring import matching
    from monitoring.models import Keyword, KeywordLibrary
    from org.models import Unit
    from reporting.models import RiskTopic

    rng = random.Random(15)
    unit = Unit.objects.filter(is_active=True).order_by("pk").first()
    Keyword.objects.filter(note="bench").delete()
    RiskTopic.objects.filter(name__startswith="bench topic ").delete()
    topics = [RiskTopic.objects.create(name=f"bench topic {i}", keywords="", unit=unit) for i in range(50)]
    words = phrases(args.keywords, rng)
    Keyword.objects.bulk_create(
        Keyword(
            phrase=w, topic=None if i % 10 == 0 else topics[i % 50], unit=unit if i % 10 == 0 else None, note="bench"
        )
        for i, w in enumerate(words)
    )
    KeywordLibrary.bump()  # bulk_create sends no post_save: bump as the admin's save would
    texts = []
    for i in range(args.items):
        body = "".join(rng.choice(COMMON) for _ in range(rng.randint(60, 200)))
        if i % 3 == 0:
            at = rng.randint(0, len(body))
            body = body[:at] + rng.choice(words) + body[at:]
        texts.append(body)
    results = []
    built = measure("build the automaton (10,000 keywords, cold)", matching.matcher, results)
    assert built.size == args.keywords, built.size
    m = matching.matcher()
    started = time.perf_counter()
    hits = sum(1 for t in texts if m.match(t))
    cached = time.perf_counter() - started
    counter = Counter()
    from django.db import connection

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        for t in texts:
            matching.match(t)
        full = time.perf_counter() - started
    sample = texts[:200]
    started = time.perf_counter()
    for t in sample:
        [w for w in words if w in t]
    naive = (time.perf_counter() - started) / len(sample) * len(texts)
    lines += [
        f"## Keyword matching: {args.keywords:,} keywords, {args.items:,} items of 60–200 characters\n",
        f"- automaton built (cold, from the database): {results[0][1] * 1000:.0f} ms, {results[0][2]} statements",
        f"- cached automaton alone: {args.items / cached:,.0f} items/s ({hits:,} items matched)",
        f"- monitoring.matching.match (with the version check): {args.items / full:,.0f} items/s, "
        f"{counter.n / args.items:.1f} statement per item",
        f"- for scale, `phrase in text` over every keyword: {args.items / naive:,.0f} items/s (from {len(sample)} items)",
        "",
    ]
    Keyword.objects.filter(note="bench").delete()
    RiskTopic.objects.filter(name__startswith="bench topic ").delete()


LOAD_SQL = """
INSERT INTO monitoring_deadline (kind, incident_id, ticket_id, unit_id, rule, explicit, started_at, due_at,
    original_due_at, calendar_confirmed, state, met_at, created_at)
SELECT 'patrol', NULL, NULL, u.id,
    '{"policy": "巡查时限", "duration": "", "reminder_leads": "", "escalate_after": "60m", "channels": "inbox"}',
    false, s.t, s.t + interval '1 hour', s.t + interval '1 hour', true,
    CASE WHEN s.k = 0 THEN 'pending' ELSE 'met' END,
    CASE WHEN s.k = 0 THEN NULL ELSE s.t + interval '10 minutes' END, s.t
FROM (SELECT g, (g - 1) %% %(units)s AS ui, (g - 1) / %(units)s AS k,
             date_trunc('hour', now()) - ((g - 1) / %(units)s + 1) * interval '1 hour' AS t
      FROM generate_series(1, %(n)s) g) s
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS ui FROM incidents_unit WHERE code LIKE 'benchwatch%%') u
  ON u.ui = s.ui
ORDER BY s.g;

INSERT INTO monitoring_deadlinestep (deadline_id, step, fire_at, state, outcome, attempts, error)
SELECT d.id, s.step, d.due_at + s.offs, CASE WHEN d.state = 'pending' THEN 'pending' ELSE 'cancelled' END,
    CASE WHEN d.state = 'pending' THEN '' ELSE 'met' END, 0, ''
FROM monitoring_deadline d
CROSS JOIN (VALUES ('breach', interval '0'), ('escalate', interval '60 minutes')) AS s(step, offs)
WHERE d.kind = 'patrol';

INSERT INTO monitoring_patrolrecord (unit_id, officer_id, patrolled_at, found, findings, recorded_at)
SELECT d.unit_id, %(user)s, d.started_at + interval '10 minutes', d.id %% 50 = 0, '', d.started_at + interval '10 minutes'
FROM monitoring_deadline d WHERE d.kind = 'patrol' AND d.state = 'met' ORDER BY d.id;

INSERT INTO monitoring_patrolslot (unit_id, starts_at, due_at, kind, deadline_id, record_id)
SELECT d.unit_id, d.started_at, d.due_at, 'office', d.id, r.id
FROM monitoring_deadline d
LEFT JOIN monitoring_patrolrecord r ON r.unit_id = d.unit_id AND r.patrolled_at = d.started_at + interval '10 minutes'
WHERE d.kind = 'patrol';
ANALYZE;
"""


def load_slots(args, user):
    from django.db import connection

    from monitoring.models import Site
    from org.models import Unit

    root = Unit.objects.order_by("pk").first()
    for i in range(args.units):
        unit, _ = Unit.objects.get_or_create(
            code=f"benchwatch{i:03d}",
            defaults={"name": f"监测单位{i:03d}", "parent": root, "path": f"{root.path}benchwatch{i:03d}/"},
        )
        Site.objects.get_or_create(name=f"论坛{i:03d}", unit=unit, defaults={"kind": Site.Kind.FORUM})
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE monitoring_patrolslot, monitoring_patrolrecord_sites, monitoring_patrolrecord, "
            "monitoring_notification, monitoring_deadlinestep, monitoring_deadline RESTART IDENTITY CASCADE"
        )
        started = time.perf_counter()
        for statement in LOAD_SQL.split(";\n"):
            if statement.strip():
                cursor.execute(statement, {"n": args.slots, "units": args.units, "user": user.pk})
        print(f"loaded {args.slots:,} slots in {time.perf_counter() - started:.1f}s")


def timed(label, fn, results, runs=1, rollback=False):
    """Run fn `runs` times (each in a rolled-back transaction when `rollback`), recording every statement with
    bench/counting.py's Recorder. Keeps p50/p95 of the wall time, the statements of one run and their database time
    (the SQL floor: what the run cannot go below however fast the Python), and the run's slowest SELECT."""
    from django.db import connection, transaction

    times, recorder, value = [], None, None
    for _ in range(runs):
        rec = Recorder()
        with connection.execute_wrapper(rec):
            started = time.perf_counter()
            if rollback:
                with transaction.atomic():
                    value = fn()
                    transaction.set_rollback(True)
            else:
                value = fn()
            times.append(time.perf_counter() - started)
        recorder = rec
    times.sort()
    p50 = times[len(times) // 2]
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    sql = sum(s[3] for s in recorder.statements)
    selects = [
        st for st in recorder.statements if st[0].lstrip().upper().startswith("SELECT") and "monitoring_" in st[0]
    ]
    results.append((label, p50, p95, runs, len(recorder), sql, selects))
    print(
        f"{label}: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, {len(recorder)} statements, SQL {sql * 1000:.1f} ms"
    )
    return value


def bench_slots(args, lines, user, office):
    from datetime import timedelta

    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from deadlines.sweep import run_timed_checks
    from monitoring import selectors
    from monitoring.models import PatrolRecord, PatrolSlot, Site
    from monitoring.planning import plan_patrol_slots
    from monitoring.services.patrols import record_patrol

    try:
        from monitoring import patrol_days
    except ImportError:  # the code before issue 15's daily figures (the "before" run)
        patrol_days = None
    loaded = False
    if not args.reuse or PatrolSlot.objects.count() != args.slots:
        load_slots(args, user)
        loaded = True
    results = []
    if patrol_days is not None and loaded:
        with transaction.atomic():
            timed(
                "rebuild of the daily figures (rebuild_patrol_days, once after the bulk load)",
                patrol_days.rebuild,
                results,
            )
    now = timezone.now()
    unit = PatrolSlot.objects.order_by("-starts_at").first().unit
    site = Site.objects.filter(unit=unit).first()
    fired = timed(
        "one timed-check sweep (the latest slot of every unit past due)",
        lambda: run_timed_checks(now),
        results,
        rollback=True,
    )
    runs = args.runs
    for days in (1, 30, 92, 365):
        timed(
            f"compliance selector (page), last {days} days",
            lambda days=days: selectors.compliance(office, now - timedelta(days=days), now),
            results,
            runs,
        )
    timed(
        "county_compliance for the 季度通报 (92 days)",
        lambda: selectors.county_compliance(now - timedelta(days=92), now, now),
        results,
        runs,
    )
    client = Client()
    client.force_login(office)
    today = timezone.localdate(now)
    for days in (30, 365):
        frm = today - timedelta(days=days - 1)

        def page(frm=frm):
            response = client.get("/monitoring/compliance/", {"from": f"{frm}", "to": f"{today}"})
            assert response.status_code == 200, response.status_code

        timed(f"GET /monitoring/compliance/ ({days} days, office)", page, results, runs)

    def patrol_page():
        response = client.get("/monitoring/patrol/", {"unit": unit.pk})
        assert response.status_code == 200, response.status_code

    timed("GET /monitoring/patrol/ (office)", patrol_page, results, runs)
    timed("current slot of a unit (no window open now)", lambda: selectors.current_slot(unit, now), results, runs)
    timed("open slots a patrol meets (one unit)", lambda: selectors.open_slot_deadline_ids(unit, now), results, runs)
    if hasattr(selectors, "records_page"):
        timed("records_page, first page (20)", lambda: selectors.records_page(office, unit), results, runs)
        deep = PatrolRecord.objects.filter(unit=unit).order_by("patrolled_at", "id")[1000]
        cursor = selectors._cursor(deep)
        timed(
            "records_page, the page after the 1,000th oldest record (keyset)",
            lambda: selectors.records_page(office, unit, after=cursor),
            results,
            runs,
        )
    else:
        timed(
            "recent_records (patrol page's list, 5)", lambda: selectors.recent_records(office, unit, 5), results, runs
        )

    def patrol():
        from django.utils import timezone as tz

        return record_patrol(office, unit=unit, sites=[site], patrolled_at=tz.now())

    timed("record_patrol, one patrol (rolled back)", patrol, results, 5, rollback=True)
    made = timed(
        "planner, next 36 hours for every unit (rolled back)", lambda: plan_patrol_slots(now), results, 3, rollback=True
    )
    lines_before = len(lines)
    report_slots(args, lines, results, made, PatrolSlot.objects.count(), PatrolRecord.objects.count())
    lines.insert(lines_before + 4 + len(results), f"(the sweep fired {len(fired)} steps)")


def report_slots(args, lines, results, made, slots, records):
    from django.db import connection, transaction

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(
        f"## Patrol slots: {slots:,} slots, {records:,} patrol records, {args.units} units ({args.label}; "
        f"load average at the end {load})\n"
    )
    lines += [
        "| measurement | runs | p50 ms | p95 ms | statements | SQL floor ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, p50, p95, n, statements, sql, _ in results:
        lines.append(f"| {label} | {n} | {p50 * 1000:,.1f} | {p95 * 1000:,.1f} | {statements:,} | {sql * 1000:,.1f} |")
    lines += [f"\n(the planner created {len(made)} slots)", ""]
    # The plan of each measurement's slowest statement by the server's own execution time (EXPLAIN ANALYZE of
    # every SELECT it sent on the monitoring tables): wall times on this shared machine are mostly waiting for a CPU.
    for label, *_, selects in results:
        if not any(key in label for key in args.explain_labels) or not selects:
            continue
        plans = []
        for sql, params, *_ in selects:
            try:
                with transaction.atomic():
                    plan = explain(connection, sql, params)
                    transaction.set_rollback(True)
            except Exception as exc:  # noqa: BLE001 - a plan that cannot be re-run is reported, not fatal
                plan = f"Execution Time: 0 (EXPLAIN failed: {exc})"
            took = float(plan.rsplit("Execution Time: ", 1)[-1].split()[0])
            plans.append((took, sql, plan))
        took, sql, plan = max(plans, key=lambda p: p[0])
        lines += [
            f'Slowest statement of "{label}" by server time ({took:.2f} ms of {len(selects)} SELECTs):',
            "",
            "```",
            sql[:400] + (" …" if len(sql) > 400 else ""),
            "",
            "\n".join(row for row in plan.splitlines() if "Buffers:" not in row),
            "```",
            "",
        ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keywords", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--slots", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded slots if present")
    parser.add_argument("--only", choices=["keywords", "slots"])
    parser.add_argument("--runs", type=int, default=20, help="runs of each read, for p50/p95")
    parser.add_argument(
        "--explain-labels",
        nargs="*",
        default=["365 days", "GET /monitoring/patrol/", "current slot", "1,000th", "record_patrol", "planner"],
        help="measurements (label substrings) whose slowest statement is EXPLAINed",
    )
    parser.add_argument("--label", default="", help="e.g. before / after, written in the heading")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from demo.incidents import ensure_units, ensure_users

    call_command("migrate", verbosity=0)
    units = ensure_units()
    users = ensure_users(units)
    lines = [f"# Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"]
    if args.only in (None, "keywords"):
        bench_keywords(args, lines)
    if args.only in (None, "slots"):
        bench_slots(args, lines, users["duty"], users["duty"])
    report = "\n".join(lines)
    print(report)
    with open(ROOT / "bench" / "RESULTS-monitoring.md", "a") as fh:
        fh.write(report + "\n")


if __name__ == "__main__":
    main()
