from django.core.management.base import BaseCommand

from demo.incidents import DEMO_PASSWORD, LOGINS, seed_demo
from demo.monitoring_seed import seed_monitoring
from demo.reporting import seed_reporting


class Command(BaseCommand):
    help = "Load the demo county (units, one login per role, a dozen incidents). Safe to run repeatedly."

    def handle(self, *args, **options):
        units, users, created = seed_demo()
        seed_reporting(units, users)
        seed_monitoring(units, users)
        self.stdout.write(f"演示数据就绪（新建舆情 {created} 条）。演示账号（密码均为 {DEMO_PASSWORD}）：")
        for label, username in LOGINS:
            self.stdout.write(f"  {label:<24} {username}")
