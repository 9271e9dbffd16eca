"""Benchmark (not a test): the list pages at 100k and 1M open incidents (issue 16), through gunicorn and in-process.

    .venv/bin/python bench/bench_pages.py --db bench_h16a --incidents 1000000 --label after
    .venv/bin/python bench/bench_pages.py --db bench_h16a_100k --incidents 100000 --label after

The data is bench/pages_data.py's (loaded if the database does not hold it yet). For each page: in-process (Django's
test client, DEBUG off) the statements it sends, counted with connection.execute_wrapper (bench/counting.py), the
median of 5 warm renders and the EXPLAIN ANALYZE of its slowest statement; then over loopback, gunicorn with 2
sync workers: 20 single requests one after another (p50/p95/p99) and wrk (`apt-get install wrk`; 2 threads, 4
connections, `--seconds` each; p50/p95/p99 from its latency histogram), with the workers' RSS after the load.
Every page is also driven by wrk over one connection for `--seconds` (one request at a time: the issue's "single
requests" through a load tool, p50/p95/p99 over a few hundred requests). The
SQL floor is the minimal SQL for the same page (its rows in order, the next-deadline rows for the ticket list), the
median of 20 runs on one connection. Writes a markdown section to stdout and to bench/RESULTS-pages.md
(`--no-write` to skip); `--code-dir` runs another checkout's code (the "before" column: a `git archive` of the
commit before the change, with this file and pages_data.py copied into its bench/).

The machine is shared (2 cores, other benches running): timings carry that noise, statement counts do not.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

os.environ.update(
    {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-key-not-secret-0123456789abcdefghijklmnop",
        "SECURE_SSL_REDIRECT": "0",
        "OTP_REQUIRED_ROLES": "",
        "PASSWORD_CHANGE_INITIAL": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DB_CONN_MAX_AGE": "600",
    }
)

from counting import Recorder  # noqa: E402
from counting import explain as explain_params  # noqa: E402
from pages_data import prepare  # noqa: E402

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"p50\\": %.3f, \\"p95\\": %.3f, \\"p99\\": %.3f, \\"requests\\": %d, \\"non2xx\\": %d, \\"errors\\": %d}\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

# (label, user, path, api): the pages the issue measures, and the filters the lists offer (in-process only).
PAGES = [
    ("/tickets/ (liaison)", "edu", "/tickets/", False),
    ("/incidents/ (office)", "duty", "/incidents/", False),
    ("/incidents/ (liaison)", "edu", "/incidents/", False),
    ("/api/v1/incidents/ (office)", "duty", "/api/v1/incidents/", True),
    ("/api/v1/incidents/ (liaison)", "edu", "/api/v1/incidents/", True),
    ("/tickets/ (office)", "duty", "/tickets/", False),
    ("/desk/ (office)", "duty", "/desk/", False),
    ("/desk/?queue=overdue (office)", "duty", "/desk/?queue=overdue", False),
    ("/desk/?queue=graded&sort=newest (office)", "duty", "/desk/?queue=graded&sort=newest", False),
    ("/dashboard/ (county leader)", "leader", "/dashboard/", False),
    ("/dashboard/ (duty officer)", "duty", "/dashboard/", False),
    ("/dashboard/ (unit leader, 教育局)", "edu_leader", "/dashboard/", False),
]
# Also under 4 concurrent connections on the 2 workers (saturation: each request waits for one in the queue).
LOADED = {"/tickets/ (liaison)", "/incidents/ (office)", "/api/v1/incidents/ (office)", "/desk/ (office)"}


def filter_pages(edu_unit, month_ago, today):
    return [
        ("/incidents/?status=in_progress (office)", "duty", "/incidents/?status=in_progress", False),
        ("/incidents/?grade=I (office)", "duty", "/incidents/?grade=I", False),
        ("/incidents/?unit=教育局 (office)", "duty", f"/incidents/?unit={edu_unit}", False),
        ("/incidents/?since..until a month (office)", "duty", f"/incidents/?since={month_ago}&until={today}", False),
        ("/incidents/?q=食堂 (office)", "duty", "/incidents/?q=食堂饭菜", False),
        ("/incidents/ page 40 (office)", "duty", "/incidents/?page=40", False),
        ("/tickets/?overdue=1 (liaison)", "edu", "/tickets/?overdue=1", False),
        ("/tickets/?status=dispatched (liaison)", "edu", "/tickets/?status=dispatched", False),
        ("/api/v1/incidents/?status=in_progress (office)", "duty", "/api/v1/incidents/?status=in_progress", True),
        ("/api/v1/tickets/ (liaison)", "edu", "/api/v1/tickets/", True),
        ("/api/v1/incidents/?q=食堂 (office)", "duty", "/api/v1/incidents/?q=食堂饭菜", True),
        ("/tickets/?overdue=1 (office)", "duty", "/tickets/?overdue=1", False),
    ]


FLOORS = {
    "/tickets/ (liaison)": [
        """SELECT t.id, t.role, t.status, t.dispatched_at, t.overdue_unclaimed_at, i.title, u.name
           FROM incidents_ticket t JOIN incidents_incident i ON i.id = t.incident_id
           JOIN incidents_unit u ON u.id = t.unit_id
           WHERE t.unit_id = %(edu_unit)s ORDER BY t.dispatched_at DESC, t.id DESC LIMIT 25""",
        """SELECT d.ticket_id, d.kind, d.due_at FROM monitoring_deadline d
           WHERE d.ticket_id IN (SELECT id FROM incidents_ticket WHERE unit_id = %(edu_unit)s
                                 ORDER BY dispatched_at DESC, id DESC LIMIT 25)
             AND d.state IN ('pending', 'breached') AND d.met_at IS NULL""",
    ],
    "/incidents/ (office)": [
        """SELECT i.id, i.title, i.grade, i.status, i.reported_at, u.name FROM incidents_incident i
           LEFT JOIN incidents_unit u ON u.id = i.subject_unit_id ORDER BY i.reported_at DESC, i.id DESC LIMIT 25"""
    ],
    "/api/v1/incidents/ (office)": [
        """SELECT i.*, u.name FROM incidents_incident i LEFT JOIN incidents_unit u ON u.id = i.subject_unit_id
           ORDER BY i.reported_at DESC, i.id DESC LIMIT 50"""
    ],
}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def credentials(users):
    """A session cookie per login and an API token per login, made in the database the server reads."""
    from django.test import Client

    from accounts.services import issue_token

    cookies, tokens = {}, {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        cookies[name] = client.cookies["sessionid"].value
        tokens[name] = issue_token(user)[1]
    return cookies, tokens


def headers(user, api, cookies, tokens):
    return {"Authorization": f"Token {tokens[user]}"} if api else {"Cookie": f"sessionid={cookies[user]}"}


def in_process(pages, users, tokens, runs=5):
    """Statements, warm time and the slowest statement's plan of each page, in this process."""
    from django.db import connection
    from django.test import Client

    results = {}
    for label, user, path, api in pages:
        client = Client()
        extra = {}
        if api:
            extra["HTTP_AUTHORIZATION"] = f"Token {tokens[user]}"
        else:
            client.force_login(users[user])
        response = client.get(path, **extra)
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(path, **extra)
            times.append(time.perf_counter() - started)
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            client.get(path, **extra)
        slowest = recorder.slowest(1)
        plan = explain_params(connection, slowest[0][0], slowest[0][1]) if slowest else ""
        ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
        results[label] = {
            "statements": len(recorder),
            "ms": statistics.median(times) * 1000,
            "bytes": len(response.content),
            "slowest_ms": float(ms.group(1)) if ms else 0.0,
            "slowest_sql": slowest[0][0] if slowest else "",
            "plan": plan,
        }
        print(f"  {label}: {len(recorder)} statements, {results[label]['ms']:.0f} ms", flush=True)
    return results


def floors(params):
    from django.db import connection

    results = {}
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        for label, statements in FLOORS.items():
            times = []
            for _ in range(20):
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()
                times.append(time.perf_counter() - started)
            results[label] = statistics.median(times) * 1000
    return results


def worker_rss(master_pid):
    """RSS (MB) of the gunicorn workers: the master's children."""
    rss = []
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        rss.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return rss


def wrk(url, hdrs, script, seconds, connections):
    """wrk's p50/p95/p99 (ms), requests per second and errors over `connections` connections for `seconds`."""
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script)]
    for name, value in hdrs.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    line = next(x for x in output.stdout.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / seconds
    return result


def over_http(pages, cookies, tokens, seconds, port, singles_n=22):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "yuqing.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(tempfile.gettempdir()) / f"bench-pages-gunicorn-{port}.log", "w"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except Exception:
                time.sleep(0.3)
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(WRK_SCRIPT)
        results = {}
        for label, user, path, api in pages:
            hdrs = headers(user, api, cookies, tokens)
            singles = []
            for n in range(singles_n):
                request = urllib.request.Request(base + path, headers=hdrs)
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    assert response.status == 200, (label, response.status)
                if n >= 2:  # the first two warm each worker
                    singles.append((time.perf_counter() - started) * 1000)
            result = {"single": {p: pct(singles, p) for p in (50, 95, 99)}}
            result["serial"] = wrk(base + path, hdrs, script, seconds, connections=1)
            if label in LOADED:
                result["load"] = wrk(base + path, hdrs, script, seconds, connections=4)
            results[label] = result
            print(f"  {label}: {result}", flush=True)
        rss = worker_rss(server.pid)
        script.unlink()
        return results, rss
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def wrk_cell(load):
    if not load:
        return "—"
    cell = f"{load['p50']:.0f}/{load['p95']:.0f}/{load['p99']:.0f} ({load['rps']:.1f})"
    return cell + (f", {load['non2xx']} non-2xx" if load["non2xx"] else "")


def markdown(args, counts, inproc, http, rss, floor, extra):
    lines = [
        f"## {args.label}: {counts} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Code: {args.code_note or ROOT}. gunicorn 2 sync workers on loopback; wrk over 1 connection (one request "
        f"at a time) and, for four pages, 2 threads × 4 connections, {args.seconds} s per page and mode; worker RSS "
        f"after the load: {', '.join(f'{r:.0f} MB' for r in rss)}; load average before: {args.load_before}.",
        "",
        "| page | statements | KB | in-process ms | urllib single p50/p95/p99 ms | wrk 1 conn p50/p95/p99 ms (req/s) |"
        " wrk 4 conn p50/p95/p99 ms (req/s) | SQL floor ms | slowest statement ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, *_ in PAGES:
        i, h = inproc[label], http[label]
        single = "/".join(f"{h['single'][p]:.0f}" for p in (50, 95, 99))
        serial, load = wrk_cell(h.get("serial")), wrk_cell(h.get("load"))
        fl = f"{floor[label]:.1f}" if label in floor else "—"
        kb = i["bytes"] / 1024
        lines.append(
            f"| {label} | {i['statements']} | {kb:.0f} | {i['ms']:.0f} | {single} | {serial} | {load} | {fl} |"
            f" {i['slowest_ms']:.1f} |"
        )
    lines += [
        "",
        f"Filters (in-process, warm median of {args.runs}):",
        "",
        "| page | statements | ms | slowest statement ms |",
    ]
    lines += ["|---|---|---|---|"]
    for label, i in extra.items():
        lines.append(f"| {label} | {i['statements']} | {i['ms']:.0f} | {i['slowest_ms']:.1f} |")
    slow = sorted({**inproc, **extra}.items(), key=lambda kv: -kv[1]["slowest_ms"])[: args.plans]
    for label, i in slow:
        lines += ["", f"Slowest statement of {label} ({i['slowest_ms']:.1f} ms):", "", "```", i["plan"], "```"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="bench_h16a")
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--label", default="after")
    parser.add_argument("--code-note", default="")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--port", type=int, default=8716)
    parser.add_argument("--plans", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--singles", type=int, default=22, help="single requests per page (the first 2 warm up)")
    parser.add_argument("--runs", type=int, default=5, help="in-process warm renders per page")
    parser.add_argument("--skip-filters", action="store_true")
    args = parser.parse_args()

    prepare(args.db, args.incidents)
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from org.models import Unit

    users = {u.username: u for u in User.objects.filter(username__in=["duty", "edu", "leader", "edu_leader"])}
    args.load_before = Path("/proc/loadavg").read_text().split()[0]
    edu_unit = Unit.objects.get(code="education").pk
    cookies, tokens = credentials(users)
    today = timezone.localdate()
    extra_pages = filter_pages(edu_unit, today - timedelta(days=30), today)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM incidents_incident), (SELECT count(*) FROM incidents_ticket)")
        incidents, tickets = cursor.fetchone()
    counts = f"{incidents:,} incidents, {tickets:,} tickets"
    print(counts, flush=True)
    print("in-process:", flush=True)
    inproc = in_process(PAGES, users, tokens, args.runs)
    extra = {} if args.skip_filters else in_process(extra_pages, users, tokens, args.runs)
    floor = floors({"edu_unit": edu_unit})
    connection.close()
    print("over HTTP:", flush=True)
    http, rss = over_http(PAGES, cookies, tokens, args.seconds, args.port, args.singles)
    report = markdown(args, counts, inproc, http, rss, floor, extra)
    print(report)
    if not args.no_write:
        with open(ROOT / "bench" / "RESULTS-pages.md", "a") as fh:
            fh.write(report + "\n")
    (Path(tempfile.gettempdir()) / f"pages-{args.label}-{incidents}.json").write_text(
        json.dumps({"inproc": inproc, "extra": extra, "http": http, "rss": rss, "floor": floor}, default=str)
    )


if __name__ == "__main__":
    main()
