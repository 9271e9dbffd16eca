from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from monitoring.sweep import run_timed_checks


class Command(BaseCommand):
    help = "Run the timed checks (reminders, breaches/督办, leader escalation) as of now or a given instant."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 instant, e.g. 2026-11-23T17:00+08:00 (default: now)")
        parser.add_argument("--dry-run", action="store_true", help="print what would fire, change nothing")

    def handle(self, *args, at=None, dry_run=False, **options):
        now = timezone.now()
        if at:
            now = parse_datetime(at)
            if now is None:
                raise CommandError(f"--at 不是有效的 ISO-8601 时间：{at}")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        fired = run_timed_checks(now, dry_run=dry_run)
        verb = "将触发" if dry_run else "已触发"
        self.stdout.write(f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} {verb} {len(fired)} 项")
        for item in fired:
            self.stdout.write(str(item))
