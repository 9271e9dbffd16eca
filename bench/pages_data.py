"""Bench data for the list pages, the desk and the dashboard (issue 16): N open incidents on PostgreSQL.

    .venv/bin/python bench/pages_data.py --db bench_h16a --incidents 1000000
    .venv/bin/python bench/pages_data.py --db bench_h16a_100k --incidents 100000

Creates the database if needed (postgres@127.0.0.1:5432, or the server of `--server`), migrates it, and loads with
generate_series SQL (about 3-6 minutes for 1M on 2 cores):

- the demo county's units and logins (demo.incidents: `duty` 值班员 of the office, `edu` 联络员 of 县教育局,
  `edu_leader` its leader, `leader` the county's leader who oversees every unit; password demo-2026), and
  `--units` (1,000) bench units under the county;
- `--incidents` open incidents over the last two years (a mix of 已报送/已研判/已转办/处置中/待审核/被退回/舆情反复,
  graded Ⅰ-Ⅳ or not yet), each with a source link and its search terms; 1 % confidential (敏感), a third of them
  granted to `edu` (guardian's view_incident, the 知悉范围), some reported by `edu` itself;
- 1-3 tickets per dispatched incident (主办 + 0-2 协办), every 20th lead ticket to 县教育局 (so the liaison's list
  has ~5 % of all tickets: the sort and the count that used to grow with history), the rest round robin over the
  bench units; a claim and a feedback deadline per ticket, met, pending or breached.

Other benches reuse it: `from pages_data import prepare` then `prepare(db, incidents)` (returns the database URL;
reloads only when the count differs or `reload=True`). Drop the database when done: `dropdb -h 127.0.0.1 -U
postgres bench_h16a`.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"

TITLES = [
    "网传某小学食堂饭菜变质家长群热议",
    "小区物业停水停电业主聚集维权",
    "网民反映医院挂号难排队时间长",
    "某路段交通事故视频在短视频平台传播",
    "网传某镇征地补偿款未按时发放",
    "教师招聘考试成绩公示引发质疑",
    "网民投诉工地夜间施工噪音扰民",
    "网传疫苗接种点秩序混乱",
    "某企业拖欠农民工工资求助帖",
    "网民反映农村道路年久失修",
    "网传景区门票价格上涨游客不满",
    "学校周边商贩占道经营影响通行",
    "网民质疑低保评定不公",
    "网传某地发生山体滑坡",
    "老旧小区加装电梯意见不一",
    "网民反映供暖温度不达标",
    "网传电信诈骗新手法提醒",
    "某单位工作人员服务态度差被投诉",
    "网民反映菜市场缺斤短两",
    "网传学生校外培训机构跑路",
]

UNITS_SQL = """
INSERT INTO incidents_unit (name, code, kind, path, is_office, jurisdiction_keywords, is_active, sort_order, parent_id)
SELECT '单位' || lpad(g::text, 4, '0'), 'bu' || lpad(g::text, 4, '0'),
       CASE WHEN g %% 5 = 0 THEN 'town' ELSE 'department' END,
       %(root_path)s || 'bu' || lpad(g::text, 4, '0') || '/', false, '', true, 1000 + g, %(root)s
FROM generate_series(1, %(units)s) g
"""

# Open incidents, g = 1..n evenly over the last two years up to an hour ago; status by g's residues.
INCIDENTS_SQL = """
INSERT INTO incidents_incident (title, summary, category, location, first_seen_at, reported_at, views, comments,
    reposts, site_count, media_level, grade, graded_at, graded_by_id, grade_reason, is_historical, is_confidential,
    status, created_at, updated_at, reported_by_id, subject_unit_id, search_terms, version)
SELECT (%(titles)s::text[])[1 + g %% 20] || '（' || g || '）', '网民反映的问题摘要',
    (ARRAY['policy','livelihood','emergency','conduct','rumour','safety','other'])[1 + g %% 7], '',
    t - interval '20 minutes', t, (g::bigint * 7919) %% 50000, g %% 300, g %% 100, g %% 20, '',
    CASE WHEN s.st IN ('reported') THEN '' WHEN g %% 100 = 0 THEN 'I' WHEN g %% 50 = 1 THEN 'II'
         WHEN g %% 10 = 2 THEN 'III' ELSE 'IV' END,
    CASE WHEN s.st <> 'reported' THEN t + interval '20 minutes' END,
    CASE WHEN s.st <> 'reported' THEN %(duty)s END, '', false, g %% 100 = 7, s.st, t, t,
    CASE WHEN g %% 100 = 7 AND g %% 300 = 107 THEN %(edu)s WHEN g %% 500 = 5 THEN %(edu)s ELSE %(duty)s END,
    CASE WHEN g %% 10 = 9 THEN NULL ELSE u.ids[1 + g %% u.n] END,
    (%(terms)s::text[])[1 + g %% 20], 0
FROM (SELECT g, now() - interval '1 hour' - (%(n)s - g) * (63072000.0 / %(n)s) * interval '1 second' AS t,
             CASE WHEN g %% 20 IN (3, 13) THEN 'reported' WHEN g %% 20 = 8 THEN 'graded'
                  WHEN g %% 20 IN (0, 4, 10, 11, 15) THEN 'in_progress' WHEN g %% 20 = 17 THEN 'under_review'
                  WHEN g %% 50 = 19 THEN 'returned' WHEN g %% 50 = 29 THEN 'reopened' ELSE 'dispatched' END AS st
      FROM generate_series(%(lo)s, %(hi)s) g) s,
     (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM incidents_unit WHERE code LIKE 'bu%%') u
"""

# Tickets: a lead (every 20th incident's to 县教育局) and 0-2 assists on other bench units.
TICKETS_SQL = """
INSERT INTO incidents_ticket (incident_id, unit_id, role, status, instructions, dispatched_at, claimed_at, designated,
    return_reason, returned_at, feedback_at, overdue_unclaimed_at, dispatched_by_id, claimed_by_id)
SELECT i.id, x.unit_id, x.role, x.st, '', i.reported_at + interval '30 minutes',
    CASE WHEN x.st <> 'dispatched' THEN i.reported_at + interval '50 minutes' END, i.id %% 50 = 2, '', NULL,
    CASE WHEN x.st = 'feedback_submitted' THEN i.reported_at + interval '2 days' END,
    CASE WHEN x.st = 'dispatched' AND i.reported_at < now() - interval '3 hours' THEN i.reported_at + interval '150 minutes' END,
    %(duty)s, CASE WHEN x.st <> 'dispatched' AND x.unit_id = %(edu_unit)s THEN %(edu)s END
FROM incidents_incident i,
     (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM incidents_unit WHERE code LIKE 'bu%%') u,
     LATERAL (VALUES
        (CASE WHEN i.id %% 20 = 0 THEN %(edu_unit)s ELSE u.ids[1 + i.id %% u.n] END, 'lead', 0),
        (u.ids[1 + (i.id + 7) %% u.n], 'assist', 1),
        (u.ids[1 + (i.id + 13) %% u.n], 'assist', 2)) AS v(unit_id, role, k),
     LATERAL (SELECT v.unit_id, v.role,
        CASE WHEN i.id %% 10 = 1 THEN 'dispatched' WHEN i.id %% 4 = 0 THEN 'feedback_submitted'
             WHEN i.id %% 4 = 1 THEN 'in_progress' ELSE 'claimed' END AS st) x
WHERE i.id > %(lo)s AND i.id <= %(hi)s AND i.status NOT IN ('reported', 'graded') AND v.k <= i.id %% 3
"""

DEADLINES_SQL = """
INSERT INTO monitoring_deadline (kind, incident_id, ticket_id, unit_id, rule, explicit, started_at, due_at,
    original_due_at, calendar_confirmed, state, met_at, breached_at, created_at)
SELECT d.kind, t.incident_id, t.id, t.unit_id, '{"policy": "bench"}', false, t.dispatched_at, d.due, d.due, true,
    CASE WHEN d.met IS NOT NULL THEN 'met' WHEN d.due <= now() THEN 'breached' ELSE 'pending' END,
    d.met, CASE WHEN d.met IS NULL AND d.due <= now() THEN d.due END, t.dispatched_at
FROM incidents_ticket t
CROSS JOIN LATERAL (VALUES ('claim', t.dispatched_at + interval '2 hours', t.claimed_at),
                           ('feedback', t.dispatched_at + interval '3 days', t.feedback_at)) AS d(kind, due, met)
WHERE t.id > %(lo)s AND t.id <= %(hi)s
"""

LINKS_SQL = """
INSERT INTO incidents_sourcelink (incident_id, platform, url, first_seen_at)
SELECT id, (ARRAY['微博','抖音','微信公众号','今日头条','本地论坛'])[1 + id %% 5], 'https://example.org/p/' || id, reported_at
FROM incidents_incident WHERE id > %(lo)s AND id <= %(hi)s
"""

# 知悉范围: a third of the confidential incidents granted to the liaison, a tenth to the unit's leader.
GRANTS_SQL = """
INSERT INTO guardian_userobjectpermission (object_pk, content_type_id, permission_id, user_id)
SELECT i.id::text, %(ct)s, %(perm)s, g.user_id
FROM incidents_incident i
JOIN (VALUES (%(edu)s, 3), (%(edu_leader)s, 10)) AS g(user_id, every) ON i.id %% g.every = 0
WHERE i.is_confidential AND i.id > %(lo)s AND i.id <= %(hi)s
"""

BATCH = 100_000


def ensure_database(url):
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(db, server=SERVER):
    """Point Django at the bench database, create and migrate it; returns its URL."""
    url = f"{server}/{db}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuqing.settings")
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def loaded_count():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_incident WHERE summary = '网民反映的问题摘要'")
        return cursor.fetchone()[0]


def load(n, units=1000):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from demo.incidents import ensure_units, ensure_users
    from incidents.models import Incident
    from incidents.search import terms_from

    demo_units = ensure_units()
    users = ensure_users(demo_units)
    root = demo_units["county"]
    ids = {
        "duty": users["duty"].pk,
        "edu": users["edu"].pk,
        "edu_leader": users["edu_leader"].pk,
        "edu_unit": demo_units["education"].pk,
        "ct": ContentType.objects.get_for_model(Incident).pk,
        "perm": Permission.objects.get(codename="view_incident", content_type__app_label="incidents").pk,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE monitoring_notification, monitoring_deadlinestep, monitoring_extensionrequest, "
            "monitoring_deadline, incidents_sourcelink, incidents_feedback, incidents_ticket, incidents_incident "
            "RESTART IDENTITY CASCADE"
        )
        cursor.execute("DELETE FROM guardian_userobjectpermission WHERE content_type_id = %s", [ids["ct"]])
        cursor.execute("DELETE FROM incidents_unit WHERE code LIKE 'bu%%'")
        cursor.execute(UNITS_SQL, {"root": root.pk, "root_path": root.path, "units": units})
        params = {**ids, "titles": TITLES, "terms": [terms_from(t, "网民反映的问题摘要") for t in TITLES], "n": n}
        for lo in range(0, n, BATCH):
            hi = min(lo + BATCH, n)
            cursor.execute("SELECT coalesce(max(id), 0) FROM incidents_ticket")
            t_lo = cursor.fetchone()[0]
            cursor.execute(INCIDENTS_SQL, {**params, "lo": lo + 1, "hi": hi})
            cursor.execute(TICKETS_SQL, {**params, "lo": lo, "hi": hi})
            cursor.execute("SELECT coalesce(max(id), 0) FROM incidents_ticket")
            cursor.execute(DEADLINES_SQL, {"lo": t_lo, "hi": cursor.fetchone()[0]})
            cursor.execute(LINKS_SQL, {"lo": lo, "hi": hi})
            cursor.execute(GRANTS_SQL, {**params, "lo": lo, "hi": hi})
            print(f"  {hi:,} incidents ({time.perf_counter() - started:.0f}s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded {n:,} incidents in {time.perf_counter() - started:.0f}s", flush=True)


def prepare(db, incidents=1_000_000, *, units=1000, reload=False, server=SERVER):
    """Create, migrate and load the bench database unless it already holds `incidents` bench incidents."""
    url = setup(db, server)
    if reload or loaded_count() != incidents:
        load(incidents, units)
    return url


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_h16a", help="database name (created if missing)")
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--reload", action="store_true", help="load again even if the count matches")
    args = parser.parse_args()
    url = prepare(args.db, args.incidents, units=args.units, reload=args.reload, server=args.server)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("incidents_incident", "incidents_ticket", "monitoring_deadline", "guardian_userobjectpermission"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"{table}: {cursor.fetchone()[0]:,}")
    print(url)


if __name__ == "__main__":
    main()
