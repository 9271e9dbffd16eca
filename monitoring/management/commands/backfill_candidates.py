"""Turn the units' earlier 17:00 submissions into candidate items (issue 15; 000 二.1), for a date range. Safe to run
again: what already became a candidate is not made twice (monitoring.backfill)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from monitoring.backfill import backfill_candidates


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期应写成 2026-11-01：{value}") from None


class Command(BaseCommand):
    help = "补生成候选舆情：把指定日期范围内各单位的每日报送逐条生成候选舆情（已生成的不重复生成）。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="开始日期，如 2026-11-01")
        parser.add_argument("--to", dest="end", required=True, help="结束日期（含），如 2026-11-30")

    def handle(self, *args, start: str, end: str, **options):
        try:
            done = backfill_candidates(None, start=_date(start), end=_date(end))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{done.start}至{done.end}：{done.submissions}份报送，新生成候选舆情{done.created}条。")
