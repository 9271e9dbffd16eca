"""The peer's timed check: django-helpdesk 2.6.1's `escalate_tickets` over N open tickets of which `--due` are due
for escalation (created before the queue's escalate_days), the same shape as bench/bench_timed_checks.py. Run with
bench/peer/.venv/bin/python from bench/peer; statements counted with connection.execute_wrapper."""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")

import django  # noqa: E402

django.setup()
from counting import Recorder  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

LOAD = """
TRUNCATE helpdesk_ticketchange, helpdesk_followup, helpdesk_ticket, helpdesk_queue RESTART IDENTITY CASCADE;
INSERT INTO helpdesk_queue (title, slug, allow_public_submission, allow_email_submission, escalate_days,
    email_box_ssl, enable_notifications_on_email_events)
VALUES ('教育局', 'edu', false, false, 1, false, false);
INSERT INTO helpdesk_ticket (title, queue_id, created, modified, submitter_email, status, on_hold, description,
    priority, secret_key)
SELECT 'bench ' || g, 1, CASE WHEN g %% (%(n)s / %(due)s) = 0 THEN now() - interval '3 days' ELSE now() END, now(),
    'citizen@example.cn', 1, false, '', 3, md5(g::text)
FROM generate_series(1, %(n)s) g;
ANALYZE
"""
RESET = """
DELETE FROM helpdesk_ticketchange; DELETE FROM helpdesk_followup;
UPDATE helpdesk_ticket SET priority = 3, last_escalation = NULL WHERE last_escalation IS NOT NULL;
VACUUM ANALYZE helpdesk_ticket
"""


def run(sql, params=None):
    with connection.cursor() as cursor:
        for statement in sql.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    run(LOAD, {"n": args.tickets, "due": args.due})
    print(f"loaded {args.tickets:,} tickets in {time.perf_counter() - started:.1f}s", flush=True)
    times, counts = [], []
    for n in range(args.rounds):
        run(RESET.replace("; ", ";\n"))
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            call_command("escalate_tickets")
            times.append(time.perf_counter() - started)
        counts.append(len(recorder))
        print(f"round {n + 1}: escalate_tickets {times[-1]:.3f} s, {counts[-1]:,} statements", flush=True)
    print(
        f"| django-helpdesk escalate_tickets | {min(times):.3f} s | {statistics.median(times):.3f} s | "
        f"{max(counts):,} | {max(counts) / args.due:.2f} per escalated ticket |"
    )


if __name__ == "__main__":
    main()
