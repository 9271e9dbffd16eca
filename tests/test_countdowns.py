"""Honest countdowns (issue 18): a limit in working days counts down in working days and hours, not in working
hours printed as clock days ("剩余工作时间 1天11小时" for five working days); the due instant is always beside it;
a clock limit (the 2-hour claim) counts in hours and minutes; past due reads "已超时 …"; and an approved extension
keeps the deadline in the same words. One function (deadlines.selectors.countdown) writes them for every page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from deadlines import services as extension_services
from deadlines.models import Deadline, DeadlineKind
from deadlines.selectors import clock_words, with_countdowns, working_words
from incidents import services
from incidents.models import TicketRole

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


MONDAY = at(2026, 11, 23, 10, 0)
WORKING_DAY = 7 * 3600  # 08:30–12:00 and 14:30–17:30, the default WorkSettings


def open_deadline(ticket, kind):
    return Deadline.objects.open().get(ticket=ticket, kind=kind)


def words(deadline, now):
    (shown,) = with_countdowns([Deadline.objects.get(pk=deadline.pk)], now)
    return shown.countdown


@pytest.fixture
def claimed(org, make_incident):
    """A 一般 incident dispatched on a Monday at 10:00 to 教育局 (lead), claimed at 10:30."""

    def run(dispatch_at=MONDAY, claim_at=MONDAY + timedelta(minutes=30)):
        with time_machine.travel(dispatch_at, tick=False):
            incident = make_incident(title="倒计时测试舆情", grade="IV")
            (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        with time_machine.travel(claim_at, tick=False):
            services.claim_ticket(org.edu_liaison, lead)
        return lead

    return run


def test_words_for_working_and_clock_time():
    assert working_words(5 * WORKING_DAY, WORKING_DAY) == "5 个工作日"
    assert working_words(4 * WORKING_DAY + 3 * 3600 + 59 * 60, WORKING_DAY) == "4 个工作日 3 小时"
    assert working_words(3 * 3600 + 20 * 60, WORKING_DAY) == "工作时间 3 小时 20 分钟"
    assert clock_words(2 * 86400 + 3 * 3600) == "2 天 3 小时"
    assert clock_words(80 * 60) == "1 小时 20 分钟"
    assert clock_words(3600) == "1 小时"
    assert clock_words(-20 * 60) == "20 分钟"


def test_five_working_days_read_as_working_days_with_the_due_instant(claimed):
    """002 第八条: 5 working days from the claim (Mon 10:30 → Mon 11-30 17:30). Right after the claim: the rest of
    Monday (4.5 working hours) and five full working days; the old wording said "1天15小时"."""
    lead = claimed()
    report = open_deadline(lead, DeadlineKind.REPORT)
    assert report.due_at == at(2026, 11, 30, 17, 30)
    shown = words(report, MONDAY + timedelta(minutes=30))
    assert shown.text == "剩余 5 个工作日 4 小时（截止 11月30日 周一 17:30）"
    assert not shown.clock_based and shown.working


def test_the_weekend_does_not_count(claimed):
    lead = claimed()
    report = open_deadline(lead, DeadlineKind.REPORT)
    # Friday 16:30: one working hour left on Friday, then Monday's seven.
    assert words(report, at(2026, 11, 27, 16, 30)).text == "剩余 1 个工作日 1 小时（截止 11月30日 周一 17:30）"
    # All through the weekend the same: no working time passes on Saturday and Sunday.
    assert words(report, at(2026, 11, 28, 9, 0)).left == "剩余 1 个工作日"
    assert words(report, at(2026, 11, 29, 23, 0)).left == "剩余 1 个工作日"
    # Monday afternoon, under one working day: hours and minutes of working time.
    assert words(report, at(2026, 11, 30, 15, 10)).left == "剩余工作时间 2 小时 20 分钟"


def test_a_holiday_does_not_count(claimed):
    """Claimed Wed 2026-09-30: 国庆 (10-01 to 10-07) is skipped, Sat 10-10 is a 调休 working day, so the fifth
    working day is Tue 10-13; in the middle of the holiday five full working days are still ahead."""
    lead = claimed(dispatch_at=at(2026, 9, 30, 9, 0), claim_at=at(2026, 9, 30, 10, 0))
    report = open_deadline(lead, DeadlineKind.REPORT)
    assert report.due_at == at(2026, 10, 13, 17, 30)
    assert words(report, at(2026, 9, 30, 16, 30)).text == "剩余 5 个工作日 1 小时（截止 10月13日 周二 17:30）"
    assert words(report, at(2026, 10, 3, 11, 0)).text == "剩余 5 个工作日（截止 10月13日 周二 17:30）"


def test_the_claim_window_counts_in_clock_time_and_overdue_reads_overdue(org, make_incident):
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(grade="IV")
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    claim = open_deadline(lead, DeadlineKind.CLAIM)
    shown = words(claim, MONDAY + timedelta(minutes=40))
    assert shown.text == "剩余 1 小时 20 分钟（截止 11月23日 周一 12:00）"
    assert shown.clock_based and not shown.working
    late = words(claim, MONDAY + timedelta(hours=3))
    assert late.text == "已超时 1 小时（截止 11月23日 周一 12:00）" and late.css == "breached"


def test_after_an_extension_the_deadline_keeps_counting_in_working_days(org, claimed, client):
    """The extension replaces the report deadline with an explicit due time; it still counts in working days
    (the policy it came from is 5wd), with the new due instant, on the ticket page as on the desk."""
    lead = claimed()
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        request = extension_services.request_extension(
            org.edu_liaison, lead, requested_due_at=at(2026, 12, 10, 17, 30), reason="需现场核查"
        )
        before = words(open_deadline(lead, DeadlineKind.REPORT), MONDAY + timedelta(hours=1)).left
        extension_services.approve_extension(org.duty, request, note="同意")
    extended = open_deadline(lead, DeadlineKind.REPORT)
    assert extended.replaces is not None and extended.rule["duration"] == ""
    assert before == "剩余 5 个工作日 4 小时"  # 11:00–12:00 and 14:30–17:30 on Monday
    # Fri 12-04 16:30 → Thu 12-10 17:30: Friday's hour, then Mon–Thu.
    with time_machine.travel(at(2026, 12, 4, 16, 30), tick=False):
        assert words(extended, at(2026, 12, 4, 16, 30)).text == "剩余 4 个工作日 1 小时（截止 12月10日 周四 17:30）"
        client.force_login(org.edu_liaison)
        page = client.get(reverse("ticket_detail", args=[lead.pk])).content.decode()
    assert "核实调查报告时限：剩余 4 个工作日 1 小时" in page and "（截止 12月10日 周四 17:30）" in page


def test_the_desk_and_the_ticket_list_show_the_same_words(org, claimed, client):
    """The 3-day 办理反馈时限 (000 三.2, calendar days) was due Thu 10:00; on Friday 16:30 both pages say so alike."""
    lead = claimed()
    expected = '办理反馈时限：已超时 1 天 6 小时</span><span class="countdown-due">（截止 11月26日 周四 10:00）'
    with time_machine.travel(at(2026, 11, 27, 16, 30), tick=False):
        client.force_login(org.edu_liaison)
        tickets = client.get(reverse("ticket_list")).content.decode()
        client.force_login(org.duty)
        desk = client.get("/desk/?queue=overdue").content.decode()
    assert lead.incident.title in tickets and expected in tickets
    assert lead.incident.title in desk and expected in desk


def test_a_due_instant_in_another_year_names_the_year(org, claimed):
    lead = claimed(dispatch_at=at(2026, 12, 28, 9, 0), claim_at=at(2026, 12, 28, 9, 30))
    report = open_deadline(lead, DeadlineKind.REPORT)
    assert "（截止 2027年1月" in words(report, at(2026, 12, 28, 10, 0)).text
