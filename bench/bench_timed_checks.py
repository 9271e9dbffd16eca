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


# The pages' minimal SQL, for the same data: /tickets/ (a liaison of the unit that has the 1M tickets) its first page of
# 25 by dispatch time with the incidents' titles and a count bounded as the page bounds it; /dashboard/ (the county
# leader) the open incidents by grade and status.
TICKETS_FLOOR = """
SELECT t.id, t.status, t.role, t.dispatched_at, i.title, i.grade FROM incidents_ticket t
JOIN incidents_incident i ON i.id = t.incident_id WHERE t.unit_id = %(unit)s
ORDER BY t.dispatched_at DESC, t.id DESC LIMIT 25;
SELECT count(*) FROM (SELECT 1 FROM incidents_ticket WHERE unit_id = %(unit)s LIMIT 1001) x
"""
DASHBOARD_FLOOR = """
SELECT grade, status, count(*) FROM incidents_incident WHERE status <> 'closed' GROUP BY grade, status
"""


class PeerProcess:
    """django-helpdesk 2.6.1 in its own virtualenv (bench/peer/bench_peer.py --serve), one command per line."""

    def __init__(self, python, database):
        import subprocess

        env = dict(os.environ, PEER_DB=database, DJANGO_SETTINGS_MODULE="peer_settings")
        self.proc = subprocess.Popen(
            [python, str(ROOT / "bench" / "peer" / "bench_peer.py"), "--serve"],
            cwd=ROOT / "bench" / "peer",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.hello = self._read()

    def _read(self):
        import json

        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the peer process ended")
        return json.loads(line)

    def __call__(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self._read()
        if "error" in answer:
            raise RuntimeError(f"peer {command}: {answer['error']}")
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


def _stats(values):
    return min(values), statistics.median(values)


def _row(name, values, statements="", note=""):
    low, mid = _stats(values)
    return f"| {name} | {low * 1000:.0f} ms | {mid * 1000:.0f} ms | {statements} | {note} |\n"


def main():  # noqa: C901 (a bench's driver: one flat sequence of measurements)
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data if present")
    parser.add_argument("--peer", help="the peer's python (bench/peer/.venv/bin/python): measure it alternating")
    parser.add_argument("--peer-db", default="yuqing_bench_peer")
    parser.add_argument("--pages", action="store_true", help="also /tickets/ and /dashboard/ (and the peer's)")
    parser.add_argument("--backlog", type=int, default=0, help="then drain a backlog of this many due deadlines")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS-timed-checks.md"))
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from deadlines import sweep
    from deadlines.sweep import run_timed_checks
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

    def sql(text, params):
        with connection.cursor() as cursor:
            for statement in text.split(";\n"):
                if statement.strip():
                    cursor.execute(statement, params)
                    cursor.fetchall()

    # A worker loads the URLconf once, at its first reverse(); every later pass finds it loaded. Loaded here before
    # timing, so round 1 is not charged ~1-4 s of imports that no steady-state pass pays.
    reverse("ticket_detail", args=[1])
    peer = PeerProcess(args.peer, args.peer_db) if args.peer else None
    clients = {}
    if args.pages:
        for page, username in (("/tickets/", "edu"), ("/dashboard/", "leader")):
            clients[page] = Client()
            clients[page].force_login(users[username])
            clients[page].get(page)  # warm: templates compiled, sessions read once
    times: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    recorders = {}
    fired_n, notices, floor_steps = 0, {}, 0
    for n in range(args.rounds):
        reset()
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            fired = run_timed_checks(now)
            times.setdefault("pass", []).append(time.perf_counter() - started)
        counts["pass"], recorders["pass"], fired_n = len(recorder), recorder, len(fired)
        notices["yuqing"] = Notification.objects.count()
        reset()
        # Timed with its COMMIT, as yuqing's pass is with its batches' commits: the notices' and audit rows' deferred
        # foreign keys are checked, and the WAL flushed, at commit.
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, {"now": now})
            floor_steps = cursor.rowcount
            times.setdefault("floor_statement", []).append(time.perf_counter() - started)
        times.setdefault("floor", []).append(time.perf_counter() - started)
        notices["floor"] = Notification.objects.count()
        line = f"round {n + 1}: yuqing {times['pass'][-1]:.3f} s ({counts['pass']} statements), floor {times['floor'][-1]:.3f} s"
        if peer:
            for name in ("escalate", "escalate_floor"):
                answer = peer(name)
                times.setdefault(f"peer_{name}", []).append(answer["seconds"])
                counts[f"peer_{name}"] = answer["statements"]
            line += f", peer escalate {times['peer_escalate'][-1]:.3f} s, its floor {times['peer_escalate_floor'][-1]:.3f} s"
        for page, client in clients.items():
            recorder = Recorder()
            with connection.execute_wrapper(recorder):
                started = time.perf_counter()
                response = client.get(page)
                times.setdefault(page, []).append(time.perf_counter() - started)
            assert response.status_code == 200, (page, response.status_code)
            counts[page], recorders[page] = len(recorder), recorder
            counts[page + " bytes"] = len(response.content)
            floor = TICKETS_FLOOR if page == "/tickets/" else DASHBOARD_FLOOR
            started = time.perf_counter()
            sql(floor, {"unit": units["education"].pk})
            times.setdefault(page + " floor", []).append(time.perf_counter() - started)
            line += f", {page} {times[page][-1]:.3f} s"
            if peer:
                name = "list" if page == "/tickets/" else "dashboard"
                for command in (name, name + "_floor"):
                    answer = peer(command)
                    times.setdefault(f"peer_{command}", []).append(answer["seconds"])
                    counts[f"peer_{command}"] = answer["statements"]
                    if "bytes" in answer:
                        counts[f"peer_{command} bytes"] = answer["bytes"]
                line += f", peer {name} {times[f'peer_{name}'][-1]:.3f} s"
        print(line, flush=True)
    reset()

    def plans(recorder, n=2):
        out = []
        for text, params, _many, seconds in recorder.slowest(n):
            out.append(
                f"{seconds * 1000:.1f} ms in the measurement:\n\n```\n{explain(connection, text, params)}\n```\n"
            )
        return "\n".join(out)

    commit = os.environ.get("BENCH_COMMIT", "(not given)")
    pass_min, pass_med = _stats(times["pass"])
    floor_min, floor_med = _stats(times["floor"])
    report = (
        f"## {args.incidents:,} open incidents, {args.due:,} due deadlines ({fired_n:,} due steps), "
        f"{args.rounds} rounds alternating ({timezone.localtime(timezone.now()):%Y-%m-%d %H:%M}, tree {commit})\n\n"
        f"| measurement | min | median | statements | note |\n|---|---|---|---|---|\n"
        + _row("yuqing timed-check pass", times["pass"], f"{counts['pass']:,}",
               f"{counts['pass'] / max(fired_n, 1):.3f} per step; batch {sweep.BATCH_SIZE}")
        + _row("its SQL floor (FLOOR_SQL), with its COMMIT", times["floor"], "1", f"{floor_steps:,} steps fired")
        + _row("the same floor statement before its COMMIT", times["floor_statement"], "1",
               "deferred foreign keys not yet checked")
    )  # fmt: skip
    if peer:
        report += _row(
            "django-helpdesk `escalate_tickets`",
            times["peer_escalate"],
            f"{counts['peer_escalate']:,}",
            f"{counts['peer_escalate'] / args.due:.1f} per escalated ticket",
        )
        report += _row("its SQL floor (bench_peer.ESCALATE_FLOOR)", times["peer_escalate_floor"], "1")
    for page in clients:
        report += _row(f"yuqing `{page}`", times[page], counts[page], f"{counts[page + ' bytes']:,} bytes")
        report += _row("its SQL floor", times[page + " floor"], "")
        if peer:
            name = "list" if page == "/tickets/" else "dashboard"
            label = "ticket list (page + its datatables JSON)" if name == "list" else "dashboard"
            report += _row(
                f"django-helpdesk {label}",
                times[f"peer_{name}"],
                counts[f"peer_{name}"],
                f"{counts.get(f'peer_{name} bytes', 0):,} bytes",
            )
            report += _row("its SQL floor", times[f"peer_{name}_floor"], "")
    report += (
        f"\n- yuqing/floor, timed check: **{pass_min / floor_min:.2f}× (min), {pass_med / floor_med:.2f}× (median)**; "
        f"against the floor's statement alone {pass_min / min(times['floor_statement']):.2f}× (min); "
        f"notices written: yuqing {notices['yuqing']:,}, floor {notices['floor']:,}\n"
    )
    if peer:
        report += (
            f"- peer/yuqing, timed check: **{min(times['peer_escalate']) / pass_min:.1f}× (min), "
            f"{statistics.median(times['peer_escalate']) / pass_med:.1f}× (median)**; peer/its floor "
            f"{min(times['peer_escalate']) / min(times['peer_escalate_floor']):.1f}× (min)\n"
        )
    for page in clients:
        ratio = f"- `{page}`: yuqing/floor {min(times[page]) / min(times[page + ' floor']):.1f}× (min)"
        if peer:
            name = "list" if page == "/tickets/" else "dashboard"
            ratio += (
                f", peer/yuqing {min(times[f'peer_{name}']) / min(times[page]):.2f}× (min), "
                f"{statistics.median(times[f'peer_{name}']) / statistics.median(times[page]):.2f}× (median)"
            )
        report += ratio + "\n"
    report += (
        "- statements counted with connection.execute_wrapper (every statement sent, incl. the pass lock); pages "
        "through Django's test client in the bench's process (one request at a time, no network, no gunicorn)\n\n"
        f"The slowest SELECTs of yuqing's pass:\n\n{plans(recorders['pass'])}\n"
    )
    for page in clients:
        report += f"The slowest SELECTs of yuqing's `{page}`:\n\n{plans(recorders[page])}\n"
    if peer:
        for name in ["escalate"] + (["list", "dashboard"] if clients else []):
            answer = peer(f"explain {name}")
            if answer.get("plan"):
                report += (
                    f"The slowest SELECT of the peer's {name} ({answer['seconds'] * 1000:.1f} ms):\n\n"
                    f"```\n{answer['sql'][:600]}\n```\n\n```\n{answer['plan']}\n```\n\n"
                )
        peer.close()
    if args.backlog:
        report += backlog(args, connection, now, reset, run_timed_checks, units)
    print(report)
    with open(args.out, "a") as fh:
        fh.write(report + "\n")


def backlog(args, connection, now, reset, run_timed_checks, units):
    """A backlog: `args.backlog` deadlines due at once (catch-up after downtime). Passes run one after another until
    nothing is due; each keeps to its budget (PASS_SECONDS, PASS_STEPS). The floor drains the same steps in one
    statement."""
    every = args.incidents // args.backlog
    mark = f"""
        UPDATE monitoring_deadline SET due_at = %(now)s - interval '1 minute' WHERE id %% {every} = 0;
        UPDATE monitoring_deadlinestep s SET fire_at = d.due_at + CASE s.step WHEN 'breach' THEN interval '0'
            WHEN 'escalate' THEN interval '2 hours' ELSE interval '-30 minutes' END
        FROM monitoring_deadline d WHERE d.id = s.deadline_id AND d.id % {every} = 0;
        ANALYZE monitoring_deadline; ANALYZE monitoring_deadlinestep"""
    with connection.cursor() as cursor:
        for statement in mark.split(";"):
            cursor.execute(statement, {"now": now} if "%(now)s" in statement else None)
    reset()
    passes = []
    while True:
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            fired = run_timed_checks(now)
            passes.append((time.perf_counter() - started, len(fired), len(recorder)))
        print(f"backlog pass {len(passes)}: {passes[-1][1]:,} steps in {passes[-1][0]:.2f} s", flush=True)
        if not fired:
            break
    reset()
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, {"now": now})
        floor_steps = cursor.rowcount
    floor = time.perf_counter() - started
    reset()
    keep = args.incidents // args.due  # the deadlines due in the other measurements stay due
    restore = f"""
        UPDATE monitoring_deadline SET due_at = now() + interval '7 days' WHERE id % {every} = 0 AND id % {keep} <> 0;
        UPDATE monitoring_deadlinestep s SET fire_at = d.due_at + CASE s.step WHEN 'breach' THEN interval '0'
            WHEN 'escalate' THEN interval '2 hours' ELSE interval '-30 minutes' END
        FROM monitoring_deadline d WHERE d.id = s.deadline_id AND d.id % {every} = 0 AND d.id % {keep} <> 0;
        ANALYZE monitoring_deadline; ANALYZE monitoring_deadlinestep"""
    with connection.cursor() as cursor:
        for statement in restore.split(";"):
            cursor.execute(statement)
    total = sum(p[0] for p in passes)
    steps = sum(p[1] for p in passes)
    return (
        f"### Backlog: {args.backlog:,} due deadlines at once ({steps:,} steps)\n\n"
        f"| | passes | longest pass | total | statements | steps/pass |\n|---|---|---|---|---|---|\n"
        f"| yuqing | {len(passes)} (the last finds nothing) | {max(p[0] for p in passes):.2f} s | {total:.2f} s | "
        f"{sum(p[2] for p in passes):,} | ≤ {max(p[1] for p in passes):,} |\n"
        f"| SQL floor, one statement | 1 | {floor:.2f} s | {floor:.2f} s | 1 | {floor_steps:,} |\n\n"
        f"- yuqing/floor over the backlog: **{total / floor:.2f}×**; no pass longer than the beat interval (60 s): "
        f"{'yes' if max(p[0] for p in passes) < 60 else 'NO'}\n\n"
    )


if __name__ == "__main__":
    main()
