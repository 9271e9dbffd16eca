"""The office keeps the keyword library and starts an emergency watch by risk topic in a real browser, at 1366 px
and on a 390 px phone (issue 15; 004 二(二) 及时更新舆情关键词, 000 二.2 突发事件24小时监测、第一时间报告): every
control labelled, nothing overflowing; an edited keyword is matched at once and its history shows the change; the
watch on a topic has its extra patrol slots the moment it starts. The live server runs at the real now."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import AuditEvent
from monitoring import matching
from monitoring.models import EmergencyWatch, Keyword, KeywordHit, PatrolSlot, Site
from reporting.models import RiskTopic
from tests.factories import UnitFactory

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(org):
    food = RiskTopic.objects.create(name="食品安全", keywords="", unit=org.health)
    RiskTopic.objects.create(name="安全生产", keywords="事故", unit=org.police)
    keyword = Keyword.objects.create(phrase="饭菜变质", topic=food, note="学校食堂")
    Keyword.objects.create(phrase="校园欺凌事件的长短语也要在手机上完整换行显示", unit=org.edu)
    KeywordHit.objects.create(keyword=keyword, phrase="饭菜变质", topic=food, matched_at=timezone.now())
    centre = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    Site.objects.create(name="县城论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=centre)
    return keyword


def edit_keyword(office, keyword):
    office.go("/monitoring/keywords/?q=变质")
    expect(office.page.get_by_test_id("keyword")).to_have_count(1)
    expect(office.page.get_by_test_id("keyword")).to_contain_text("命中 1")
    office.page.get_by_role("link", name="饭菜变质").click()
    office.page.wait_for_load_state("networkidle")
    form = office.page.get_by_test_id("keyword-edit")
    form.get_by_label("关键词/短语").fill("食堂饭菜变质")
    form.get_by_label("建议等级提升至").select_option("III")
    form.get_by_role("button", name="保存").click()
    office.page.wait_for_load_state("networkidle")
    expect(office.page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    expect(office.page.get_by_test_id("keyword-history")).to_contain_text("饭菜变质 → 食堂饭菜变质")
    assert matching.match("学校食堂饭菜变质了").grade == "III"


def start_watch_by_topic(office, shot):
    office.go("/monitoring/emergency/")
    office.fits()
    form = office.page.locator("form").filter(has=office.page.get_by_role("button", name="启动突发事件监测"))
    form.get_by_label("事件名称").fill("化工园区泄漏")
    form.get_by_label("风险点").select_option(label="安全生产")
    form.get_by_label("巡查间隔（分钟）").fill("15")
    ends = timezone.localtime() + timedelta(hours=3)
    form.get_by_label("结束时间").fill(f"{ends:%Y-%m-%dT%H:%M}")
    form.get_by_label("启动原因").fill("网传化工园区泄漏")
    form.get_by_role("button", name="启动突发事件监测").click()
    office.page.wait_for_load_state("networkidle")
    expect(office.page.get_by_test_id("active-watches")).to_contain_text("安全生产")
    office.fits()
    office.shot(shot)
    watch = EmergencyWatch.objects.get()
    assert watch.topic.name == "安全生产"
    assert PatrolSlot.objects.filter(kind=PatrolSlot.Kind.EMERGENCY).exists()  # at once, no planner run
    assert AuditEvent.objects.get(action="emergency_started").after["slots_planned"] > 0


def test_keywords_and_a_topic_watch_at_1366(open_session, library):
    office = open_session("duty")
    office.go("/monitoring/keywords/")
    expect(office.page.get_by_role("heading", name="舆情关键词库", exact=True)).to_be_visible()
    office.fits()
    office.shot("keywords-desktop")
    edit_keyword(office, library)
    office.fits()
    office.shot("keyword-detail-desktop")
    start_watch_by_topic(office, "emergency-topic-desktop")


def test_keywords_and_a_topic_watch_on_a_phone(open_session, library):
    office = open_session("duty", PHONE)
    office.go("/monitoring/keywords/")
    office.fits()
    office.shot("keywords-phone")
    edit_keyword(office, library)
    office.fits()
    office.shot("keyword-detail-phone")
    box = office.page.get_by_role("button", name="保存").bounding_box()
    assert box is not None and box["height"] >= 44
    start_watch_by_topic(office, "emergency-topic-phone")
