"""周报, 月报 and the quarterly 通报 (issue 6; docs/rules.md §5, L32–L34; `003` 三(三): items "summarised,
classified, and compared with handling status"; `002` 第十二条: the quarter's 认领、处置、回应 per unit).

A periodic report covers a whole calendar period in Asia/Shanghai: a week Monday–Sunday, a month, a
quarter. It falls due on the morning after its period (a week's on the configured weekday), and the beat
job generates what is due and missing: state-based, so a run after downtime catches up, and exactly once,
because (kind, period_start) is unique."""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from deadlines.selectors import county_deadlines
from incidents.clearance import sensitive_items
from incidents.models import Category, Grade, TicketRole
from incidents.selectors import county_tickets
from incidents.workflow import IncidentStatus
from org.access import require_role
from reporting import documents, figure_sources, generation
from reporting.assessment import assess_units
from reporting.figures import NOTABLE_GRADES, NOTABLE_LIMIT, grade_label, items_reported
from reporting.models import Criticism, Report, ReportSettings
from reporting.patrol_figures import patrol_section
from reporting.safe_output import UNAVAILABLE, format_each, plain_title, printable_content

KINDS = (Report.Kind.WEEKLY, Report.Kind.MONTHLY, Report.Kind.QUARTERLY)
# Due on the morning after the period, when the office starts work (the texts give no hour).
DUE_TIME = datetime.time(8, 0)
GRADES = [Grade.I, Grade.II, Grade.III, Grade.IV, ""]
QUARTER_NAMES = "一二三四"
SECTION_NUMBERS = "一二三四五六七八九十"

logger = logging.getLogger(__name__)


# --- periods -------------------------------------------------------------------------------------


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_bounds(kind, first_day):
    """[start, end) aware datetimes of the period of `kind` that starts on `first_day`; InvalidInput if
    `first_day` does not start such a period."""
    if kind == Report.Kind.WEEKLY:
        if first_day.weekday() != 0:
            raise InvalidInput("周报的统计期间须从星期一开始。")
        return _midnight(first_day), _midnight(first_day + datetime.timedelta(days=7))
    if kind == Report.Kind.MONTHLY:
        if first_day.day != 1:
            raise InvalidInput("月报的统计期间须从每月1日开始。")
        return _midnight(first_day), _midnight(_add_months(first_day, 1))
    if kind == Report.Kind.QUARTERLY:
        if first_day.day != 1 or first_day.month not in (1, 4, 7, 10):
            raise InvalidInput("季度通报的统计期间须从1月、4月、7月或10月1日开始。")
        return _midnight(first_day), _midnight(_add_months(first_day, 3))
    raise InvalidInput("报告类型须为周报、月报或季度通报。")


def _containing_start(kind, day):
    if kind == Report.Kind.WEEKLY:
        return day - datetime.timedelta(days=day.weekday())
    if kind == Report.Kind.MONTHLY:
        return day.replace(day=1)
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _previous_start(kind, first_day):
    if kind == Report.Kind.WEEKLY:
        return first_day - datetime.timedelta(days=7)
    return _add_months(first_day, -1 if kind == Report.Kind.MONTHLY else -3)


def due_at(kind, first_day, weekly_weekday=0):
    """When the report of the period starting `first_day` falls due."""
    _, end = period_bounds(kind, first_day)
    day = timezone.localdate(end)
    if kind == Report.Kind.WEEKLY:
        day += datetime.timedelta(days=weekly_weekday)  # 0 = the Monday right after the week
    return timezone.make_aware(datetime.datetime.combine(day, DUE_TIME))


def latest_due_period(kind, now, weekly_weekday=0):
    """The first day of the latest period whose report is due at `now`."""
    first_day = _previous_start(kind, _containing_start(kind, timezone.localdate(now)))
    while due_at(kind, first_day, weekly_weekday) > now:
        first_day = _previous_start(kind, first_day)
    return first_day


# --- compiling -----------------------------------------------------------------------------------


def _date(instant):
    day = timezone.localtime(instant)
    return f"{day.year}年{day.month}月{day.day}日"


def title_of(kind, start, end):
    last = timezone.localdate(end) - datetime.timedelta(days=1)
    if kind == Report.Kind.WEEKLY:
        year, week, _ = timezone.localdate(start).isocalendar()
        return f"舆情周报（{year}年第{week}周）"
    if kind == Report.Kind.MONTHLY:
        return f"舆情月报（{last.year}年{last.month}月）"
    return f"{last.year}年第{QUARTER_NAMES[(last.month - 1) // 3]}季度网络舆情办理情况通报"


def _handling_of(status):
    if status == IncidentStatus.CLOSED:
        return "closed"
    if status == IncidentStatus.DISMISSED:
        return "dismissed"
    return "open"


def _by_category(items, now):
    """{category: {total, closed, open, dismissed, overdue}}: two grouped queries."""
    table = {value: dict.fromkeys(("total", "closed", "open", "dismissed", "overdue"), 0) for value in Category.values}
    for row in items.values("category", "status").annotate(n=Count("pk")).order_by():
        counts = table.setdefault(
            row["category"], dict.fromkeys(("total", "closed", "open", "dismissed", "overdue"), 0)
        )
        counts["total"] += row["n"]
        counts[_handling_of(row["status"])] += row["n"]
    late = county_deadlines().open().filter(incident=OuterRef("pk"), due_at__lte=now)
    for row in items.filter(Exists(late)).values("category").annotate(n=Count("pk")).order_by():
        table[row["category"]]["overdue"] = row["n"]
    return table


def _notable(items):
    lead = Prefetch(
        "tickets",
        queryset=county_tickets().filter(role=TicketRole.LEAD).select_related("unit").order_by("-id"),
        to_attr="lead_tickets",
    )
    return list(
        items.filter(grade__in=NOTABLE_GRADES).prefetch_related(lead).order_by("grade", "-views", "id")[:NOTABLE_LIMIT]
    )


def _notable_row(n, item):
    lead = item.lead_tickets[0].unit.name if item.lead_tickets else "—"
    return [item.number, item.title, grade_label(item.grade), lead, IncidentStatus(item.status).label]


def _notable_fallback(n, item):
    """An item that could not be formatted keeps its row (number, title) so the report is still compiled."""
    return [getattr(item, "number", ""), plain_title(item), "—", "—", UNAVAILABLE]


def _category_row(n, entry):
    value, c = entry
    return [Category(value).label, c["total"], c["closed"], c["open"], c["dismissed"], c["overdue"]]


def _category_fallback(n, entry):
    """A category no longer in the list (stored before it changed) is counted under its stored value."""
    value, c = entry
    return [str(value) or "未分类", c["total"], c["closed"], c["open"], c["dismissed"], c["overdue"]]


def compile_periodic_content(kind, start, end, *, now=None):
    """The report's figures and text for items reported in [start, end). Pure read, a fixed number of
    queries (the assessment is grouped too)."""
    now = now or timezone.now()
    kind_label = Report.Kind(kind).label
    items = items_reported(start, end)
    by_grade = dict(items.values_list("grade").annotate(n=Count("pk")).order_by())
    total = sum(by_grade.values())
    previous_start = _midnight(_previous_start(kind, timezone.localdate(start)))
    previous_total = items_reported(previous_start, start).count()
    categories = _by_category(items, now)
    # Read by every leader on the list: a confidential item of note is counted, never described (issue 11 §1).
    notable = _notable(items)
    sensitive = sum(1 for item in notable if item.is_confidential)
    notable = [item for item in notable if not item.is_confidential]
    scores = assess_units(start, end, now=now)

    change = total - previous_total
    trend = f"较上期（{previous_total}条）{'增加' if change > 0 else '减少'}{abs(change)}条" if change else "与上期持平"
    overview = (
        f"{_date(start)}至{_date(end - datetime.timedelta(seconds=1))}，共收集舆情信息{total}条，{trend}。其中"
        + "，".join(f"{grade_label(g)}{by_grade.get(g, 0)}条" for g in GRADES)
        + "。"
    )
    totals = {key: sum(c[key] for c in categories.values()) for key in ("closed", "open", "dismissed", "overdue")}
    classified = (
        f"按类别统计并对照办理情况：已办结{totals['closed']}条，在办{totals['open']}条，不予处置{totals['dismissed']}条；"
        f"截至统计时存在逾期时限的{totals['overdue']}条。"
    )
    counted = [(value, c) for value, c in categories.items() if c["total"]]
    category_rows = format_each(counted, _category_row, _category_fallback, report=kind_label)
    notable_rows = format_each(notable, _notable_row, _notable_fallback, report=kind_label)
    notable_text = (
        f"本期较大及以上舆情{len(notable) + sensitive}条，办理情况如下。"
        if notable or sensitive
        else "本期无较大及以上舆情。"
    ) + (f"其中{sensitive_items(sensitive)}，不列入下表。" if sensitive else "")
    received = [s for s in scores if s.tickets_received or s.claim.total or s.feedback.total]
    unit_rows = [
        [s.unit_name, s.tickets_received, str(s.claim), str(s.feedback), str(s.reply), s.extensions, s.returns]
        for s in sorted(received, key=lambda s: (-s.tickets_received, s.unit_name))
    ]
    sections = [
        documents.section(
            "overview",
            "一、总体情况",
            overview,
            documents.table(
                ["等级", "条数"], [[grade_label(g), by_grade.get(g, 0)] for g in GRADES] + [["合计", total]]
            ),
        ),
        documents.section(
            "categories",
            "二、分类统计及办理情况",
            classified,
            documents.table(["类别", "条数", "已办结", "在办", "不予处置", "逾期"], category_rows),
        ),
        documents.section(
            "notable",
            "三、重点舆情办理情况",
            notable_text,
            documents.table(["编号", "标题", "等级", "主办单位", "状态"], notable_rows),
        ),
        documents.section(
            "units",
            "四、各单位办理情况",
            f"本期共有{len(received)}个单位承办转办事项。" if received else "本期无转办事项。",
            documents.table(["单位", "接收转办", "按时认领", "按时反馈", "按时回应", "申请延期", "退回"], unit_rows),
        ),
    ]
    figures = {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "total": total,
        "previous_total": previous_total,
        "by_grade": {g or "none": by_grade.get(g, 0) for g in GRADES},
        "by_category": {k: v for k, v in categories.items() if v["total"]},
        "notable_ids": [i.pk for i in notable],
        "notable_sensitive": sensitive,
        "units": {s.unit_name: s.tickets_received for s in received},
    }
    if kind == Report.Kind.QUARTERLY:
        sections += _quarterly_sections(start, end, scores, figures)
        patrols, figures["patrols"] = patrol_section("patrols", "七、巡查情况", start, end, now)
        sections.append(patrols)
    # Sections of the apps above reporting (reporting.figure_sources), numbered after this report's own.
    for source in figure_sources.sources_for(kind):
        number = SECTION_NUMBERS[len(sections)] if len(sections) < len(SECTION_NUMBERS) else str(len(sections) + 1)
        extra, figures[source.key] = source.build(source.key, f"{number}、{source.title}", start, end, now)
        sections.append(extra)
    return printable_content(
        {
            "title": title_of(kind, start, end),
            "subtitle": f"{kind_label} · 统计期间：{_date(start)}至{_date(end - datetime.timedelta(seconds=1))}",
            "sections": sections,
            "figures": figures,
        }
    )


def _quarterly_sections(start, end, scores, figures):
    """The 通报's assessment table (`002` 第十二条) and its 通报批评 list (`000` 四.3)."""
    criticisms = list(
        Criticism.objects.filter(recorded_at__gte=start, recorded_at__lt=end)
        .select_related("unit", "ticket__incident")
        .order_by("recorded_at", "id")
    )
    score_rows = [
        [
            s.rank,
            s.unit_name,
            s.score_text,
            s.tickets_received,
            s.claim.short,
            s.feedback.short,
            s.reply.short,
            s.extensions,
            s.returns,
            s.designated_claims,
            s.supervisions,
            s.criticisms,
        ]
        for s in scores
    ]
    criticism_rows = [
        [
            c.unit.name,
            c.get_cause_display(),
            c.ticket.incident.number if c.ticket_id else "—",
            c.reason,
            timezone.localtime(c.recorded_at).strftime("%Y-%m-%d"),
        ]
        for c in criticisms
    ]
    figures["assessment"] = [
        {"unit": s.unit_name, "rank": s.rank, "score": str(s.score), "tickets": s.tickets_received} for s in scores
    ]
    figures["criticisms"] = len(criticisms)
    best = "、".join(s.unit_name for s in scores if s.rank == 1) if scores else ""
    return [
        documents.section(
            "assessment",
            "五、单位考核情况",
            "根据网络政务舆情认领、处置、回应情况，对各单位考核如下（按得分排名）。"
            + (f"本季度得分最高：{best}。" if best else ""),
            documents.table(
                [
                    "排名",
                    "单位",
                    "得分",
                    "转办",
                    "按时认领",
                    "按时反馈",
                    "按时回应",
                    "延期",
                    "退回",
                    "指定认领",
                    "督报",
                    "批评",
                ],
                score_rows,
            ),
        ),
        documents.section(
            "criticisms",
            "六、通报批评",
            (
                f"本季度对反馈不及时或虚假反馈的{len(criticisms)}起情形给予通报批评。"
                if criticisms
                else "本季度无通报批评。"
            ),
            documents.table(["单位", "原因", "舆情编号", "说明", "日期"], criticism_rows),
        ),
    ]


# --- generating ----------------------------------------------------------------------------------


def _create(kind, start, end, actor, content):
    return generation.create_report(kind, start, end, content, actor, numbered_at=end - datetime.timedelta(seconds=1))


def _regenerate(report, actor, now):
    content = compile_periodic_content(report.kind, report.period_start, report.period_end, now=now)
    return generation.regenerate_report(report, content, actor, dated=now)


def generate_periodic_report(kind, period_start, *, actor=None, now=None, regenerate=True) -> Report:
    """Compile the 周报/月报/季度通报 of the period starting on `period_start` (a date) and store its .docx
    as a new version. Regenerating a draft recompiles and keeps the earlier versions; an issued report is
    never regenerated. With `regenerate` False an existing report of the period is refused (Conflict), so a
    person asking for one on demand regenerates only when they say so. `actor` None is the system (the beat job);
    a person must be a duty officer."""
    now = now or timezone.now()
    require_role(actor, "is_office", "只有办公室值班员可以生成周报、月报和季度通报。", system=True)
    start, end = period_bounds(kind, period_start)
    if now < end:
        raise InvalidInput(f"统计期间至{_date(end - datetime.timedelta(seconds=1))}结束，尚未结束，暂不能生成。")
    with transaction.atomic():
        existing = Report.objects.select_for_update().filter(kind=kind, period_start=start).first()
        if existing is not None:
            if not regenerate:
                raise Conflict(
                    f"该期间的{Report.Kind(kind).label}已存在（{existing.get_status_display()}）："
                    "如需按最新数据重新生成，请勾选“重新生成”。",
                    {"regenerate": ["该期间的报告已存在，重新生成须勾选此项。"]},
                )
            return _regenerate(existing, actor, now)
        try:
            return _create(kind, start, end, actor, compile_periodic_content(kind, start, end, now=now))
        except IntegrityError:  # created meanwhile by the beat job: regenerate that one instead
            return _regenerate(Report.objects.select_for_update().get(kind=kind, period_start=start), actor, now)


def period_containing(kind, day):
    """The first day of the period of `kind` (a whole week Monday–Sunday, month or quarter, Asia/Shanghai) that
    contains `day`, as the beat job's periods are cut (latest_due_period)."""
    return _containing_start(kind, day)


def compile_due_periodic(now=None):
    """The beat job's service: for each kind, if the latest period that is due has no report, generate it,
    once. After downtime only the latest due period of each kind is generated (its figures cover its whole
    period, so nothing is lost), not a pile of stale reports. One kind failing costs only that kind (logged, and
    tried again at the next run); the others are still generated. Returns the reports created."""
    now = now or timezone.now()
    weekly_weekday = ReportSettings.current().weekly_weekday
    created = []
    for kind in KINDS:
        first_day = latest_due_period(kind, now, weekly_weekday)
        start, end = period_bounds(kind, first_day)
        if Report.objects.filter(kind=kind, period_start=start).exists():
            continue
        try:
            content = compile_periodic_content(kind, start, end, now=now)  # a read: outside the transaction
            with transaction.atomic():
                created.append(_create(kind, start, end, None, content))
        except IntegrityError:  # a twin worker inserted the same period first (unique kind + period_start)
            continue
        except Exception:
            logger.exception("%s（%s起）生成失败，下次定时任务将重试", Report.Kind(kind).label, first_day)
    return created
