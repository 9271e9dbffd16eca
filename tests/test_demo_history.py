"""First run (issue 14): the demo county has a week of history, written by the real services under a moved clock so
the audit trail agrees with every row; its daily reports are issued and not empty; a second run adds nothing; the
demo left running for two hours sends no 督办; the seed command says truthfully which calendar years are confirmed,
and the 2027 banner tells the admin which page, which action and by when."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from core.models import AuditEvent
from deadlines.calendar_status import calendar_warnings
from deadlines.models import DeadlineKind, DeadlineStep
from deadlines.sweep import run_timed_checks
from demo.history import HISTORY_DAYS, past_working_days
from incidents.models import Incident, Ticket
from notifications.models import Notification
from reporting.models import Report

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 16, 0, tzinfo=SHANGHAI)  # a Monday afternoon, before the 17:00 日报

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    with time_machine.travel(MONDAY, tick=False):
        out = StringIO()
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_past_working_days_skip_weekends():
    days = past_working_days(date(2026, 11, 30))
    assert len(days) == HISTORY_DAYS and days[-1] == date(2026, 11, 27) and days[0] == date(2026, 11, 19)
    assert all(day.weekday() < 5 for day in days)


def test_a_week_of_history_with_a_consistent_audit_trail(seeded):
    history = Incident.objects.filter(external_id__startswith="demo:h")
    assert history.count() == 2 * HISTORY_DAYS
    assert history.filter(status="closed").count() == 2 * HISTORY_DAYS - 1
    days = {timezone.localtime(i.reported_at, SHANGHAI).date() for i in history}
    assert days == set(past_working_days(MONDAY.date()))
    for incident in history:
        reported = AuditEvent.objects.filter(object_type="incident", object_id=str(incident.pk)).order_by("at").first()
        assert reported is not None and reported.at == incident.reported_at  # written at the moved clock
        if incident.closed_at:
            closed = AuditEvent.objects.filter(incident=incident, action="close").order_by("-at").first()
            assert closed is not None and closed.at == incident.closed_at > incident.reported_at
    tickets = Ticket.objects.filter(incident__in=history)
    assert tickets.count() == 4 * HISTORY_DAYS and not tickets.filter(claimed_at__isnull=True).exists()


def test_each_past_day_has_an_issued_daily_report_with_its_incidents(seeded):
    reports = Report.objects.filter(kind=Report.Kind.DAILY).order_by("period_end")
    assert reports.count() == HISTORY_DAYS
    assert all(r.status == Report.Status.ISSUED and r.issued_at and r.versions.exists() for r in reports)
    for report in reports:
        text = str(report.content)
        day_titles = Incident.objects.filter(
            external_id__startswith="demo:h",
            reported_at__gt=report.period_start,
            reported_at__lte=report.period_end,
        ).values_list("title", flat=True)
        assert day_titles and all(title in text for title in day_titles), (report.title, list(day_titles))


def test_a_second_run_adds_nothing(seeded):
    counts = (Incident.objects.count(), Report.objects.count(), AuditEvent.objects.count(), Ticket.objects.count())
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        out = StringIO()
        call_command("seed_demo", stdout=out)
    assert "新建舆情 0 条" in out.getvalue() and "历史舆情 0 条" in out.getvalue()
    assert counts == (
        Incident.objects.count(),
        Report.objects.count(),
        AuditEvent.objects.count(),
        Ticket.objects.count(),
    )


def test_two_hours_of_running_send_no_supervision_notice(seeded):
    """Every demo ticket has a realistic state: claimed (or returned), so the claim window's breach and escalation
    (认领时限 2 h, 002 第六条) never fire on the demo's own examples. A missed patrol slot does fire (the demo's
    监测员 is there to patrol, 002 第六条): that is the duty officer's reminder, not a 督办 of a unit."""
    with time_machine.travel(MONDAY + timedelta(hours=2, minutes=1), tick=False):
        run_timed_checks()
    fired = DeadlineStep.objects.filter(state="fired").exclude(deadline__kind=DeadlineKind.PATROL)
    assert not fired.filter(step__in=("breach", "escalate")).exists(), list(fired.values_list("step", flat=True))
    assert not Notification.objects.filter(title__contains="督办").exists()
    assert not Ticket.objects.filter(claimed_at__isnull=True).exclude(status="returned").exists()


def test_the_seed_says_which_calendar_years_are_confirmed(seeded):
    assert "工作日历：已确认 2026 年节假日安排（来源：chinesecalendar" in seeded
    assert "2027 年节假日安排尚未确认" in seeded and "确认 2027 年安排" in seeded


def test_the_2027_banner_says_what_the_admin_must_do(db):
    (warning,) = [w for w in calendar_warnings(date(2026, 11, 30)) if w.year == 2027]
    for words in (
        "顶部导航的“工作日历”",
        "点“2027 年”",
        "从 chinesecalendar 同步",
        "确认 2027 年安排",
        "2026 年 12 月 31 日前",
    ):
        assert words in warning.text, words
    assert calendar_warnings(date(2026, 10, 30)) == []  # before November the next year is not due yet
