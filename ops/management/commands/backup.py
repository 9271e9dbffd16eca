from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, create_backup, prune_backups


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL: pg_dump；SQLite: 在线备份）和附件/报告文件到带时间戳的目录。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="备份根目录（默认 BACKUP_DIR）")
        parser.add_argument(
            "--keep-days", type=int, default=settings.BACKUP_KEEP_DAYS, help="删除早于此天数的备份（最新一份总保留）"
        )

    def handle(self, *args, dir=None, keep_days=None, **options):
        try:
            path = create_backup(dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"备份完成：{path}")
        for name in prune_backups(dir, keep_days=keep_days):
            self.stdout.write(f"已删除过期备份：{name}")
