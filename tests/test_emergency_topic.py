"""突发事件 watch by risk topic (issue 15; 000 二.2 "遇突发事件时实行24小时监测，第一时间报告"): the office picks a risk
topic on the page; its keywords in the library (one added after the start included) and the risk library's own list
are watched, plus optional extra keywords; the extra patrol slots exist the moment the watch starts, for every
watching unit (not at the next hourly plan), and the planner afterwards creates none twice. Time-machine."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import InvalidInput
from core.models import AuditEvent
from monitoring import emergency, keyword_library
from monitoring.keyword_library import KeywordData
from monitoring.models import EmergencyWatch, Keyword, PatrolDay, PatrolSlot, Site
from monitoring.planning import plan_patrol_slots
from notifications.models import Notification
from reporting.models import RiskTopic

from .factories import UnitFactory

SH = ZoneInfo("Asia/Shanghai")
TEN = datetime(2026, 12, 1, 10, 0, tzinfo=SH)  # a Tuesday, an ordinary working day


@pytest.fixture
def watchers(org):
    centre = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    police = UnitFactory(code="wangjing", name="网警大队", parent=org.county)
    Site.objects.create(name="县城论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=centre)
    Site.objects.create(name="本地贴吧", url="https://tieba.example.cn/", kind=Site.Kind.FORUM, unit=police)
    return centre, police


@pytest.fixture
def safety(org):
    topic = RiskTopic.objects.create(name="安全生产", keywords="事故", unit=org.police)
    Keyword.objects.create(phrase="危化品泄漏", topic=topic)
    return topic


def local(instant: datetime) -> str:
    return f"{instant.astimezone(SH):%Y-%m-%dT%H:%M}"


def test_starting_by_topic_on_the_page_creates_the_extra_slots_at_once(client, org, watchers, safety):
    """000 二.2 第一时间: the slots exist right after the start, for each watching unit, before any planner run."""
    client.force_login(org.duty)
    with time_machine.travel(TEN, tick=False):
        response = client.post(
            "/monitoring/emergency/",
            {
                "action": "start",
                "title": "化工园区泄漏",
                "topic": safety.pk,
                "keywords": "",
                "interval": "20",
                "ends_at": local(TEN + timedelta(hours=2)),
                "reason": "网传化工园区泄漏",
            },
        )
    assert response.status_code == 302
    watch = EmergencyWatch.objects.get()
    assert watch.topic == safety and watch.keyword_list == []
    slots = PatrolSlot.objects.filter(kind=PatrolSlot.Kind.EMERGENCY)
    # The 20-minute grid from 10:00 to 12:00 by hand, less the hourly office slots' own starts (10:30, 11:30).
    expected = [TEN + timedelta(minutes=m) for m in (0, 20, 40, 60, 80, 100)]
    for unit in watchers:
        assert sorted(slots.filter(unit=unit).values_list("starts_at", flat=True)) == expected
    assert all(s.deadline.rule["source"].startswith("000 二.2") for s in slots.select_related("deadline"))
    event = AuditEvent.objects.get(action="emergency_started")
    assert event.after["topic"] == safety.pk and event.after["slots_planned"] == 12
    # The compliance figures (002 第六条 考核) count them from the start too.
    assert sorted(PatrolDay.objects.filter(day=TEN.date()).values_list("slots", flat=True)) == [6, 6]
    with time_machine.travel(TEN, tick=False):
        made = plan_patrol_slots(until=TEN + timedelta(days=1))
    assert [s for s in made if s.kind == PatrolSlot.Kind.EMERGENCY] == []  # none twice
    assert slots.count() == 12


def test_a_later_start_plans_from_its_start_is_listed_and_can_be_called_off(client, org, watchers, safety):
    with time_machine.travel(TEN, tick=False):
        watch = emergency.start_watch(
            org.duty,
            title="演练",
            reason="夜间演练",
            topic=safety,
            interval=30,
            starts_at=TEN + timedelta(hours=10),  # 20:00
            ends_at=TEN + timedelta(hours=12),
        )
    starts = sorted(set(PatrolSlot.objects.filter(kind="emergency").values_list("starts_at", flat=True)))
    assert starts and min(starts) >= TEN + timedelta(hours=10) and max(starts) < TEN + timedelta(hours=12)
    client.force_login(org.duty)
    with time_machine.travel(TEN + timedelta(hours=1), tick=False):
        page = client.get("/monitoring/emergency/").content.decode()
        assert "演练" in page and "未开始" in page
        assert client.post("/monitoring/emergency/", {"action": "end", "watch": watch.pk}).status_code == 302
    assert not PatrolSlot.objects.filter(kind="emergency").exists()


def test_the_topics_keywords_are_watched_including_one_added_after_the_start(org, watchers, safety, make_incident):
    with time_machine.travel(TEN, tick=False):
        emergency.start_watch(
            org.duty,
            title="化工园区泄漏",
            reason="网传泄漏",
            topic=safety,
            keywords="园区",
            ends_at=TEN + timedelta(hours=4),
        )
    with time_machine.travel(TEN + timedelta(minutes=5), tick=False):
        keyword_library.create_keyword(org.duty, KeywordData("刺鼻气味", safety, None))
        make_incident(title="东区居民称闻到刺鼻气味")  # added to the topic after the start: watched at once
        make_incident(title="某地危化品泄漏传闻")  # the topic's library keyword
        make_incident(title="城东发生一起事故")  # the risk library's own list (风险库 关键词)
        make_incident(title="园区门口排长队")  # the watch's extra keyword
        make_incident(title="小区停水")  # none
    told = Notification.objects.filter(recipient=org.leader, channel="inbox", title__startswith="【突发事件即报】")
    assert sorted(n.title.rsplit(" ", 1)[1] for n in told) == sorted(
        ["东区居民称闻到刺鼻气味", "某地危化品泄漏传闻", "城东发生一起事故", "园区门口排长队"]
    )


def test_the_page_refuses_a_past_start_a_stopped_topic_and_neither_topic_nor_keywords(client, org, watchers, safety):
    client.force_login(org.duty)
    stopped = RiskTopic.objects.create(name="旧风险点", keywords="", unit=org.edu, is_active=False)
    base = {
        "action": "start",
        "title": "x",
        "interval": "30",
        "reason": "y",
        "ends_at": local(TEN + timedelta(hours=3)),
    }
    with time_machine.travel(TEN, tick=False):
        neither = client.post("/monitoring/emergency/", base)
        past = client.post(
            "/monitoring/emergency/", base | {"topic": safety.pk, "starts_at": local(TEN - timedelta(hours=1))}
        )
        assert neither.status_code == past.status_code == 400
        assert "请选择风险点或填写关键词" in neither.content.decode()
        assert "开始时间不能早于现在" in past.content.decode()
        with pytest.raises(InvalidInput, match="已停用"):
            emergency.start_watch(org.duty, title="x", reason="y", topic=stopped, ends_at=TEN + timedelta(hours=1))
    assert not EmergencyWatch.objects.exists() and not PatrolSlot.objects.exists()
