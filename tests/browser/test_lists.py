"""The 舆情 and 转办单 lists in the browser at 1366 px and on a 390 px phone (issues 14, 18): a date range and a unit
chosen in the filters survive paging; the search box finds a Chinese title from other words of it; 批量催办 from
the checkboxes; 导出 Excel downloads a workbook openpyxl reads; on the phone every value of a card shows its field
name, and every link, button, checkbox and pager is at least 44 px."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from playwright.sync_api import expect

from incidents import services
from incidents.models import TicketRole
from notifications.models import Notification

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")
NEAR = "网传县实验小学食堂饭菜变质，多名学生腹痛"
VIEWPORTS = [pytest.param(DESKTOP, id="1366"), pytest.param(PHONE, id="390")]

# Every tap target of the list: links, buttons, selects, inputs, and the labels wrapping the row checkboxes.
SMALL_TARGETS = """
[...document.querySelectorAll('.list-page a, .list-page button, .list-page select, .list-page input:not([type=checkbox]), .list-page label.row-check, .list-page label.check')]
  .filter(el => el.offsetParent !== null)
  .map(el => [el.textContent.trim().slice(0, 20) || el.name || el.className, el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)
"""

# Each value cell of the first card and the field name its ::before shows.
CARD_LABELS = """
[...document.querySelectorAll('table.list.cards tbody tr:first-child td')]
  .map(td => [td.dataset.label, getComputedStyle(td, '::before').content, td.scrollWidth - td.clientWidth])
"""


@pytest.fixture
def county(org, make_incident):
    """27 items of 3 October dispatched to 教育局, others on other days and units, and the near title."""
    for day, unit, count in [(3, org.edu, 27), (3, org.police, 2), (8, org.edu, 3)]:
        with time_machine.travel(dt.datetime(2026, 10, day, 9, tzinfo=SH), tick=False):
            for n in range(count):
                incident = make_incident(f"{day}日{unit.name}事项第{n + 1}条", grade="IV")
                services.dispatch_incident(org.duty, incident, assignments=[(unit, TicketRole.LEAD)])
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, tzinfo=SH), tick=False):
        school = make_incident(NEAR, grade="III")
        services.dispatch_incident(
            org.duty, school, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
        make_incident("网传某小区物业收费纠纷", grade="IV")
    return school


def listed_titles(page):
    return page.locator("[data-testid=incident-list] td.title a").all_inner_texts()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_date_range_and_unit_survive_paging_and_clear(open_session, org, county, viewport):
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go("/incidents/")
    page.get_by_label("报送日期从").fill("2026-10-01")
    page.get_by_label("至", exact=True).fill("2026-10-05")
    page.get_by_label("单位", exact=True).select_option(label="教育局")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"since": ["2026-10-01"], "until": ["2026-10-05"], "unit": [str(org.edu.pk)]}
    expect(page.locator(".pagination")).to_contain_text("第 1 / 2 页，共 27 条")
    assert all(title.startswith("3日教育局") for title in listed_titles(page))
    duty.fits()
    duty.shot(f"lists-incidents-filtered-{viewport['width']}")

    page.get_by_role("link", name="下一页").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".pagination")).to_contain_text("第 2 / 2 页，共 27 条")
    assert sorted(listed_titles(page)) == ["3日教育局事项第1条", "3日教育局事项第2条"]
    expect(page.get_by_label("报送日期从")).to_have_value("2026-10-01")
    expect(page.get_by_label("单位", exact=True)).to_have_value(str(org.edu.pk))

    page.get_by_test_id("clear-filters").click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).query == ""
    expect(page.locator(".pagination")).to_contain_text("共 34 条")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_search_finds_the_chinese_title_from_other_words(open_session, county, viewport):
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go("/incidents/")
    page.get_by_label("搜索").fill("实验小学 饭菜变质")
    page.get_by_label("搜索").press("Enter")
    page.wait_for_load_state("networkidle")
    assert listed_titles(page) == [NEAR]
    page.get_by_label("搜索").fill(county.number)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    assert listed_titles(page) == [NEAR]
    duty.fits()
    duty.shot(f"lists-search-{viewport['width']}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_bulk_remind_from_the_checkboxes(open_session, org, county, viewport):
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go("/incidents/?since=2026-10-09")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label(f"选择 {county.number}").check()
    expect(page.locator("[data-selected-count]")).to_have_text("已选择 1 条")
    page.get_by_label("全选本页").check()
    expect(page.locator("[data-selected-count]")).to_have_text("已选择 2 条")
    duty.shot(f"lists-bulk-selected-{viewport['width']}")
    page.get_by_role("button", name="批量催办").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("批量催办：1 条已办理，1 条未办理。")).to_be_visible()
    expect(page.get_by_text(f"{county.number}：已催办教育局、卫健委。")).to_be_visible()
    expect(page.get_by_text("没有在办的转办单，无需催办。")).to_be_visible()
    assert "since=2026-10-09" in page.url  # back on the same filtered list
    reminded = Notification.objects.filter(title__startswith="【催办】", ticket__incident=county)
    assert {n.recipient.username for n in reminded} == {"edu_l", "edu_l2", "health_l"}
    duty.fits()
    duty.shot(f"lists-bulk-done-{viewport['width']}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_export_downloads_a_workbook_of_the_filtered_list(open_session, org, county, viewport, tmp_path):
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go(f"/incidents/?unit={org.police.pk}")
    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    download = info.value
    assert download.suggested_filename.startswith("舆情列表-") and download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "list.xlsx"
    download.save_as(path)
    rows = [[c.value for c in row] for row in load_workbook(path).active.iter_rows()]
    assert rows[0][:4] == ["舆情编号", "标题", "等级", "状态"]
    assert sorted(r[1] for r in rows[1:]) == ["3日公安局事项第1条", "3日公安局事项第2条"]


def test_phone_cards_label_every_value_and_targets_are_44px(open_session, org, county):
    duty = open_session("duty", PHONE)
    page = duty.page
    duty.go("/incidents/?since=2026-10-01&until=2026-10-05")
    expect(page.locator("table.list thead")).to_be_hidden()
    cells = page.evaluate(CARD_LABELS)
    assert [label for label, _, _ in cells] == ["选择", "编号", "标题", "等级", "状态", "属地/涉事单位", "报送时间"]
    for label, before, overflow in cells:
        assert before == f'"{label}"', (label, before)
        assert overflow <= 0, f"{label} overflows its card by {overflow}px"
    assert not page.evaluate(SMALL_TARGETS), page.evaluate(SMALL_TARGETS)
    duty.fits()
    duty.shot("lists-incidents-cards-390")
    page.locator("table.list").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "lists-incidents-cards-390-screen.png")  # one screenful, to look at

    liaison = open_session("edu_l", PHONE)
    liaison.go("/tickets/")
    units = liaison.page.get_by_label("单位", exact=True).locator("option").all_inner_texts()
    assert units == ["全部", "教育局"]
    cells = liaison.page.evaluate(CARD_LABELS)
    assert [label for label, _, _ in cells] == ["舆情", "单位", "类型", "状态", "转办时间", "最近时限"]
    assert all(before == f'"{label}"' and overflow <= 0 for label, before, overflow in cells), cells
    assert not liaison.page.evaluate(SMALL_TARGETS), liaison.page.evaluate(SMALL_TARGETS)
    liaison.fits()
    liaison.shot("lists-tickets-cards-390")
    liaison.page.screenshot(path=SCREENSHOTS / "lists-tickets-cards-390-screen.png")


def test_desktop_targets_are_44px_too(open_session, county):
    duty = open_session("duty", DESKTOP)
    duty.go("/incidents/")
    assert not duty.page.evaluate(SMALL_TARGETS), duty.page.evaluate(SMALL_TARGETS)
    duty.go("/tickets/")
    assert not duty.page.evaluate(SMALL_TARGETS), duty.page.evaluate(SMALL_TARGETS)
    duty.shot("lists-tickets-1366")
