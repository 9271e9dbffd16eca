from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = "从备份目录恢复数据库和附件/报告文件（覆盖当前数据；备份之后的审计记录会保留）。"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="backup 命令生成的备份目录")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    def handle(self, *args, directory, yes=False, **options):
        try:
            manifest = read_manifest(directory)
            if not yes and input(f"将用 {manifest['created_at']} 的备份覆盖当前数据库和文件，输入 yes 继续：") != "yes":
                raise CommandError("已取消。")
            restore_backup(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"恢复完成：{directory}（请随后运行 python manage.py migrate）")
