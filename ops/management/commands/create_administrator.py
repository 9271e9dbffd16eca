"""Bootstrap of the three administrators (三员分立, GB/T 22239-2019 8.1.4.2) on a new installation, where no
superuser exists and only the security administrator may manage people: run once per administrator on the server.
The password is read from the terminal (or ADMIN_PASSWORD for automation) and must be changed at first login."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import audit
from org.access import ADMIN_DUTIES, duty_conflict, held_duties
from org.models import Membership, Role, Unit


class Command(BaseCommand):
    help = "创建系统管理员、安全管理员或审计管理员（三员分立；新装系统没有超级用户时使用）。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="登录名")
        parser.add_argument("--role", required=True, choices=[str(r) for r in ADMIN_DUTIES], help="管理员类型")
        parser.add_argument("--unit", required=True, help="所在单位编码（如 office）")
        parser.add_argument("--name", default="", help="姓名")

    def handle(self, *args, username, role, unit, name, **options):
        unit_obj = Unit.objects.filter(code=unit, is_active=True).first()
        if unit_obj is None:
            raise CommandError(f"单位编码不存在或已停用：{unit}")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        conflict = duty_conflict(held_duties(user) | {role}) if user is not None else ""
        if conflict:
            raise CommandError(conflict)
        password = None
        if user is None:
            password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("初始密码：")
            try:
                validate_password(password, User(username=username))
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
        with transaction.atomic():
            created = user is None
            if created:
                user = User(username=username, first_name=name)
                user.set_password(password)
            user.is_staff = True  # the Django admin is where each administrator works
            user.save()
            membership, _ = Membership.objects.update_or_create(
                user=user, unit=unit_obj, role=role, defaults={"is_active": True, "title": Role(role).label}
            )
            audit.record(
                None,
                "role_change",
                membership,
                after={
                    "user": username,
                    "unit": unit_obj.name,
                    "role": Role(role).label,
                    "via": "create_administrator",
                },
            )
        what = "已创建" if created else "已授予"
        self.stdout.write(f"{what} {username}：{Role(role).label}（{unit_obj.name}）。首次登录须修改初始密码。")
