"""The demo county's monitoring (004 二(一): 监控中心, 督查局, 网警大队): loads once, idempotently."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from demo.incidents import seed_demo
from demo.monitoring_seed import seed_monitoring
from monitoring import selectors
from monitoring.models import PatrolSlot, Shift, Site


def test_the_demo_watch_list_roster_and_slots_load_once(db):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        units, users, _ = seed_demo()
        seed_monitoring(units, users)
        counts = (Site.objects.count(), Shift.objects.count(), PatrolSlot.objects.count())
        seed_monitoring(units, users)
        assert counts == (Site.objects.count(), Shift.objects.count(), PatrolSlot.objects.count())
        assert {s.unit.code for s in Site.objects.filter(kind=Site.Kind.MESSAGE_BOARD)} == {"duchaju"}
        assert {u.code for u in selectors.watching_units()} == {"jiankong", "duchaju", "wangjing"}
        assert {a.user.username for a in selectors.on_duty()} == {"monitor", "duty"}
        # Each watching unit has its slots for the next 36 hours; 09:00 on a working day: 09:30 is the first.
        first = PatrolSlot.objects.filter(unit=units["duchaju"]).order_by("starts_at").first()
        assert f"{first.starts_at.astimezone(ZoneInfo('Asia/Shanghai')):%H:%M}" == "09:30"
