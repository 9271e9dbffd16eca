"""Benchmark (not a test): one full timed-check pass over a large PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yuqing_bench .venv/bin/python bench/bench_timed_checks.py \
        --incidents 1000000 --due 1000

Loads N open incidents, each with a dispatched ticket, a pending claim deadline and its three steps
(reminder, breach, escalation), of which `--due` are due now; then times one sweep, counts its
queries and prints the plan of the due-steps query. Run it at two sizes to see that the time does
not grow with the number of open incidents that are not due. Results go to bench/RESULTS-timed-checks.md.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuqing.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yuqing_bench")


def ensure_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


LOAD_SQL = """
INSERT INTO incidents_incident (title, summary, category, location, first_seen_at, reported_at, views, comments,
    reposts, site_count, media_level, grade, grade_reason, is_historical, is_confidential, status, created_at,
    updated_at, subject_unit_id, reported_by_id)
SELECT 'bench ' || g, '', 'other', '', now() - interval '1 day', now() - interval '1 day', 0, 0, 0, 0, '', 'IV', '',
    false, false, 'dispatched', now(), now(), %(unit)s, %(user)s
FROM generate_series(1, %(n)s) g;

INSERT INTO incidents_ticket (incident_id, unit_id, role, status, instructions, dispatched_at, designated,
    return_reason)
SELECT id, %(unit)s, 'lead', 'dispatched', '', now() - interval '1 day', false, '' FROM incidents_incident
WHERE title LIKE 'bench %%';

-- `due` deadlines are past due now; every other one is due a week from now.
INSERT INTO monitoring_deadline (kind, incident_id, ticket_id, unit_id, rule, explicit, started_at, due_at,
    original_due_at, calendar_confirmed, state, created_at)
SELECT 'claim', t.incident_id, t.id, t.unit_id,
    '{"policy": "bench", "duration": "2h", "reminder_leads": "30m", "escalate_after": "2h", "channels": "inbox"}',
    false, now() - interval '1 day',
    CASE WHEN t.id %% (%(n)s / %(due)s) = 0 THEN now() - interval '1 minute' ELSE now() + interval '7 days' END,
    CASE WHEN t.id %% (%(n)s / %(due)s) = 0 THEN now() - interval '1 minute' ELSE now() + interval '7 days' END,
    true, 'pending', now()
FROM incidents_ticket t;

INSERT INTO monitoring_deadlinestep (deadline_id, step, fire_at, state, outcome)
SELECT d.id, s.step, d.due_at + s.offs, 'pending', ''
FROM monitoring_deadline d
CROSS JOIN (VALUES ('reminder:30m', interval '-30 minutes'), ('breach', interval '0'),
                   ('escalate', interval '2 hours')) AS s(step, offs);
ANALYZE;
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data if present")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from deadlines.sweep import due_steps, run_timed_checks
    from demo.incidents import ensure_units, ensure_users
    from incidents.models import Incident

    call_command("migrate", verbosity=0)
    units = ensure_units()
    users = ensure_users(units)
    loaded = Incident.objects.filter(title__startswith="bench ").count()
    if loaded != args.incidents or not args.reuse:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE monitoring_notification, monitoring_deadlinestep, monitoring_deadline, "
                "incidents_ticket, incidents_incident RESTART IDENTITY CASCADE"
            )
            started = time.perf_counter()
            for statement in LOAD_SQL.split(";\n"):
                if statement.strip():
                    cursor.execute(
                        statement,
                        {"n": args.incidents, "due": args.due, "unit": units["education"].pk, "user": users["duty"].pk},
                    )
            print(f"loaded {args.incidents:,} incidents in {time.perf_counter() - started:.1f}s")

    now = timezone.now()
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        plan_sql, params = (
            due_steps(now).select_for_update(skip_locked=True, of=("self",))[:200].query.sql_with_params()
        )
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + plan_sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        fired = run_timed_checks(now)
        elapsed = time.perf_counter() - started
    report = (
        f"## {args.incidents:,} open incidents, {args.due:,} due\n\n"
        f"- one full timed-check pass: {elapsed:.2f} s, {len(fired):,} steps fired, {len(queries):,} queries "
        f"({len(queries) / max(len(fired), 1):.1f} per step)\n\n"
        f"Plan of the due-steps query:\n\n```\n{plan}\n```\n"
    )
    print(report)
    with open(ROOT / "bench" / "RESULTS-timed-checks.md", "a") as fh:
        fh.write(report + "\n")


if __name__ == "__main__":
    main()
