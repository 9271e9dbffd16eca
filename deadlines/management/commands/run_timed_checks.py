from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from deadlines.sweep import run_timed_checks


class Command(BaseCommand):
    help = (
        "按当前时间或指定时间运行时限检查（到期提醒、逾期督办、逾期升级报告领导）。"
        "--at 指定将来的时间会把尚未到期的时限记为逾期，因此须同时加 --dry-run（只查看）或 --force（测试/运维工具）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 时间，如 2026-11-23T17:00+08:00（默认：现在）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将触发的步骤，不做任何更改")
        parser.add_argument(
            "--force",
            action="store_true",
            help="测试/运维工具：按将来的 --at 时间实际触发（未到期的时限会被记为逾期并发出督办，切勿用于在用系统）",
        )

    def handle(self, *args, at=None, dry_run=False, force=False, **options):
        now = timezone.now()
        if at:
            at_instant = parse_datetime(at)
            if at_instant is None:
                raise CommandError(f"--at 不是有效的 ISO-8601 时间：{at}")
            if timezone.is_naive(at_instant):
                at_instant = timezone.make_aware(at_instant)
            if at_instant > now and not (dry_run or force):
                raise CommandError(
                    f"--at {timezone.localtime(at_instant):%Y-%m-%d %H:%M:%S} 晚于当前时间，"
                    "会把尚未到期的时限记为逾期并发出督办。只查看请加 --dry-run；测试或运维确需如此时请加 --force。"
                )
            now = at_instant
        fired = run_timed_checks(now, dry_run=dry_run)
        left = [item for item in fired if item.outcome.startswith("failed") or item.outcome == "waiting_breach"]
        verb = "将触发" if dry_run else "已触发"
        summary = f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} {verb} {len(fired) - len(left)} 项"
        if left:
            summary += f"，未触发 {len(left)} 项（出错或等待逾期步骤，已记录在督办步骤上，下次运行重试）"
        self.stdout.write(summary)
        for item in fired:
            self.stdout.write(str(item))
