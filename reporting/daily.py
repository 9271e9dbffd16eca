"""舆情日报: the daily roll-up (issue 6; docs/rules.md §5, L1–L3, §9.19, §9.23).

The roll-up covers the items *reported* from the previous roll-up's cut-off up to this one's (the
configured time, Asia/Shanghai, 17:00 by default: "每日下午17时前…报区委办公室", so an item arriving after
the cut-off belongs to the next day). The first ever report covers the 24 h before its cut-off.

compile_daily_content is a pure read of a fixed handful of aggregate queries (about a dozen, whatever the
number of items): counts are grouped in the database, and only the few items of note are fetched."""

import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, prefetch_related_objects
from django.utils import timezone

from core.errors import InvalidInput
from deadlines.models import Deadline
from deadlines.selectors import county_deadlines
from incidents.clearance import sensitive_items
from incidents.models import Grade, MediaLevel, SourceLink, TicketRole
from incidents.selectors import county_incidents, county_tickets
from incidents.workflow import INCIDENT_OPEN_STATES, TICKET_OPEN_STATES, IncidentStatus
from org.access import require_role
from reporting import documents, generation
from reporting.figures import NOTABLE_GRADES, NOTABLE_LIMIT, grade_label, items_reported
from reporting.models import DailySubmission, Report, ReportSettings
from reporting.patrol_figures import patrol_section
from reporting.safe_output import UNAVAILABLE, format_each, plain_title, printable_content

# Items of note in the 日报: those of figures.NOTABLE_GRADES plus the most viewed of the rest, whatever became
# of them — dismissed and positive items too (docs/rules.md §9.19: the 日报 carries items that never become tickets).
TOP_BY_VIEWS = 5
SUMMARY_CHARS = 160
GRADE_ORDER = [Grade.I, Grade.II, Grade.III, Grade.IV]


# --- the period ----------------------------------------------------------------------------------


def cutoff_on(day, daily_time):
    """The roll-up's cut-off on a calendar day, in Asia/Shanghai (the project's TIME_ZONE)."""
    return timezone.make_aware(datetime.datetime.combine(day, daily_time))


def latest_cutoff(now, daily_time):
    """The most recent cut-off at or before `now`: today's once its time has come, else yesterday's."""
    today = timezone.localdate(now)
    cutoff = cutoff_on(today, daily_time)
    return cutoff if now >= cutoff else cutoff_on(today - datetime.timedelta(days=1), daily_time)


def daily_reports_on(day):
    """The daily report dated `day` (its cut-off falls on that local day), as a queryset."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return Report.objects.filter(
        kind=Report.Kind.DAILY, period_end__gte=start, period_end__lt=start + datetime.timedelta(days=1)
    )


def period_ending(cutoff):
    """From the previous roll-up's cut-off (so nothing falls between two reports, even after days of
    downtime) to `cutoff`; the first ever report covers the 24 h before it."""
    previous = (
        Report.objects.filter(kind=Report.Kind.DAILY, period_end__lt=cutoff)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    return (previous or cutoff - datetime.timedelta(hours=24)), cutoff


# --- compiling -----------------------------------------------------------------------------------


def _local(instant, fmt="%m月%d日%H:%M"):
    return timezone.localtime(instant).strftime(fmt)


def _notable(new):
    graded = list(
        new.filter(grade__in=NOTABLE_GRADES)
        .select_related("subject_unit")
        .order_by("grade", "-views", "id")[:NOTABLE_LIMIT]
    )
    most_viewed = list(
        new.exclude(grade__in=NOTABLE_GRADES).select_related("subject_unit").order_by("-views", "id")[:TOP_BY_VIEWS]
    )
    items = graded + most_viewed
    prefetch_related_objects(
        items, "links", Prefetch("tickets", queryset=county_tickets().select_related("unit").order_by("role", "id"))
    )
    return items


def _notable_paragraph(n, item):
    platforms = "、".join(dict.fromkeys(link.platform for link in item.links.all())) or "未注明"
    summary = (item.summary or "").strip().replace("\n", " ")
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS] + "……"
    spread = f"浏览{item.views}、评论{item.comments}、转发{item.reposts}"
    if item.media_level:
        spread += f"，{MediaLevel(item.media_level).label}已关注"
    lead = next((t.unit.name for t in item.tickets.all() if t.role == TicketRole.LEAD), None)
    handling = IncidentStatus(item.status).label + (f"，主办单位：{lead}" if lead else "")
    text = f"{n}. 【{grade_label(item.grade)}】{item.title}（{item.number}）。"
    if summary:
        text += summary.rstrip("。") + "。"
    return text + f"来源：{platforms}；{spread}。处置情况：{handling}。"


def _notable_fallback(n, item):
    """An item of note that could not be formatted: its title only, so the 日报 still goes out that day (004 三(二)
    "每天汇总编发")."""
    return f"{n}. {plain_title(item)}{UNAVAILABLE}"


def _submission_rows(day):
    settings = ReportSettings.current()
    units = list(settings.collecting_units.order_by("sort_order", "path"))
    submitted = {s.unit_id: s for s in DailySubmission.objects.filter(date=day, unit__in=units)}
    rows = []
    for unit in units:
        s = submitted.get(unit.pk)
        if s is None:
            rows.append({"unit": unit.name, "state": "未报送", "submitted_at": "", "items": 0})
        else:
            lines = [line for line in s.content.splitlines() if line.strip() and line.strip() != "无"]
            rows.append(
                {
                    "unit": unit.name,
                    "state": "逾期报送" if s.is_late else "按时报送",
                    "submitted_at": _local(s.submitted_at, "%H:%M"),
                    "items": len(lines),
                }
            )
    return rows


# The period's items, then each one's platforms through the links' incident_id index: a LATERAL subquery is a nested
# loop the planner cannot turn into a hash join over every link of history (issue 16: 732 ms over 1,068,708 links at
# 1M history), and one statement, where sending the period's ids back as parameters cost 0.8 s of Python at 10,000
# items. An item with no link joins no row: its platform reads NULL (SourceLink.platform is NOT NULL).
PLATFORMS_SQL = """SELECT l.platform, COUNT(*) FROM ({period}) AS i (id)
LEFT JOIN LATERAL (SELECT DISTINCT s.platform FROM {links} s WHERE s.incident_id = i.id) AS l ON true
GROUP BY l.platform
"""


def platform_statement(new):
    """(sql, params) of the platform count on PostgreSQL (tests/test_daily_platform_plan.py EXPLAINs it at size)."""
    period, params = new.order_by().values("id").query.sql_with_params()
    return PLATFORMS_SQL.format(period=period, links=SourceLink._meta.db_table), params


def _platform_counts(new):
    """Items per source platform (an item with links on two platforms counts once on each), and how many have no
    link, in one statement whose cost follows the period's items, never the links of history."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(*platform_statement(new))
            rows = dict(cursor.fetchall())
    else:  # SQLite (development, tests): the same figures through the ORM's LEFT JOIN
        rows = dict(new.order_by().values_list("links__platform").annotate(n=Count("pk", distinct=True)))
    no_link = rows.pop(None, 0)
    platforms = [{"platform": p, "n": n} for p, n in rows.items()]
    platforms.sort(key=lambda p: (-p["n"], p["platform"]))
    return platforms, no_link


def compile_daily_content(period_start, period_end):
    """The 日报's figures and text for items reported in [period_start, period_end). Pure read."""
    new = items_reported(period_start, period_end)
    dispatched = Exists(county_tickets().filter(incident=OuterRef("pk")))
    by_grade, by_status = dict.fromkeys([*GRADE_ORDER, ""], 0), {}
    total = without_ticket = 0
    for row in new.annotate(dispatched=dispatched).values("grade", "status", "dispatched").annotate(n=Count("id")):
        total += row["n"]
        by_grade[row["grade"]] = by_grade.get(row["grade"], 0) + row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        without_ticket += 0 if row["dispatched"] else row["n"]
    platforms, no_link = _platform_counts(new)
    # The 日报 goes to every leader on the list (004 三(二)), cleared or not: a confidential item of note is counted,
    # never described; whoever is cleared reads it on its incident page (issue 11 §1).
    notable = _notable(new)
    sensitive = sum(1 for item in notable if item.is_confidential)
    notable = [item for item in notable if not item.is_confidential]
    open_incidents = dict(
        county_incidents().filter(status__in=INCIDENT_OPEN_STATES).values_list("status").annotate(n=Count("id"))
    )
    open_tickets = dict(
        county_tickets().filter(status__in=TICKET_OPEN_STATES).values_list("status").annotate(n=Count("id"))
    )
    overdue = list(
        county_deadlines()
        .open()
        .filter(state=Deadline.State.BREACHED)
        .values("unit_id", "unit__name")
        .annotate(deadlines=Count("id"), items=Count("incident", distinct=True))
        .order_by("-deadlines", "unit__name")
    )
    day = timezone.localdate(period_end)
    submissions = _submission_rows(day)

    grade_rows = [[grade_label(g), by_grade.get(g, 0)] for g in [*GRADE_ORDER, ""]] + [["合计", total]]
    platform_rows = [[p["platform"] or "未注明", p["n"]] for p in platforms]
    if no_link:
        platform_rows.append(["无来源链接", no_link])
    open_rows = [
        [IncidentStatus(s).label, n]
        for s, n in sorted(open_incidents.items(), key=lambda kv: INCIDENT_OPEN_STATES.index(kv[0]))
    ]
    overdue_rows = [[o["unit__name"] or "办公室（舆情整体）", o["items"], o["deadlines"]] for o in overdue]
    submission_rows = [[s["unit"], s["state"], s["submitted_at"] or "—", s["items"]] for s in submissions]

    graded_text = "，".join(f"{grade_label(g)}{by_grade.get(g, 0)}条" for g in [*GRADE_ORDER, ""])
    overview = (
        f"{_local(period_start)}至{_local(period_end)}，共收集舆情信息{total}条，其中{graded_text}；"
        f"未形成转办的{without_ticket}条（含不予处置、正面宣传等信息）。"
    )
    if platform_rows:
        overview += "主要来源：" + "、".join(f"{name}{n}条" for name, n in platform_rows[:5]) + "。"
    notable_text = (
        "\n\n".join(
            format_each(notable, _notable_paragraph, _notable_fallback, report="舆情日报")
            + ([sensitive_items(sensitive)] if sensitive else [])
        )
        or "本时段无重点舆情。"
    )
    open_total = sum(open_incidents.values())
    handling = (
        f"截至统计时，尚未办结的舆情{open_total}条，"
        + ("，".join(f"{label}{n}条" for label, n in open_rows) or "无")
        + f"；在办转办单{sum(open_tickets.values())}件。"
    )
    overdue_text = (
        "以下单位存在逾期未办结事项，请督促办理：" + "、".join(f"{r[0]}{r[1]}条" for r in overdue_rows) + "。"
        if overdue_rows
        else "截至统计时，无逾期未办结事项。"
    )
    counts = {state: sum(1 for s in submissions if s["state"] == state) for state in ("按时报送", "逾期报送", "未报送")}
    submission_text = (
        f"应报送单位{len(submissions)}个：按时报送{counts['按时报送']}个，逾期报送{counts['逾期报送']}个，"
        f"未报送{counts['未报送']}个"
        + (
            "（" + "、".join(s["unit"] for s in submissions if s["state"] == "未报送") + "）"
            if counts["未报送"]
            else ""
        )
        + "。"
    )
    patrols, patrol_figures = patrol_section("patrols", "七、巡查情况", period_start, period_end, period_end)
    return printable_content(
        {
            "title": f"舆情日报（{day.year}年{day.month}月{day.day}日）",
            "subtitle": f"统计时段：{_local(period_start)}至{_local(period_end)}",
            "sections": [
                documents.section("overview", "一、总体情况", overview, documents.table(["等级", "条数"], grade_rows)),
                documents.section(
                    "sources",
                    "二、来源平台",
                    "按来源平台统计（一条舆情可有多个来源）。",
                    documents.table(["平台", "条数"], platform_rows),
                ),
                documents.section("notable", "三、重点舆情", notable_text),
                documents.section(
                    "handling", "四、处置情况", handling, documents.table(["舆情状态", "条数"], open_rows)
                ),
                documents.section(
                    "overdue",
                    "五、逾期未办结",
                    overdue_text,
                    documents.table(["责任单位", "逾期舆情（条）", "逾期时限（项）"], overdue_rows),
                ),
                documents.section(
                    "submissions",
                    "六、单位报送情况",
                    submission_text,
                    documents.table(["单位", "报送情况", "报送时间", "报送条数"], submission_rows),
                ),
                patrols,
            ],
            "figures": {
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "date": day.isoformat(),
                "total": total,
                "by_grade": {g or "none": by_grade.get(g, 0) for g in [*GRADE_ORDER, ""]},
                "by_status": by_status,
                "without_ticket": without_ticket,
                "by_platform": {name: n for name, n in platform_rows},
                "notable_ids": [item.pk for item in notable],
                "notable_sensitive": sensitive,
                "open_incidents": open_incidents,
                "open_tickets": open_tickets,
                "overdue_by_unit": [{"unit": r[0], "items": r[1], "deadlines": r[2]} for r in overdue_rows],
                "submissions": submissions,
                "patrols": patrol_figures,
            },
        }
    )


def sms_text(report):
    """The issued 日报 as the SMS to the distribution list (004 三(二): "以手机短信形式报送"): its title, period and
    counts, from the compiled figures (the office edits the text, never the figures); the link is added at
    delivery. Short labels and the counts first, so it reads on a phone."""
    figures = report.content.get("figures", {})
    by_grade = figures.get("by_grade", {})
    grades = "、".join(f"{grade_label(g).split(' ')[-1]}{by_grade.get(g or 'none', 0)}" for g in [*GRADE_ORDER, ""])
    overdue = figures.get("overdue_by_unit", [])
    text = (
        f"【{report.get_kind_display()}】{report.title}：{_local(report.period_start)}至{_local(report.period_end)}"
        f"收集舆情{figures.get('total', 0)}条（{grades}），未办结{sum(figures.get('open_incidents', {}).values())}条"
    )
    if overdue:
        text += f"，逾期未办结{sum(o['items'] for o in overdue)}条（{len(overdue)}个单位）"
    return text + "。"


# --- generating ----------------------------------------------------------------------------------


def _create(day, cutoff, actor):
    period_start, period_end = period_ending(cutoff)
    content = compile_daily_content(period_start, period_end)
    return generation.create_report(
        Report.Kind.DAILY, period_start, period_end, content, actor, numbered_at=period_end, dated=period_end
    )


def _regenerate(report, actor):
    content = compile_daily_content(report.period_start, report.period_end)
    return generation.regenerate_report(report, content, actor, dated=report.period_end)


def generate_daily_report(report_date, *, actor=None, now=None) -> Report:
    """Compile the 日报 dated `report_date` and store its .docx as a new version. Regenerating a draft
    recompiles the same period and keeps the earlier versions; an issued report is never regenerated.
    `actor` None is the system (the beat job); a person must be a duty officer."""
    now = now or timezone.now()
    require_role(actor, "is_office", "只有办公室值班员可以生成日报。", system=True)
    with transaction.atomic():
        # One row lock serialises concurrent generators (two beat workers, a person and the beat).
        settings = ReportSettings.objects.select_for_update().get(pk=ReportSettings.current().pk)
        cutoff = cutoff_on(report_date, settings.daily_time)
        existing = daily_reports_on(report_date).select_for_update().first()
        if existing is not None:
            return _regenerate(existing, actor)
        if now < cutoff:
            raise InvalidInput(
                f"{report_date:%Y-%m-%d} 的日报汇总时间（{settings.daily_time:%H:%M}）未到，暂不能生成。"
            )
        return _create(report_date, cutoff, actor)


def compile_due_daily_reports(now=None):
    """The beat job's service, state-based: if the latest cut-off has passed and its day has no report,
    generate that one report, once. After downtime spanning several cut-offs only the latest missed day
    is generated; its period starts at the previous report's cut-off, so no item is left out and leaders
    do not get a pile of stale reports. Returns the new report, or None."""
    now = now or timezone.now()
    daily_time = ReportSettings.current().daily_time
    day = timezone.localdate(latest_cutoff(now, daily_time))
    if daily_reports_on(day).exists():  # the cheap check every minute; re-checked under the lock
        return None
    try:
        with transaction.atomic():
            settings = ReportSettings.objects.select_for_update().get(pk=ReportSettings.current().pk)
            cutoff = latest_cutoff(now, settings.daily_time)
            day = timezone.localdate(cutoff)
            if daily_reports_on(day).exists():
                return None
            return _create(day, cutoff, None)
    except IntegrityError:  # a twin worker inserted the same period first (unique kind + period_start)
        return None
