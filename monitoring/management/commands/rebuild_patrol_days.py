"""Recount the daily patrol figures (PatrolDay, PatrolDayPerson) from the slots and records: after a restore, a
bulk load, or to check the kept rows. Idempotent; the compliance page reads the old rows until it commits."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core import audit
from monitoring import patrol_days


class Command(BaseCommand):
    help = "按巡查时段和巡查记录重新统计每日巡查情况（巡查情况页面、日报和季度通报的数据来源）"

    def handle(self, *args, **options):
        with transaction.atomic():
            days, people = patrol_days.rebuild()
            audit.record(None, "patrol_days_rebuilt", None, after={"days": days, "people": people})
        if options["verbosity"]:
            self.stdout.write(f"已重新统计 {days} 个单位日、{people} 个人员日。")
