from django.core.management.base import BaseCommand
from django.utils import timezone

from demo.history import HISTORY_DAYS, seed_history
from demo.incidents import DEMO_PASSWORD, LOGINS, seed_demo
from demo.monitoring_seed import seed_monitoring
from demo.reporting import seed_reporting
from workcalendar.models import CalendarYear


def calendar_lines(today):
    """What the working-day calendar of the demo says about this year and the next, truthfully: a year is
    confirmed when its holiday arrangement is in the calendar and marked confirmed (workcalendar.CalendarYear)."""
    rows = {row.year: row for row in CalendarYear.objects.filter(year__in=(today.year, today.year + 1))}
    lines = []
    for year in (today.year, today.year + 1):
        row = rows.get(year)
        if row is not None and row.confirmed:
            lines.append(f"  工作日历：已确认 {year} 年节假日安排（来源：{row.source or '管理员确认'}）。")
        else:
            lines.append(
                f"  工作日历：{year} 年节假日安排尚未确认（国务院办公厅公布后，系统管理员在“工作日历”页面"
                f"点“{year} 年”录入放假和调休日期，再点“确认 {year} 年安排”）；在此之前跨入该年的工作日时限只按周末计算。"
            )
    return lines


class Command(BaseCommand):
    help = (
        "Load the demo county (units, one login per role, a dozen incidents today and a week of history with "
        "issued daily reports). Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        units, users, created = seed_demo()
        seed_reporting(units, users)
        history = seed_history(units, users)
        seed_monitoring(units, users)  # 舆情监测 (issue 15): watching units, sites, logins, roster, patrol slots
        self.stdout.write(
            f"演示数据就绪（新建舆情 {created} 条；过去 {HISTORY_DAYS} 个工作日的历史舆情 {history} 条，"
            "每日日报已签发）。"
        )
        for line in calendar_lines(timezone.localdate()):
            self.stdout.write(line)
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for label, username in LOGINS:
            self.stdout.write(f"  {label:<24} {username}")
