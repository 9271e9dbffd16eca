"""Benchmark (not a test): one full timed-check pass over a large PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yuqing_bench .venv/bin/python bench/bench_timed_checks.py \
        --incidents 1000000 --due 1000

Loads N open incidents, each with a dispatched ticket, a pending claim deadline and its three steps
(reminder, breach, escalation), of which `--due` are due now; then times one sweep, counts its
statements (connection.execute_wrapper: every statement, never Django's query log, which stops at 9,000) and
prints the plan of the due-steps query. The SQL floor (FLOOR_SQL: one statement that locks the due steps, breaches
their deadlines, marks the tickets, inserts the notices and audit rows and marks the steps fired) runs on the
same data in the same run, alternating with yuqing's pass, `--rounds` times; min and median of each and the ratio
yuqing/floor go to bench/RESULTS-timed-checks.md, with EXPLAIN ANALYZE of yuqing's slowest SELECTs.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from counting import Recorder, explain  # noqa: E402

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
    updated_at, subject_unit_id, reported_by_id, search_terms, version)
SELECT 'bench ' || g, '', 'other', '', now() - interval '1 day', now() - interval '1 day', 0, 0, 0, 0, '', 'IV', '',
    false, false, 'dispatched', now(), now(), %(unit)s, %(user)s, '', 1
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

INSERT INTO monitoring_deadlinestep (deadline_id, step, fire_at, state, outcome, attempts, error)
SELECT d.id, s.step, d.due_at + s.offs, 'pending', '', 0, ''
FROM monitoring_deadline d
CROSS JOIN (VALUES ('reminder:30m', interval '-30 minutes'), ('breach', interval '0'),
                   ('escalate', interval '2 hours')) AS s(step, offs);
ANALYZE;
"""


# The same state again before each round: the due steps pending, their deadlines unbreached, no notices (the audit
# trail is append-only: its rows from earlier rounds stay, a few thousand among the table's rows).
RESET_SQL = """
UPDATE monitoring_deadlinestep SET state = 'pending', fired_at = NULL, outcome = '', error = '', attempts = 0,
    last_attempt_at = NULL WHERE fire_at <= %(now)s AND state <> 'pending';
UPDATE monitoring_deadline SET state = 'pending', breached_at = NULL WHERE due_at <= %(now)s AND state <> 'pending';
UPDATE incidents_ticket SET overdue_unclaimed_at = NULL WHERE overdue_unclaimed_at IS NOT NULL;
TRUNCATE monitoring_notification;
VACUUM ANALYZE monitoring_deadlinestep;
VACUUM ANALYZE monitoring_deadline
"""

# The floor: the minimal SQL doing the pass's work in one statement (lock the due steps, breach the deadlines of
# the breach steps, mark an unclaimed ticket overdue, tell the unit's liaisons and leaders and the duty officers,
# one audit row per breach, mark every due step fired; a reminder past its deadline is stale, as in the sweep).
FLOOR_SQL = """
WITH due AS (
    SELECT s.id, s.step, s.deadline_id FROM monitoring_deadlinestep s
    WHERE s.state = 'pending' AND s.fire_at <= %(now)s ORDER BY s.fire_at, s.id FOR UPDATE SKIP LOCKED
), br AS (
    UPDATE monitoring_deadline d SET state = 'breached', breached_at = d.due_at FROM due
    WHERE due.step = 'breach' AND d.id = due.deadline_id AND d.state = 'pending' AND d.met_at IS NULL
    RETURNING d.id, d.incident_id, d.ticket_id, d.unit_id, d.kind, d.due_at, due.id AS step_id
), tk AS (
    UPDATE incidents_ticket t SET overdue_unclaimed_at = br.due_at FROM br
    WHERE br.kind = 'claim' AND t.id = br.ticket_id AND t.claimed_at IS NULL RETURNING t.id
), people AS (
    SELECT DISTINCT br.step_id, br.incident_id, br.ticket_id, m.user_id FROM br
    JOIN incidents_membership m ON m.is_active
        AND ((m.unit_id = br.unit_id AND m.role IN ('liaison', 'leader')) OR m.role = 'duty_officer')
), nt AS (
    INSERT INTO monitoring_notification (recipient_id, channel, title, body, link, incident_id, ticket_id, step_id,
        created_at, status, attempts, sent_at, error)
    SELECT user_id, 'inbox', '【督办】认领时限已逾期', '', '/tickets/' || ticket_id || '/', incident_id, ticket_id,
        step_id, now(), 'sent', 0, now(), '' FROM people RETURNING 1
), au AS (
    INSERT INTO incidents_auditevent (at, actor_id, actor_name, action, incident_id, ticket_id, object_type,
        object_id, before, after, reason, ip)
    SELECT now(), NULL, '系统', 'deadline_breached', incident_id, ticket_id, 'deadline', id::text, '{}',
        jsonb_build_object('kind', kind, 'due_at', due_at, 'breached_at', due_at), '', NULL FROM br RETURNING 1
)
UPDATE monitoring_deadlinestep s SET state = 'fired', fired_at = %(now)s,
    outcome = CASE WHEN due.step = 'breach' THEN 'notified' ELSE 'skipped_stale' END
FROM due WHERE s.id = due.id
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data if present")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from deadlines.sweep import due_steps, run_timed_checks
    from demo.incidents import ensure_units, ensure_users
    from incidents.models import Incident
    from notifications.models import Notification

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
            print(f"loaded {args.incidents:,} incidents in {time.perf_counter() - started:.1f}s", flush=True)

    now = timezone.now()

    def reset():
        with connection.cursor() as cursor:
            for statement in RESET_SQL.split(";\n"):
                cursor.execute(statement, {"now": now})

    with transaction.atomic(), connection.cursor() as cursor:
        plan_sql, params = (
            due_steps(now).select_for_update(skip_locked=True, of=("self", "deadline"))[:200].query.sql_with_params()
        )
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + plan_sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)

    ours, floor, counts, fired_n, notices = [], [], [], 0, {}
    slowest = None
    for n in range(args.rounds):
        reset()
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            fired = run_timed_checks(now)
            ours.append(time.perf_counter() - started)
        counts.append(len(recorder))
        fired_n = len(fired)
        notices["yuqing"] = Notification.objects.count()
        slowest = recorder
        reset()
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, {"now": now})
            floor.append(time.perf_counter() - started)
            floor_steps = cursor.rowcount
        notices["floor"] = Notification.objects.count()
        print(f"round {n + 1}: yuqing {ours[-1]:.3f} s ({counts[-1]} statements), floor {floor[-1]:.3f} s", flush=True)
    reset()
    plans = []
    for sql, params, _many, seconds in slowest.slowest(2):
        plans.append(f"{seconds * 1000:.1f} ms in the pass:\n\n```\n{explain(connection, sql, params)}\n```\n")
    ratio_min = min(ours) / min(floor)
    ratio_med = statistics.median(ours) / statistics.median(floor)
    report = (
        f"## {args.incidents:,} open incidents, {args.due:,} due deadlines ({fired_n:,} due steps), "
        f"{args.rounds} rounds alternating\n\n"
        f"| | min | median | statements | statements/step |\n|---|---|---|---|---|\n"
        f"| yuqing pass | {min(ours):.3f} s | {statistics.median(ours):.3f} s | {max(counts):,} | "
        f"{max(counts) / max(fired_n, 1):.3f} |\n"
        f"| SQL floor (FLOOR_SQL) | {min(floor):.3f} s | {statistics.median(floor):.3f} s | 1 | "
        f"{1 / max(floor_steps, 1):.4f} |\n\n"
        f"- yuqing/floor: **{ratio_min:.2f}× (min), {ratio_med:.2f}× (median)**; notices written: yuqing "
        f"{notices['yuqing']:,}, floor {notices['floor']:,}\n"
        f"- statements counted with connection.execute_wrapper (every statement sent, incl. the pass lock)\n\n"
        f"Plan of the due-steps query (lock of one batch):\n\n```\n{plan}\n```\n\n"
        f"The slowest SELECTs of yuqing's pass:\n\n" + "\n".join(plans)
    )
    print(report)
    with open(ROOT / "bench" / "RESULTS-timed-checks.md", "a") as fh:
        fh.write(report + "\n")


if __name__ == "__main__":
    main()
