"""The peer (django-helpdesk 2.6.1) for issue 16's benchmarks, run with bench/peer/.venv/bin/python from bench/peer.

    --load N --due D   loads N open tickets into one queue (escalate_days = 1), D of them created three days ago (due
                       for escalation): the shape of bench/bench_timed_checks.py (N open incidents, D due deadlines).
    --serve            answers bench/bench_timed_checks.py on stdin/stdout, one JSON line per command, so yuqing and
                       the peer are measured in the same run, alternating (the two live in two virtualenvs):
                         escalate        undo the last escalation, time `escalate_tickets`, count its statements
                         escalate_floor  undo, time ESCALATE_FLOOR (the minimal SQL doing the same work)
                         list / dashboard            time the staff ticket list (its page and the datatables JSON the
                                                     page loads) / the dashboard, Django test client, one request each
                         list_floor / dashboard_floor  time the minimal SQL of each page
                         explain <name>  EXPLAIN ANALYZE of the slowest SELECT of the last measurement of <name>
Statements are counted with connection.execute_wrapper (bench/counting.py), never Django's query log."""

import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")

import django  # noqa: E402

django.setup()
from counting import Recorder, explain  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

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
# escalate_tickets' work in one statement: the tickets of the escalating queue open and due (never escalated and
# created before the cut, or last escalated before it), priority up one step, a follow-up and a change row each.
ESCALATE_FLOOR = """
WITH esc AS (
    UPDATE helpdesk_ticket t SET priority = t.priority - 1, last_escalation = now()
    FROM helpdesk_queue q
    WHERE q.id = t.queue_id AND q.escalate_days > 0 AND t.status IN (1, 2) AND t.priority <> 1
        AND (t.on_hold IS NULL OR NOT t.on_hold)
        AND (t.last_escalation <= now() - interval '1 day'
             OR (t.last_escalation IS NULL AND t.created <= now() - interval '1 day'))
    RETURNING t.id, t.priority
), fu AS (
    INSERT INTO helpdesk_followup (ticket_id, date, title, comment, public, new_status, message_id, time_spent,
        email_recipients)
    SELECT id, now(), 'Ticket Escalated', 'Ticket escalated after 1 days', true, NULL, NULL, NULL, '[]' FROM esc
    RETURNING id, ticket_id
)
INSERT INTO helpdesk_ticketchange (followup_id, field, old_value, new_value)
SELECT fu.id, 'Priority', (esc.priority + 1)::text, esc.priority::text FROM fu JOIN esc ON esc.id = fu.ticket_id
"""
# The ticket list's minimal SQL: its first page (25, the datatables default) of the open tickets by creation, and
# their count (what the page shows: "1 to 25 of N").
LIST_FLOOR = """
SELECT t.id, t.title, t.status, t.priority, t.created, q.title FROM helpdesk_ticket t
JOIN helpdesk_queue q ON q.id = t.queue_id WHERE t.status IN (1, 2) ORDER BY t.created LIMIT 25;
SELECT count(*) FROM helpdesk_ticket WHERE status IN (1, 2)
"""
# The dashboard's minimal SQL: ticket counts by queue and status (its summary table) and the first page of the
# unassigned open tickets.
DASHBOARD_FLOOR = """
SELECT queue_id, status, count(*) FROM helpdesk_ticket GROUP BY queue_id, status;
SELECT t.id, t.title, t.created FROM helpdesk_ticket t WHERE t.assigned_to_id IS NULL AND t.status IN (1, 2)
ORDER BY t.created DESC LIMIT 25
"""


def run(sql, params=None):
    with connection.cursor() as cursor:
        for statement in sql.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)


def load(n, due):
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    run(LOAD, {"n": n, "due": due})
    staff, _ = User.objects.get_or_create(username="bench_staff", defaults={"is_staff": True, "is_superuser": True})
    staff.is_staff = staff.is_superuser = True
    staff.save()
    return time.perf_counter() - started


class Peer:
    def __init__(self):
        self.client = Client()
        self.client.force_login(User.objects.get(username="bench_staff"))
        self.last: dict[str, Recorder] = {}

    def timed(self, name, work):
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            extra = work()
            seconds = time.perf_counter() - started
        self.last[name] = recorder
        return {"seconds": seconds, "statements": len(recorder), **(extra or {})}

    def escalate(self):
        run(RESET.replace("; ", ";\n"))
        return self.timed("escalate", lambda: call_command("escalate_tickets"))

    def escalate_floor(self):
        run(RESET.replace("; ", ";\n"))

        def work():
            with connection.cursor() as cursor:
                cursor.execute(ESCALATE_FLOOR)
                return {"rows": cursor.rowcount}

        return self.timed("escalate_floor", work)

    def list(self):
        def work():
            page = self.client.get("/tickets/")
            assert page.status_code == 200, page.status_code
            found = re.search(r"datatables_ticket_list/([^/\"']+)", page.content.decode())
            assert found, "the list page names no datatables query"
            data = self.client.get(
                f"/datatables_ticket_list/{found.group(1)}",
                {"draw": 1, "start": 0, "length": 25, "order[0][column]": 0, "order[0][dir]": "asc"},
            )
            assert data.status_code == 200, data.status_code
            return {"bytes": len(page.content) + len(data.content), "rows": len(data.json().get("data", []))}

        return self.timed("list", work)

    def dashboard(self):
        def work():
            page = self.client.get("/dashboard/")
            assert page.status_code == 200, page.status_code
            return {"bytes": len(page.content)}

        return self.timed("dashboard", work)

    def floor(self, name, sql):
        return self.timed(name, lambda: run(sql))

    def explain(self, name):
        recorder = self.last.get(name)
        if recorder is None or not recorder.slowest(1):
            return {"plan": ""}
        sql, params, _many, seconds = recorder.slowest(1)[0]
        return {"seconds": seconds, "sql": sql, "plan": explain(connection, sql, params)}


def serve():
    peer = Peer()
    commands = {
        "escalate": peer.escalate,
        "escalate_floor": peer.escalate_floor,
        "list": peer.list,
        "dashboard": peer.dashboard,
        "list_floor": lambda: peer.floor("list_floor", LIST_FLOOR),
        "dashboard_floor": lambda: peer.floor("dashboard_floor", DASHBOARD_FLOOR),
    }
    print(json.dumps({"ready": True, "tickets": _count()}), flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        try:
            answer = peer.explain(arg) if command == "explain" else commands[command]()
        except Exception as exc:  # the driver reports it; the peer keeps serving
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer, default=str), flush=True)


def _count():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM helpdesk_ticket")
        return cursor.fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--load", type=int, help="load this many open tickets")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    if args.load:
        print(f"loaded {args.load:,} tickets in {load(args.load, args.due):.1f}s", flush=True)
    if args.serve:
        serve()


if __name__ == "__main__":
    main()
