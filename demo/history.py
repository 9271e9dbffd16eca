"""A week of history for the demo county (issue 14, first run): on each of the past working days a few incidents
are reported, graded, dispatched, handled and closed, and the 日报 of that day is compiled at its cut-off and
issued, so the reports, the ledger, the assessment and the dashboard's charts have something to show.

Why the clock is moved rather than timestamps rewritten afterwards: the audit trail is append-only in the database
(migration incidents/0002_audit_append_only refuses any UPDATE), so rows back-dated after the fact would contradict
their audit records. Running the real services under a moved clock (time-machine, a runtime requirement for this
reason) writes every row, deadline, notice and audit record with the instant it would have had.

Idempotent: incidents are keyed by a demo external id ("demo:h<day>-<n>"), a day's 日报 exists once, and an issued
report is not issued again. Nothing is left for the timed checks to fire: every ticket of the history is claimed
and reported back, and each incident is closed or waits for the office's close-out with its deadlines met."""

from datetime import datetime, time, timedelta

import time_machine
from django.db import transaction
from django.utils import timezone

from followup.services import record_joint_review
from incidents import services
from incidents.models import Feedback, Incident, TicketRole
from reporting import daily
from reporting import services as reporting_services
from reporting.models import Report, ReportSettings
from workcalendar.working_days import WorkCalendar

HISTORY_DAYS = 7  # working days before today

# title, category, subject unit code, lead unit code, assisting unit code, (views, comments, sites, media), grade
STORIES = [
    ("网传县城某超市售卖过期食品", "livelihood", "chengguan", "chengguan", "health", (820, 64, 0, ""), "IV"),
    ("河东新区小区停水两天无人回应", "livelihood", "hedong", "housing", "chengguan", (1300, 150, 1, "local"), "III"),
    ("网民反映县人民医院夜间急诊排队久", "livelihood", "health", "health", "police", (960, 88, 0, ""), "IV"),
    ("青山乡学校校车超载视频流传", "safety", "qingshan", "education", "police", (2100, 260, 2, "municipal"), "III"),
    ("城关镇农贸市场周边占道经营被投诉", "livelihood", "chengguan", "chengguan", "police", (540, 37, 0, ""), "IV"),
    ("网传县一中调整招生范围", "rumour", "education", "education", "chengguan", (1800, 210, 1, "local"), "III"),
    ("某小区电梯频繁故障业主发帖", "livelihood", "housing", "housing", "chengguan", (700, 52, 0, ""), "IV"),
    ("县城主干道路灯大面积不亮", "safety", "chengguan", "chengguan", "housing", (450, 30, 0, ""), "IV"),
    ("网传疫苗接种点使用过期疫苗", "rumour", "health", "health", "police", (3600, 480, 4, "municipal"), "II"),
    ("河东街道垃圾清运不及时引发吐槽", "livelihood", "hedong", "housing", "chengguan", (380, 26, 0, ""), "IV"),
]
LIAISON_OF = {
    "education": "edu",
    "health": "health",
    "housing": "housing",
    "chengguan": "chengguan",
    "police": "police",
}
LEADERS_TOLD = {
    "II": "县委书记、县长、县委宣传部部长",
    "III": "涉事单位主要领导、分管领导",
    "IV": "涉事单位主要领导、分管领导",
}


def past_working_days(today, count=HISTORY_DAYS):
    """The `count` working days before `today`, oldest first (the calendar's working days: weekends, holidays
    and 调休 as the admin confirmed them)."""
    calendar = WorkCalendar.load()
    days, day = [], today
    while len(days) < count:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(day)
    return list(reversed(days))


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _story_walk(units, users, story, external_id, day, *, finish):
    """One incident of a past day, through the services, each step a few minutes after the last."""
    title, category, subject, lead, assist, (views, comments, sites, media), grade = story
    duty, leader = users["duty"], users["leader"]
    posted = timezone.now() - timedelta(minutes=50)
    incident = services.report_incident(
        duty,
        external_id=external_id,
        title=title,
        summary=f"{title}。网民关注度较高，需核实回应。",
        category=category,
        subject_unit=units[subject],
        posted_at=posted,
        first_seen_at=posted + timedelta(minutes=30),
        views=views,
        comments=comments,
        site_count=sites,
        media_level=media,
        links=[{"platform": "本地论坛", "url": f"https://bbs.example.cn/thread/{external_id.split(':')[1]}"}],
    )
    services.grade_incident(duty, incident, grade=grade, reason="依据传播数据和涉及领域研判")
    services.record_leader_report(
        duty, incident, channel="phone", reported_to=LEADERS_TOLD[grade], note="电话报告舆情概况及处置建议。"
    )
    lead_ticket, assist_ticket = services.dispatch_incident(
        duty,
        incident,
        assignments=[(units[lead], TicketRole.LEAD), (units[assist], TicketRole.ASSIST)],
        instructions="请核实情况并按时反馈。",
    )
    lead_liaison, assist_liaison = users[LIAISON_OF[lead]], users[LIAISON_OF[assist]]
    # Units claim within the claim window (认领时限, 2 h; 002 第六条) and report back the same day.
    with time_machine.travel(timezone.now() + timedelta(minutes=25), tick=False):
        services.claim_ticket(lead_liaison, lead_ticket)
        services.claim_ticket(assist_liaison, assist_ticket)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        services.submit_feedback(assist_liaison, assist_ticket, kind=Feedback.Kind.FEEDBACK, content="已配合核实。")
        services.submit_feedback(
            lead_liaison, lead_ticket, kind=Feedback.Kind.REPORT, content="经核实，已处置并向网民说明情况。"
        )
        if grade in ("I", "II"):
            # 关注度高的，经会商研判后回复 (002 第九条): the reply cites this review (followup/citation.py).
            record_joint_review(
                duty,
                incident,
                held_at=timezone.now() - timedelta(minutes=30),
                units=[units[lead], units[assist]],
                nature="关注度高，须以核实结果及时回应。",
                trend="转发量趋稳，未见线下聚集。",
                risks="若不及时澄清，可能引发群众误解和质疑。",
                handling=f"{units[lead].name}牵头核实，县融媒体中心发布情况说明。",
                caliber="以核实结果为准，公布事实，不作推测。",
            )
        services.publish_reply(
            duty, incident, kind="initial", channel="县融媒体中心", content=f"关于“{title}”的情况说明：已核实处置。"
        )
    if finish:
        with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
            closer = leader if grade in ("I", "II") else duty
            services.close_incident(closer, incident, opinion="处置到位，同意销号。")
    return incident


def _issue_daily(day, duty):
    """The day's 日报, compiled at its cut-off as the beat job does and issued by the duty officer."""
    cutoff = daily.cutoff_on(day, ReportSettings.current().daily_time)
    with time_machine.travel(cutoff + timedelta(minutes=2), tick=False):
        daily.compile_due_daily_reports()
        report = daily.daily_reports_on(day).first()
        if report is None or report.status != Report.Status.DRAFT:
            return False
    with time_machine.travel(cutoff + timedelta(minutes=20), tick=False):
        reporting_services.issue_report(duty, report)
    return True


def seed_history(units, users, today=None):
    """Returns how many incidents were created. Each day: two stories from 09:10 on; all but the last day's
    second story are closed (that one waits for close-out, its report in); then the day's 日报 is issued."""
    today = today or timezone.localdate()
    created = 0
    for index, day in enumerate(past_working_days(today)):
        for n, start in enumerate((_at(day, 9, 10), _at(day, 10, 40))):
            external_id = f"demo:h{index + 1}-{n + 1}"
            if Incident.objects.filter(external_id=external_id).exists():
                continue
            story = STORIES[(index * 2 + n) % len(STORIES)]
            last = index == HISTORY_DAYS - 1 and n == 1
            with transaction.atomic(), time_machine.travel(start, tick=False):
                _story_walk(units, users, story, external_id, day, finish=not last)
            created += 1
        with transaction.atomic():
            _issue_daily(day, users["duty"])
    return created
