"""巡查情况 in the 日报 and the 季度通报 (issue 15; 002 第五条、第六条: patrols on schedule, missed ones counted)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from monitoring.models import DutyAssignment, PatrolSlot, Shift, Site
from monitoring.planning import plan_patrol_slots
from monitoring.services.patrols import record_patrol
from org.models import Role
from reporting.daily import compile_daily_content
from reporting.models import Report
from reporting.periodic import compile_periodic_content

from .factories import UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 12, 1, 0, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture
def patrolled(org):
    """监控中心's Tuesday: one patrol at 09:40, none after it."""
    centre = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    forum = Site.objects.create(name="县城论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=centre)
    watcher = person("watcher", centre, Role.LIAISON, first_name="刘监测")
    shift = Shift.objects.create(
        unit=centre,
        date=TUESDAY.date(),
        kind=Shift.Kind.DAY,
        starts_at=TUESDAY.replace(hour=8),
        ends_at=TUESDAY.replace(hour=17, minute=30),
    )
    DutyAssignment.objects.create(shift=shift, user=watcher)
    with time_machine.travel(TUESDAY, tick=False):
        plan_patrol_slots(until=TUESDAY + timedelta(days=1))
    with time_machine.travel(TUESDAY.replace(hour=9, minute=40), tick=False):
        record_patrol(watcher, unit=centre, sites=[forum], found=False, findings="")
    return centre


def test_the_daily_report_counts_patrols_on_time_and_missed(patrolled):
    """002 第六条: the 17:00 日报 says how many patrol slots were due, kept on time and missed, by unit."""
    start, end = TUESDAY.replace(hour=0) - timedelta(hours=7), TUESDAY.replace(hour=17)
    with time_machine.travel(end, tick=False):
        content = compile_daily_content(start, end)
    due = PatrolSlot.objects.filter(starts_at__gte=start, starts_at__lt=end, due_at__lte=end).count()
    figures = content["figures"]["patrols"]
    # The 09:40 patrol keeps the 09:30 slot on time and covers the missed earlier one late; the rest are missed.
    assert due > 3 and figures == {"due": due, "on_time": 1, "late": 1, "missed": due - 2}
    section = next(s for s in content["sections"] if s["key"] == "patrols")
    assert section["heading"] == "七、巡查情况" and f"漏巡{due - 2}次" in section["text"]
    assert "网络舆情应急监控中心" in section["text"]


def test_the_quarterly_notice_counts_patrols(patrolled):
    """002 第五条、第六条 with 第十二条 考核: the 季度通报 carries the quarter's patrol figures."""
    start, end = datetime(2026, 10, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH)
    now = TUESDAY.replace(hour=17)
    content = compile_periodic_content(Report.Kind.QUARTERLY, start, end, now=now)
    assert content["figures"]["patrols"]["on_time"] == 1 and content["figures"]["patrols"]["missed"] >= 1
    assert any(s["key"] == "patrols" for s in content["sections"])
    monthly = compile_periodic_content(Report.Kind.MONTHLY, datetime(2026, 12, 1, tzinfo=SH), end, now=now)
    assert "patrols" not in monthly["figures"]
