"""Lists people can work with (issue 18): the 舆情 and 转办单 lists filter by unit, grade, status and a date range
kept in the URL (bookmarkable; the pagination links keep them; 清除筛选 drops them); a liaison sees and may filter
by their own units only; a bad filter value is named in Chinese and left out, never a 500."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from incidents import services
from incidents.models import TicketRole

from .factories import Role, UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def rows(page, testid):
    table = page.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    return re.findall(r'<a href="/(?:incidents|tickets)/\d+/">([^<]+)</a>', table)


@pytest.fixture
def history(org, make_incident):
    """Items reported on three days; some dispatched to 教育局, one to 公安局."""
    made = {}
    for day, title, grade, unit in [
        (1, "十月一日教育局事项", "IV", org.edu),
        (5, "十月五日教育局事项", "III", org.edu),
        (5, "十月五日公安局事项", "IV", org.police),
        (9, "十月九日未研判事项", None, None),
    ]:
        with time_machine.travel(dt.datetime(2026, 10, day, 10, tzinfo=SH), tick=False):
            incident = make_incident(title, grade=grade)
            if unit:
                services.dispatch_incident(org.duty, incident, assignments=[(unit, TicketRole.LEAD)])
        made[title] = incident
    return made


def test_incident_list_by_date_range_unit_grade_and_status(org, history):
    client = as_user(org.duty)
    page = client.get("/incidents/", {"since": "2026-10-02", "until": "2026-10-05"}).content.decode()
    assert sorted(rows(page, "incident-list")) == ["十月五日公安局事项", "十月五日教育局事项"]
    page = client.get("/incidents/", {"unit": org.edu.pk}).content.decode()
    assert sorted(rows(page, "incident-list")) == ["十月一日教育局事项", "十月五日教育局事项"]
    page = client.get("/incidents/", {"grade": "none"}).content.decode()
    assert rows(page, "incident-list") == ["十月九日未研判事项"]
    page = client.get("/incidents/", {"status": "dispatched", "grade": "IV", "unit": org.police.pk}).content.decode()
    assert rows(page, "incident-list") == ["十月五日公安局事项"]
    assert "清除筛选" in page and 'href="/incidents/" data-testid="clear-filters"' in page
    assert f'<option value="{org.police.pk}" selected>' in page  # the form shows what is applied


def test_the_pagination_links_keep_the_filters(org, make_incident):
    with time_machine.travel(dt.datetime(2026, 10, 3, 9, tzinfo=SH), tick=False):
        for n in range(27):
            make_incident(f"十月三日第{n}条", grade="IV")
    client = as_user(org.duty)
    page = client.get("/incidents/", {"since": "2026-10-01", "until": "2026-10-31", "grade": "IV"}).content.decode()
    assert "第 1 / 2 页" in page
    next_link = re.search(r'<a href="\?([^"]+)" rel="next">', page).group(1).replace("&amp;", "&")
    assert next_link == "grade=IV&since=2026-10-01&until=2026-10-31&page=2"
    second = client.get("/incidents/?" + next_link).content.decode()
    assert len(rows(second, "incident-list")) == 2 and "第 2 / 2 页" in second


def test_from_and_to_are_read_as_the_date_range(org, history):
    page = as_user(org.duty).get("/incidents/", {"from": "2026-10-09", "to": "2026-10-09"}).content.decode()
    assert rows(page, "incident-list") == ["十月九日未研判事项"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"grade": "V"}, "筛选条件「等级」有误"),
        ({"status": "nosuch"}, "筛选条件「状态」有误"),
        ({"since": "2026-02-30"}, "筛选条件「日期从」有误"),
        ({"since": "0001-01-01"}, "日期须在"),
        ({"since": "2026-10-05", "until": "2026-10-01"}, "结束日期不能早于开始日期"),
        ({"unit": "abc"}, "筛选条件「单位」有误"),
        ({"unit": "9" * 30}, "筛选条件「单位」有误"),
        ({"q": "食" * 101}, "筛选条件「搜索」有误"),
    ],
)
def test_a_bad_filter_is_named_and_left_out(org, history, params, message):
    response = as_user(org.duty).get("/incidents/", params)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and "已忽略该条件" in page
    assert len(rows(page, "incident-list")) >= 3  # the list without that filter


def test_a_bad_filter_on_the_ticket_list(org, history):
    response = as_user(org.edu_liaison).get("/tickets/", {"unit": org.police.pk, "until": "2026-13-01"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "筛选条件「单位」有误" in page and "筛选条件「日期至」有误" in page
    assert sorted(rows(page, "ticket-list")) == ["十月一日教育局事项", "十月五日教育局事项"]


def test_liaison_sees_and_filters_only_their_units_tickets(org, history):
    client = as_user(org.edu_liaison)
    page = client.get("/tickets/").content.decode()
    assert sorted(rows(page, "ticket-list")) == ["十月一日教育局事项", "十月五日教育局事项"]
    unit_select = page.split('name="unit"')[1].split("</select>")[0]
    assert "教育局" in unit_select and "公安局" not in unit_select and "卫健委" not in unit_select
    page = client.get("/tickets/", {"since": "2026-10-05", "until": "2026-10-05", "grade": "III"}).content.decode()
    assert rows(page, "ticket-list") == ["十月五日教育局事项"]


def test_office_filters_tickets_by_unit_and_date(org, history):
    client = as_user(org.duty)
    page = client.get("/tickets/", {"unit": org.police.pk}).content.decode()
    assert rows(page, "ticket-list") == ["十月五日公安局事项"]
    page = client.get("/tickets/", {"since": "2026-10-01", "until": "2026-10-01"}).content.decode()
    assert rows(page, "ticket-list") == ["十月一日教育局事项"]
    assert "export=xlsx" in page and "since=2026-10-01" in page.split('data-testid="export"')[0].rsplit("<a", 1)[1]


def test_a_confidential_item_is_not_listed_for_an_officer_without_clearance(org, make_incident):
    make_incident("网传某领导敏感事项", is_confidential=True)
    other = person("duty2", org.office, Role.DUTY_OFFICER)
    page = as_user(other).get("/incidents/").content.decode()
    assert "敏感事项" not in page


def test_a_unit_name_is_escaped_in_the_unit_selects(org):
    """The unit <option>s are built in one pass (issue 16); a name an admin typed with markup shows as text."""
    UnitFactory(code="markup", name='<b>"新"局</b>&', parent=org.county)
    page = as_user(org.duty).get("/incidents/").content.decode()
    assert "&lt;b&gt;&quot;新&quot;局&lt;/b&gt;&amp;</option>" in page
    assert "<b>" not in page
