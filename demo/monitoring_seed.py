"""舆情监测 in the demo county: the three watching units of 004 二(一) (监控中心 the net, 督查局 the leaders' message
boards, 网警大队 security matters), their sites (002 第三条's kinds of site), one login each, the patrol policy, today's
and tomorrow's roster, and the patrol slots ahead. Idempotent like demo.incidents: keyed by code, username, name."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from demo.incidents import DEMO_PASSWORD
from monitoring.models import DutyAssignment, PatrolPolicy, Shift, Site
from monitoring.planning import plan_patrol_slots
from org.models import Membership, Role, Unit

UNITS = [
    # code, name, kind, parent code
    ("jiankong", "县网络舆情应急监控中心", Unit.Kind.OFFICE, "cac"),
    ("duchaju", "县委县政府督查局", Unit.Kind.DEPARTMENT, "county"),
    ("wangjing", "县公安局网警大队", Unit.Kind.DEPARTMENT, "police"),
]
USERS = [
    # username, full name, unit code
    ("monitor", "刘监测", "jiankong"),
    ("monitor2", "张监测", "jiankong"),
    ("duchaju", "周督查", "duchaju"),
    ("wangjing", "吴网警", "wangjing"),
]
SITES = [
    # name, url, kind, unit code
    ("县城论坛", "https://bbs.example.cn/", Site.Kind.FORUM, "jiankong"),
    ("本地门户网站", "https://www.example.cn/", Site.Kind.PORTAL, "jiankong"),
    ("县政务微博", "https://weibo.example.cn/county", Site.Kind.WEIBO, "jiankong"),
    ("县融媒微信公众号", "", Site.Kind.WECHAT, "jiankong"),
    ("县融媒客户端", "", Site.Kind.APP, "jiankong"),
    ("人民网领导留言板", "https://liuyan.people.com.cn/", Site.Kind.MESSAGE_BOARD, "duchaju"),
    ("书记县长信箱", "https://www.example.cn/mailbox", Site.Kind.MESSAGE_BOARD, "duchaju"),
    ("本地贴吧", "https://tieba.example.cn/county", Site.Kind.FORUM, "wangjing"),
]
# Shifts of 监控中心 for today and tomorrow: (kind, start, end, usernames); an end at 0:00 is the next day.
SHIFTS = [
    (Shift.Kind.DAY, time(8, 30), time(17, 30), ["monitor", "duty"]),
    (Shift.Kind.EVENING, time(17, 30), time(0, 0), ["monitor2"]),
]


@transaction.atomic
def seed_monitoring(units, users):
    for code, name, kind, parent in UNITS:
        units[code], _ = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "parent": units[parent]}
        )
    User = get_user_model()
    for username, full_name, unit_code in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user, unit=units[unit_code], role=Role.LIAISON, defaults={"title": "监测员"}
        )
        users[username] = user
    for sort_order, (name, url, kind, unit_code) in enumerate(SITES):
        Site.objects.get_or_create(
            name=name, unit=units[unit_code], defaults={"url": url, "kind": kind, "sort_order": sort_order}
        )
    if not PatrolPolicy.objects.exists():
        PatrolPolicy.objects.create()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for day in (today, today + timedelta(days=1)):
        for kind, start, end, people in SHIFTS:
            starts_at = datetime.combine(day, start, tzinfo=tz)
            ends_at = datetime.combine(day + timedelta(days=1) if end <= start else day, end, tzinfo=tz)
            shift, _ = Shift.objects.get_or_create(
                unit=units["jiankong"], date=day, kind=kind, defaults={"starts_at": starts_at, "ends_at": ends_at}
            )
            for username in people:
                DutyAssignment.objects.get_or_create(shift=shift, user=users[username])
    plan_patrol_slots()
