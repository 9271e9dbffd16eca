"""The 17:00 日报's platform count reads only the period's links (issue 16: a rerun found a 732 ms hash join over all
1,068,708 links at 1M history; 004 三(二) 每天汇总编发). At a realistic size (200,000 incidents of history with a link
each, ANALYZEd, no planner switches) its one statement is index-driven: the period's incidents by reported_at, their
links by incident_id in a nested loop (LATERAL), so the links read are the period's; no sequential scan of the links
or incidents. The figures are those of a count from the raw rows (an item on two platforms counts on each, an item
without a link as 无来源链接)."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from reporting.daily import _platform_counts, platform_statement
from reporting.figures import items_reported

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's choice at size is PostgreSQL's"),
]

HISTORY = 200_000
DAY = 300

LOAD = """
INSERT INTO incidents_incident (title, summary, category, location, first_seen_at, reported_at, views, comments,
    reposts, site_count, media_level, grade, grade_reason, is_historical, is_confidential, status, created_at,
    updated_at, search_terms, version, reported_by_id)
SELECT 'plan ' || g, '', 'other', '', t, t, 0, 0, 0, 0, '', 'IV', '', false, false, 'closed', t, t, '', 1, %(user)s
FROM (SELECT g, %(end)s::timestamptz - (g * interval '1 second') * %(step)s AS t
      FROM generate_series(1, %(n)s) g) s;
INSERT INTO incidents_sourcelink (incident_id, platform, url, first_seen_at)
SELECT id, (ARRAY['微博', '抖音', '微信', '今日头条'])[1 + id %% 4], 'https://example.cn/p/' || id, reported_at
FROM incidents_incident WHERE title LIKE 'plan %%';
ANALYZE incidents_incident;
ANALYZE incidents_sourcelink
"""


def explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_platform_count_reads_only_the_periods_links(org):
    end = timezone.now().replace(microsecond=0)
    # HISTORY items, one every 3 years / HISTORY; the last day holds about DAY of them.
    step = (3 * 365 * 86400) / HISTORY
    with connection.cursor() as cursor:
        for statement in LOAD.split(";\n"):
            cursor.execute(statement, {"user": org.duty.pk, "end": end, "step": step, "n": HISTORY})
    start = end - datetime.timedelta(seconds=DAY * step)
    new = items_reported(start, end + datetime.timedelta(seconds=1))
    ids = list(new.values_list("pk", flat=True))
    assert DAY - 5 <= len(ids) <= DAY + 5

    # One item of the period on a second platform, one with no link at all.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_sourcelink (incident_id, platform, url, first_seen_at) VALUES (%s, '本地论坛', 'x', %s)",
            [ids[0], end],
        )
        cursor.execute("DELETE FROM incidents_sourcelink WHERE incident_id = %s", [ids[1]])

    plan = explain(*platform_statement(new))
    assert "Seq Scan on incidents_sourcelink" not in plan, plan
    assert "Seq Scan on incidents_incident" not in plan, plan
    assert "incidents_sourcelink_incident_id" in plan, plan
    assert "Hash Join" not in plan, plan
    # The links read are the period's: about DAY of them, not the 200,000 of history.
    links_read = [
        int(m) for m in re.findall(r"Index (?:Only )?Scan .*incidents_sourcelink.*rows=\d+ loops=(\d+)", plan)
    ]
    assert links_read and max(links_read) <= DAY + 10, plan

    platforms, no_link = _platform_counts(new)
    raw: dict[str, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT incident_id, platform FROM incidents_sourcelink WHERE incident_id = ANY(%s)", [ids])
        for incident_id, platform in cursor.fetchall():
            raw.setdefault(platform, set()).add(incident_id)
    assert {p["platform"]: p["n"] for p in platforms} == {p: len(items) for p, items in raw.items()}
    assert no_link == 1 and len(ids) - no_link == len(set().union(*raw.values()))
    assert {p["platform"] for p in platforms} == {"微博", "抖音", "微信", "今日头条", "本地论坛"}
