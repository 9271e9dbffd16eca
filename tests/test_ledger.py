"""The ledger (台账) .xlsx: read back with openpyxl and compared with the database; filters; who gets which rows."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from incidents import services
from incidents.models import Incident, Ticket, TicketRole
from reporting.ledger import INCIDENT_SHEET, TICKET_SHEET, build_ledger

SH = ZoneInfo("Asia/Shanghai")
START, END = dt.datetime(2026, 10, 1, tzinfo=SH), dt.datetime(2027, 1, 1, tzinfo=SH)


def at(day, hour, minute=0, month=10):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


def local(value):
    return value.astimezone(SH).replace(tzinfo=None, microsecond=0) if value else None


@pytest.fixture
def history(org, make_incident):
    with time_machine.travel(at(13, 9), tick=False):
        a = make_incident("A 某校食堂问题", grade="IV", posted_at=at(12, 22))
        a_edu, a_health = services.dispatch_incident(
            org.duty, a, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
        b = make_incident("B 派出所执法问题", grade="III")
        services.dispatch_incident(org.duty, b, assignments=[(org.police, TicketRole.LEAD)])
        make_incident("C 待研判信息")
    with time_machine.travel(at(13, 9, 30), tick=False):
        services.claim_ticket(org.edu_liaison, a_edu)
    with time_machine.travel(at(13, 12), tick=False):
        services.claim_ticket(org.health_liaison, a_health)  # after the 2 h claim limit
    with time_machine.travel(at(14, 10), tick=False):
        services.submit_feedback(org.edu_liaison, a_edu, kind="report", content="核实情况")
    with time_machine.travel(at(5, 10, month=9), tick=False):
        make_incident("D 上季度舆情", grade="IV")
    return org


def read(data):
    book = load_workbook(io.BytesIO(data))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}, book


def test_every_incident_and_ticket_of_the_period_with_its_times(history):
    sheets, book = read(build_ledger(start=START, end=END, now=at(20, 9)))
    assert list(sheets) == [INCIDENT_SHEET, TICKET_SHEET]
    incidents = sheets[INCIDENT_SHEET]
    header = incidents[0]
    assert header[:5] == ("舆情编号", "标题", "等级", "类别", "状态")
    in_period = Incident.objects.filter(reported_at__gte=START).order_by("reported_at", "id")
    assert [row[0] for row in incidents[1:]] == [i.number for i in in_period]  # D (September) left out
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in incidents[1:]}
    a = Incident.objects.get(title__startswith="A")
    assert rows[a.title]["等级"] == "Ⅳ级 一般" and rows[a.title]["状态"] == "待审核"
    assert rows[a.title]["主办单位"] == "教育局" and rows[a.title]["协办单位"] == "卫健委"
    assert rows[a.title]["原帖发布时间"] == dt.datetime(2026, 10, 12, 22, 0)  # local time, as an Excel date-time
    assert rows[a.title]["报送时间"] == local(a.reported_at) and rows[a.title]["研判时间"] == local(a.graded_at)
    assert rows["C 待研判信息"]["等级"] == "待研判" and rows["C 待研判信息"]["主办单位"] in ("", None)

    tickets = sheets[TICKET_SHEET]
    header = tickets[0]
    assert len(tickets) - 1 == Ticket.objects.count() == 3
    by_unit = {row[3]: dict(zip(header, row, strict=True)) for row in tickets[1:]}
    edu, health = by_unit["教育局"], by_unit["卫健委"]
    edu_ticket = Ticket.objects.get(unit=history.edu)
    assert edu["认领时间"] == local(edu_ticket.claimed_at) == dt.datetime(2026, 10, 13, 9, 30)
    assert edu["认领时限·到期"] == dt.datetime(2026, 10, 13, 11, 0) and edu["认领时限·结果"] == "按时"
    assert edu["核实调查报告时限·完成"] == dt.datetime(2026, 10, 14, 10, 0) and edu["核实调查报告时限·结果"] == "按时"
    assert health["认领时限·结果"] == "逾期完成"
    assert health["办理反馈时限·结果"] == "已逾期"  # due 10-16, nothing by 10-20
    assert by_unit["公安局"]["认领时间"] is None and by_unit["公安局"]["认领时限·结果"] == "已逾期"

    sheet = book[TICKET_SHEET]
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["B"].width == 36


def test_filters_by_unit_and_grade(history):
    sheets, _ = read(build_ledger(start=START, end=END, unit_ids=[history.edu.pk]))
    assert [row[1] for row in sheets[INCIDENT_SHEET][1:]] == ["A 某校食堂问题"]
    assert [row[3] for row in sheets[TICKET_SHEET][1:]] == ["教育局"]  # not the assisting 卫健委's row

    sheets, _ = read(build_ledger(start=START, end=END, grade="III"))
    assert [row[1] for row in sheets[INCIDENT_SHEET][1:]] == ["B 派出所执法问题"]
    assert [row[3] for row in sheets[TICKET_SHEET][1:]] == ["公安局"]

    sheets, _ = read(build_ledger(start=START, end=END, grade="none"))
    assert [row[1] for row in sheets[INCIDENT_SHEET][1:]] == ["C 待研判信息"]


@pytest.mark.parametrize("extra", [0, 25])
def test_streams_in_a_fixed_number_of_queries(history, make_incident, extra, django_assert_max_num_queries):
    with time_machine.travel(at(15, 9), tick=False):
        for n in range(extra):
            incident = make_incident(f"批量{n}", grade="IV")
            services.dispatch_incident(history.duty, incident, assignments=[(history.town, TicketRole.LEAD)])
    with django_assert_max_num_queries(4):  # each sheet: rows, then one prefetch per chunk
        sheets, _ = read(build_ledger(start=START, end=END))
    assert len(sheets[INCIDENT_SHEET]) == 1 + 3 + extra
    assert len(sheets[TICKET_SHEET]) == 1 + 3 + extra


def download(client, user, **params):
    client.force_login(user)
    query = {"start": "2026-10-01", "end": "2026-12-31", **params}
    return client.get("/reports/ledger/", query)


def test_office_downloads_everything(history, client):
    response = download(client, history.duty)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    sheets, _ = read(response.content)
    assert len(sheets[INCIDENT_SHEET]) == 4 and len(sheets[TICKET_SHEET]) == 4


def test_a_liaison_gets_only_its_units_rows(history, client):
    sheets, _ = read(download(client, history.health_liaison).content)
    assert [row[1] for row in sheets[INCIDENT_SHEET][1:]] == ["A 某校食堂问题"]
    assert [row[3] for row in sheets[TICKET_SHEET][1:]] == ["卫健委"]
    # The incident's row names only the tickets the liaison may see: not the lead unit (教育局) beside it.
    (incident_row,) = sheets[INCIDENT_SHEET][1:]
    assert "教育局" not in incident_row and "卫健委" in incident_row


def test_another_units_id_is_not_found(history, client):
    assert download(client, history.health_liaison, unit=history.police.pk).status_code == 404
    assert download(client, history.health_liaison, unit=history.health.pk).status_code == 200


def test_bad_period_is_explained_and_nothing_is_built(history, client):
    response = download(client, history.duty, start="2026-12-31", end="2026-10-01")
    assert response.status_code == 400
    assert "截止日期不能早于起始日期" in response.content.decode()
    response = download(client, history.duty, start="不是日期")
    assert response.status_code == 400 and "有效的日期" in response.content.decode()


def test_the_form_page_and_who_may_not_download(history, client, org):
    client.force_login(org.duty)
    page = client.get("/reports/ledger/")
    assert page.status_code == 200 and "下载 .xlsx" in page.content.decode()
    client.logout()
    assert client.get("/reports/ledger/").status_code == 302  # to the login page
