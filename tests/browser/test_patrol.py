"""The duty officer's patrol in a real browser (002 第五条、第六条): at 1366 px and on a 390 px phone, the current
slot and the unit's sites already ticked, one tap records 未发现; a finding goes straight to 报送舆情 prefilled.
The live server runs at the real now, so the slot shown is whatever the schedule has at this hour."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring.models import DutyAssignment, PatrolRecord, Shift, Site
from monitoring.planning import plan_patrol_slots
from org.models import Role
from tests.factories import UnitFactory, person

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watch(org):
    centre = UnitFactory(code="jiankong", name="县网络舆情应急监控中心", parent=org.county)
    Site.objects.create(name="县城论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=centre)
    Site.objects.create(
        name="人民网领导留言板", url="https://liuyan.people.com.cn/", kind=Site.Kind.MESSAGE_BOARD, unit=centre
    )
    Site.objects.create(name="县融媒微信公众号", kind=Site.Kind.WECHAT, unit=centre)
    watcher = person("watcher", centre, Role.LIAISON, first_name="刘监测")
    now = timezone.now()
    shift = Shift.objects.create(
        unit=centre,
        date=timezone.localdate(),
        kind=Shift.Kind.DAY,
        starts_at=now - timedelta(hours=4),
        ends_at=now + timedelta(hours=4),
    )
    DutyAssignment.objects.create(shift=shift, user=watcher)
    plan_patrol_slots(now=now - timedelta(hours=3), until=now + timedelta(hours=3))
    return centre, watcher


def test_nothing_found_in_two_taps_at_1366(open_session, watch):
    officer = open_session("watcher")
    officer.go("/monitoring/patrol/")  # tap one: the page
    expect(officer.page.get_by_role("heading", name="登记巡查")).to_be_visible()
    for name in ("县城论坛", "人民网领导留言板", "县融媒微信公众号"):
        expect(officer.page.get_by_label(name)).to_be_checked()
    assert "当前值班：刘监测" in officer.text()
    officer.fits()
    officer.shot("patrol-desktop")
    officer.page.get_by_test_id("nothing-found").click()  # tap two
    officer.page.wait_for_load_state("networkidle")
    expect(officer.page.get_by_role("status")).to_contain_text("未发现舆情")
    record = PatrolRecord.objects.get()
    assert not record.found and record.sites.count() == 3
    officer.shot("patrol-desktop-recorded")


def test_a_finding_on_the_phone_goes_to_intake_prefilled(open_session, watch):
    officer = open_session("watcher", PHONE)
    officer.go("/monitoring/patrol/")
    officer.fits()
    officer.shot("patrol-phone")
    officer.page.get_by_label("人民网领导留言板").uncheck()
    officer.page.get_by_label("县融媒微信公众号").uncheck()
    officer.page.get_by_label("发现情况（可不填）").fill("网传县城某小区停水三天无人管")
    officer.page.get_by_test_id("found").click()
    officer.page.wait_for_load_state("networkidle")
    assert "/incidents/new/" in officer.page.url
    expect(officer.page.get_by_label("来源平台")).to_have_value("县城论坛")
    expect(officer.page.get_by_label("原帖链接")).to_have_value("https://bbs.example.cn/")
    expect(officer.page.get_by_label("摘要")).to_have_value("网传县城某小区停水三天无人管")
    officer.fits()
    officer.shot("patrol-phone-intake")
    assert PatrolRecord.objects.get().found


def test_no_site_ticked_is_refused_on_the_phone(open_session, watch):
    officer = open_session("watcher", PHONE)
    officer.go("/monitoring/patrol/")
    for name in ("县城论坛", "人民网领导留言板", "县融媒微信公众号"):
        officer.page.get_by_label(name).uncheck()
    officer.page.get_by_test_id("nothing-found").click()
    officer.page.wait_for_load_state("networkidle")
    expect(officer.page.locator("body")).to_contain_text("请至少选择一个巡查的网站")
    officer.fits()
    officer.shot("patrol-phone-error")
    assert not PatrolRecord.objects.exists()
