"""突发事件 continuous watch (issue 15; 000 二.2 "遇突发事件时实行24小时监测，第一时间报告"): the planner adds slots at the
watch's shorter interval while it runs and none after its end; ending it early cancels the extra slots planned
beyond; each matching new item is told to the office leaders at once, and nothing after the end. Time-machine."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline
from monitoring import emergency
from monitoring.models import Keyword, PatrolDay, PatrolSlot, Site
from monitoring.planning import plan_patrol_slots
from notifications.models import Notification
from reporting.models import RiskTopic

from .factories import UnitFactory

SH = ZoneInfo("Asia/Shanghai")
TEN = datetime(2026, 12, 1, 10, 0, tzinfo=SH)  # a Tuesday, an ordinary working day


@pytest.fixture
def centre(org):
    unit = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    Site.objects.create(name="县城论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=unit)
    return unit


def start(org, **kwargs):
    fields = {"title": "化工厂火情", "reason": "网传化工厂起火", "keywords": "化工厂，爆炸", "interval": 15}
    fields.update(kwargs)
    with time_machine.travel(TEN, tick=False):
        return emergency.start_watch(org.duty, ends_at=TEN + timedelta(hours=4), **fields)


def emergency_starts():
    return sorted(PatrolSlot.objects.filter(kind=PatrolSlot.Kind.EMERGENCY).values_list("starts_at", flat=True))


def test_planner_adds_the_shorter_interval_for_the_watch_period_only(org, centre):
    watch = start(org)
    with time_machine.travel(TEN, tick=False):
        plan_patrol_slots(until=TEN + timedelta(days=1))
    grid = [TEN + timedelta(minutes=15 * n) for n in range(16)]  # 10:00 … 13:45, by hand
    normal = set(PatrolSlot.objects.exclude(kind=PatrolSlot.Kind.EMERGENCY).values_list("starts_at", flat=True))
    half_past = TEN + timedelta(minutes=30)
    assert half_past in normal  # the hourly office slot keeps its start (office hours begin 8:30) …
    assert half_past not in emergency_starts()  # … and the watch adds the quarters between
    assert emergency_starts() == [t for t in grid if t not in normal]
    assert len(emergency_starts()) >= 12
    assert all(s.due_at - s.starts_at == timedelta(minutes=15) for s in PatrolSlot.objects.filter(kind="emergency"))
    assert not PatrolSlot.objects.filter(kind="emergency", starts_at__gte=watch.ends_at).exists()
    with time_machine.travel(TEN, tick=False):
        assert plan_patrol_slots(until=TEN + timedelta(days=1)) == []  # idempotent
    assert AuditEvent.objects.filter(action="emergency_started", object_id=str(watch.pk)).exists()


def test_ending_early_cancels_the_later_extra_slots(org, centre):
    watch = start(org)
    with time_machine.travel(TEN, tick=False):
        plan_patrol_slots(until=TEN + timedelta(days=1))
    eleven = TEN + timedelta(hours=1)
    later = list(
        PatrolSlot.objects.filter(kind="emergency", starts_at__gte=eleven).values_list("deadline_id", flat=True)
    )
    assert later
    with time_machine.travel(eleven, tick=False):
        emergency.end_watch(org.duty, watch)
        made = plan_patrol_slots(until=eleven + timedelta(days=1))
    assert [s for s in made if s.kind == PatrolSlot.Kind.EMERGENCY] == []  # the planner no longer adds any
    assert all(t < eleven for t in emergency_starts())
    assert set(Deadline.objects.filter(pk__in=later).values_list("state", flat=True)) == {Deadline.State.CANCELLED}
    event = AuditEvent.objects.get(action="emergency_ended")
    assert event.after["slots_cancelled"] == len(later)
    # The day's compliance figures no longer count the cancelled slots (002 第六条 考核).
    day = PatrolDay.objects.get(unit=centre, day=TEN.date())
    assert day.slots == PatrolSlot.objects.filter(unit=centre, starts_at__date=TEN.date()).count()


def test_each_matching_new_item_is_reported_at_once(org, centre, make_incident):
    topic = RiskTopic.objects.create(name="安全生产", keywords="事故", unit=org.police)
    Keyword.objects.create(phrase="危化品泄漏", topic=topic)
    start(org, keywords="化工厂", topic=topic)
    with time_machine.travel(TEN + timedelta(minutes=5), tick=False):
        make_incident(title="网传城东化工厂冒黑烟")  # the watch's own keyword
        make_incident(title="某地危化品泄漏传闻")  # a library keyword of the watch's topic
        make_incident(title="小区停水")  # neither
    told = Notification.objects.filter(recipient=org.leader, title__startswith="【突发事件即报】")
    assert sorted(n.title.split("：", 1)[1].split(" ", 1)[1] for n in told if n.channel == "inbox") == [
        "某地危化品泄漏传闻",
        "网传城东化工厂冒黑烟",
    ]
    assert {n.channel for n in told} == {"inbox", "sms"}
    with time_machine.travel(TEN + timedelta(hours=5), tick=False):  # after the end
        make_incident(title="化工厂后续")
    assert told.count() == 4


def test_a_watch_is_time_boxed_and_for_the_office(org, centre):
    with pytest.raises(InvalidInput):
        with time_machine.travel(TEN, tick=False):
            emergency.start_watch(
                org.duty, title="x", reason="y", keywords="a", ends_at=TEN + timedelta(days=8), interval=15
            )
    with pytest.raises(InvalidInput):
        with time_machine.travel(TEN, tick=False):
            emergency.start_watch(org.duty, title="x", reason="y", keywords="", ends_at=TEN + timedelta(hours=1))
    with pytest.raises(NotPermitted):
        emergency.start_watch(org.edu_liaison, title="x", reason="y", keywords="a", ends_at=TEN + timedelta(hours=1))


def test_the_page_starts_and_ends_a_watch(client, org, centre):
    with time_machine.travel(TEN, tick=False):
        client.force_login(org.duty)
        bad = client.post(
            "/monitoring/emergency/", {"action": "start", "title": "", "interval": "1", "ends_at": "2026-12-01T12:00"}
        )
        assert bad.status_code == 400
        ok = client.post(
            "/monitoring/emergency/",
            {
                "action": "start",
                "title": "暴雨",
                "keywords": "积水",
                "interval": "20",
                "ends_at": f"{(TEN + timedelta(hours=6)).astimezone(SH):%Y-%m-%dT%H:%M}",
                "reason": "暴雨预警",
            },
        )
        assert ok.status_code == 302
        watch = emergency.active_watches(TEN)[0]
        assert watch.ends_at == TEN + timedelta(hours=6)
        assert "暴雨" in client.get("/monitoring/emergency/").content.decode()
        assert client.post("/monitoring/emergency/", {"action": "end", "watch": watch.pk}).status_code == 302
        assert emergency.active_watches(TEN + timedelta(seconds=1)) == []
