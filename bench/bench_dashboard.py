"""Benchmark (not a test): /desk/ (the duty officer) and /dashboard/ (the county leader, and a unit leader) over
bench/pages_data.py's open incidents on PostgreSQL (issue 16: /desk/ p95 < 150 ms, /dashboard/ p95 < 200 ms).

    .venv/bin/python bench/bench_dashboard.py --db bench_h16b_pages --incidents 1000000 --requests 60

Single requests in this process through Django's test client (the whole stack from the URL resolver, middleware,
session and template rendering; no network and no gunicorn, so a browser's figure adds the loopback and the worker's
queueing), after a warm-up request each; p50/p95/p99 over `--requests` requests; the statements of one request
counted with connection.execute_wrapper (bench/counting.py) and the time they spent in the database; the response
size; EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECTs. The cockpit's maintained 考核/时效 rows are computed once
before timing (what beat does every 10 minutes; that computation is timed on its own). Results are appended to
bench/RESULTS-dashboard.md.
"""

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from counting import Recorder  # noqa: E402
from counting import explain as explain_params  # noqa: E402
from pages_data import prepare  # noqa: E402

PAGES = [
    ("duty", "/desk/"),
    ("duty", "/desk/?queue=overdue"),
    ("duty", "/desk/?queue=graded&sort=newest"),
    ("leader", "/dashboard/"),
    ("duty", "/dashboard/"),
    ("edu_leader", "/dashboard/"),
]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(client, url, n):
    from django.db import connection

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        started = time.perf_counter()
        response = client.get(url)
        once = time.perf_counter() - started
    plans = []
    for sql, params, _many, seconds in recorder.slowest(2):
        plan = explain_params(connection, sql, params)
        ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
        plans.append((seconds, ms, sql, plan))
    return {
        "url": url,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "statements": len(recorder),
        "sql": sum(s[3] for s in recorder.statements),
        "once": once,
        "kb": len(response.content) / 1024,
        "plans": plans,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="bench_h16b_pages")
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    prepare(args.db, args.incidents)

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    refresh = idle = 0.0
    try:
        from cockpit import aggregates
    except ImportError:  # the code before issue 16's maintained rows (a `git archive` of an earlier commit)
        aggregates = None
    if aggregates is not None:
        started = time.perf_counter()
        aggregates.refresh_due()
        refresh = time.perf_counter() - started
        started = time.perf_counter()
        assert aggregates.refresh_due() == []  # fresh: a second beat computes nothing
        idle = time.perf_counter() - started
    clients = {}
    results = []
    for who, url in PAGES:
        if who not in clients:
            clients[who] = Client()
            clients[who].force_login(User.objects.get(username=who))
        result = measure(clients[who], url, args.requests)
        result["who"] = who
        results.append(result)
        print(
            f"{who:10} {url:40} p50 {result['p50'] * 1000:6.1f} ms  p95 {result['p95'] * 1000:6.1f} ms  "
            f"p99 {result['p99'] * 1000:6.1f} ms  {result['statements']} statements, SQL {result['sql'] * 1000:.1f} ms, "
            f"{result['kb']:.0f} KB",
            flush=True,
        )
    lines = [
        f"## {args.incidents:,} open incidents (bench/pages_data.py), {timezone.localtime():%Y-%m-%d %H:%M}",
        "",
        f"Django test client in one process, single requests, {args.requests} timed after a warm-up. {args.note}".strip(),
        "",
        f"- beat's refresh of the cockpit's maintained rows (考核 of the quarter, 1,000 units; 办理时效 of 30 days): "
        f"{refresh:.2f} s; a second beat within the window: {idle * 1000:.1f} ms (nothing to compute)",
        "",
        "| who | page | p50 | p95 | p99 | statements | SQL time (one request) | size |",
        "|---|---|---|---|---|---|---|---|",
        *[
            f"| {r['who']} | `{r['url']}` | {r['p50'] * 1000:.1f} ms | {r['p95'] * 1000:.1f} ms | "
            f"{r['p99'] * 1000:.1f} ms | {r['statements']} | {r['sql'] * 1000:.1f} ms | {r['kb']:.0f} KB |"
            for r in results
        ],
        "",
    ]
    for r in results:
        for seconds, ms, sql, plan in r["plans"][:1]:
            lines += [
                f"Slowest statement of `{r['url']}` ({r['who']}): {seconds * 1000:.1f} ms in the request, "
                f"{ms:.1f} ms under EXPLAIN ANALYZE: `{sql[:160]}…`",
                "",
                "```",
                plan,
                "```",
                "",
            ]
    report = "\n".join(lines)
    with open(ROOT / "bench" / "RESULTS-dashboard.md", "a") as fh:
        fh.write(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
