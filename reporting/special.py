"""舆情专报: the special report on a 重大/特别重大 incident (docs/rules.md §5, §4.6; `004` 三(三)), prefilled
from the incident in four sections — facts, spread, risks, proposed handling — for the office to edit."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.models import Grade, MediaLevel, TicketRole
from incidents.workflow import IncidentStatus
from org import recipients as monitoring_recipients
from org.models import Role, Unit
from reporting import documents
from reporting.models import Report

SPECIAL_GRADES = (Grade.I, Grade.II)


def _when(instant):
    """A time in the text: the date without zero padding (2026年12月2日14:00), as the 成文日期 is written."""
    if not instant:
        return "—"
    local = timezone.localtime(instant)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def _county_name():
    """主送 of a 专报 sent upward: the county (the top unit), whose leaders it is for."""
    return (
        Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path").values_list("name", flat=True).first()
        or ""
    )


def county_leaders():
    """Leaders of the top unit (the county): 县委书记, 县长, 宣传部部长 … are all on a 专报 (`004` 三(三))."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Role.LEADER,
            memberships__is_active=True,
            memberships__unit__parent__isnull=True,
            memberships__unit__is_active=True,
        )
        .distinct()
    )


def required_recipients(incident, lead_ticket=None):
    """The leaders a 专报 goes to: the county leaders, the lead unit's leaders and the involved unit's
    (docs/rules.md §5: "also the principal leaders of the involved unit and its competent department")."""
    people = county_leaders()
    if lead_ticket is not None:
        people += monitoring_recipients.leaders(lead_ticket.unit)
    if incident.subject_unit_id:
        people += monitoring_recipients.leaders(incident.subject_unit)
    return list({p.pk: p for p in people}.values())


def lead_ticket_of(tickets):
    return next((t for t in tickets if t.role == TicketRole.LEAD and t.is_open), None) or next(
        (t for t in tickets if t.role == TicketRole.LEAD), None
    )


def compile_special_content(incident, tickets, links, *, sequence=1, numbers=None):
    grade = Grade(incident.grade).label
    facts = (
        f"{_when(incident.first_seen_at)}，监测发现「{incident.title}」（{incident.number}），研判等级为{grade}。"
        + (f"涉事单位/属地：{incident.subject_unit.name}。" if incident.subject_unit_id else "")
        + (f"地点：{incident.location}。" if incident.location else "")
        + (f"\n\n{incident.summary.strip()}" if incident.summary.strip() else "")
    )
    media = MediaLevel(incident.media_level).label if incident.media_level else "暂无媒体跟进"
    spread = (
        f"截至{_when(timezone.now())}，相关信息浏览{incident.views}次、评论{incident.comments}条、转发{incident.reposts}次，"
        f"转载网站{incident.site_count}家；最高媒体级别：{media}。"
    )
    risks = (
        f"研判理由：{incident.grade_reason.strip() or '（待补充）'}"
        + ("\n\n该事项属历史遗留问题，办理周期较长，需防止反复。" if incident.is_historical else "")
        + "\n\n（请结合舆情走势补充可能引发的次生风险、炒作风险和线下聚集风险。）"
    )
    handling_lines = [
        f"{t.unit.name}（{t.get_role_display()}）：{t.get_status_display()}，转办于{_when(t.dispatched_at)}"
        for t in tickets
    ]
    handling = (
        "当前处置情况："
        + IncidentStatus(incident.status).label
        + "。"
        + ("\n\n" + "\n\n".join(handling_lines) if handling_lines else "\n\n尚未转办。")
        + "\n\n建议：责任单位迅速核实情况，按时限发布权威信息，回应社会关切；宣传、网信部门加强舆情监测和正面引导。"
    )
    link_rows = [[link.platform, link.url, _when(link.first_seen_at)] for link in links]
    number = f"第{sequence}期" if sequence > 1 else ""
    return {
        **documents.letterhead(Report.Kind.SPECIAL, numbers or {}, main_recipient=_county_name()),
        **documents.classification(incident),
        "title": "舆情专报" + (f"（{number}）" if number else ""),
        "subtitle": incident.title,
        "sections": [
            documents.section("facts", "一、事件概况", facts),
            documents.section(
                "spread", "二、传播态势", spread, documents.table(["平台", "链接", "发现时间"], link_rows)
            ),
            documents.section("risks", "三、风险研判", risks),
            documents.section("proposals", "四、处置建议", handling),
        ],
        "figures": {
            "incident": incident.pk,
            "grade": incident.grade,
            "views": incident.views,
            "comments": incident.comments,
            "reposts": incident.reposts,
            "site_count": incident.site_count,
            "links": len(link_rows),
            "sequence": sequence,
        },
    }
