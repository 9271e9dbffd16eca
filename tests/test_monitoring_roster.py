"""The duty roster (值班表, 004 三(一); 002 第六条): importing a month from .xlsx all or nothing, with every bad row
named in Chinese; swapping two people's shifts (audited, both told); the handover note; who is on duty now."""

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import Workbook

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import AuditEvent
from monitoring import selectors
from monitoring.models import DutyAssignment, Handover, Shift
from monitoring.services.roster import hand_over, swap_shifts
from monitoring.services.roster_import import import_roster
from notifications.models import Notification
from org.models import Role

from .factories import UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")
DECEMBER = date(2026, 12, 1)
HEADER = ["日期", "班次", "开始", "结束", "值班人员"]


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def centre(org):
    unit = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    a = person("liu", unit, Role.LIAISON, first_name="刘监测")
    b = person("zhang", unit, Role.LIAISON, first_name="张监测")
    return unit, a, b


def test_a_month_imports_with_names_or_user_names_and_the_evening_runs_to_midnight(org, centre):
    unit, a, b = centre
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=SH), tick=False):
        shifts = import_roster(
            org.duty,
            unit=unit,
            month=DECEMBER,
            data=xlsx(
                [
                    [date(2026, 12, 1), "白班", "08:30", "17:30", "刘监测"],
                    ["2026-12-01", "晚班", "17:30", "24:00", "zhang"],
                    ["2026-12-02", "白班", "08:30", "17:30", "刘监测、张监测"],
                ]
            ),
        )
    assert len(shifts) == 3 and Shift.objects.count() == 3
    evening = Shift.objects.get(kind=Shift.Kind.EVENING)
    assert evening.ends_at == datetime(2026, 12, 2, 0, 0, tzinfo=SH)
    assert [p.username for p in Shift.objects.get(date=date(2026, 12, 2)).people.order_by("username")] == [
        "liu",
        "zhang",
    ]
    assert AuditEvent.objects.filter(action="roster_imported").count() == 1
    assert [x.user for x in selectors.on_duty(unit, datetime(2026, 12, 1, 20, 0, tzinfo=SH))] == [b]


def test_every_bad_row_is_named_and_nothing_is_imported(org, centre):
    unit, a, b = centre
    data = xlsx(
        [
            ["2026-12-01", "白班", "08:30", "17:30", "刘监测"],
            ["2026-12-01", "晚班", "12:00", "20:00", "刘监测"],  # overlaps row 2 for 刘监测
            ["2026-11-30", "白班", "08:30", "17:30", "张监测"],  # outside the month
            ["2026-12-03", "白班", "08:30", "17:30", "王五"],  # unknown person
            ["2026-12-04", "早班", "8点", "17:30", "张监测"],  # unknown shift, bad time
            ["2026-12-05", "白班", "08:30", "17:30", '=HYPERLINK("http://evil.example","x")'],  # a formula
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        import_roster(org.duty, unit=unit, month=DECEMBER, data=data)
    errors = "\n".join(caught.value.field_errors["file"])
    assert "第4行：日期 2026-11-30 不在 2026年12月 内" in errors
    assert "第5行：值班人员“王五”不是系统中的用户" in errors
    assert "第6行：班次“早班”" in errors and "第6行：开始、结束时间" in errors
    assert "第7行：单元格含公式" in errors
    assert not Shift.objects.exists() and not AuditEvent.objects.filter(action="roster_imported").exists()
    # Only the overlap left: still refused, naming both rows.
    data = xlsx(
        [["2026-12-01", "白班", "08:30", "17:30", "刘监测"], ["2026-12-01", "晚班", "12:00", "20:00", "刘监测"]]
    )
    with pytest.raises(InvalidInput) as caught:
        import_roster(org.duty, unit=unit, month=DECEMBER, data=data)
    assert caught.value.field_errors["file"] == ["第3行：刘监测的班次与第2行重叠。"]
    assert not Shift.objects.exists()


def test_a_file_that_is_not_xlsx_and_a_liaison_are_refused(org, centre):
    unit, a, b = centre
    with pytest.raises(InvalidInput, match="无法读取"):
        import_roster(org.duty, unit=unit, month=DECEMBER, data=b"not a workbook")
    with pytest.raises(NotPermitted):
        import_roster(a, unit=unit, month=DECEMBER, data=xlsx([]))


def _shift(unit, day, kind, start, end, people):
    shift = Shift.objects.create(
        unit=unit,
        date=day,
        kind=kind,
        starts_at=datetime.combine(day, start, tzinfo=SH),
        ends_at=datetime.combine(day, end, tzinfo=SH),
    )
    return [DutyAssignment.objects.create(shift=shift, user=p) for p in people]


def test_a_swap_trades_the_shifts_tells_both_and_is_audited(org, centre):
    unit, a, b = centre
    (first,) = _shift(unit, date(2026, 12, 1), Shift.Kind.DAY, time(8, 30), time(17, 30), [a])
    (second,) = _shift(unit, date(2026, 12, 2), Shift.Kind.DAY, time(8, 30), time(17, 30), [b])
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=SH), tick=False):
        swap_shifts(org.duty, first, second, reason="家中有事")
    assert DutyAssignment.objects.get(user=a).shift.date == date(2026, 12, 2)
    assert DutyAssignment.objects.get(user=b).shift.date == date(2026, 12, 1)
    assert {n.recipient for n in Notification.objects.filter(title__startswith="【换班】")} == {a, b}
    event = AuditEvent.objects.get(action="duty_swapped")
    assert event.reason == "家中有事" and event.actor_id == org.duty.pk


def test_a_swap_into_a_clash_or_of_a_shift_begun_is_refused(org, centre):
    unit, a, b = centre
    (first,) = _shift(unit, date(2026, 12, 1), Shift.Kind.DAY, time(8, 30), time(17, 30), [a])
    (second,) = _shift(unit, date(2026, 12, 2), Shift.Kind.DAY, time(8, 30), time(17, 30), [b])
    _shift(unit, date(2026, 12, 2), Shift.Kind.EVENING, time(12, 0), time(20, 0), [a])  # a busy on the 2nd already
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=SH), tick=False):
        with pytest.raises(Conflict, match="同时在两个班次"):
            swap_shifts(org.duty, first, second)
        with pytest.raises(NotPermitted):
            swap_shifts(a, first, second)
    with (
        time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=SH), tick=False),
        pytest.raises(Conflict, match="已开始"),
    ):
        swap_shifts(org.duty, first, second)
    assert (
        DutyAssignment.objects.get(pk=first.pk).user == a
        and not AuditEvent.objects.filter(action="duty_swapped").exists()
    )


def test_the_handover_is_written_by_the_outgoing_shift_and_shown_to_the_next(org, centre):
    unit, a, b = centre
    (day,) = _shift(unit, date(2026, 12, 1), Shift.Kind.DAY, time(8, 30), time(17, 30), [a])
    _shift(unit, date(2026, 12, 1), Shift.Kind.EVENING, time(17, 30), time(23, 59), [b])
    with time_machine.travel(datetime(2026, 12, 1, 17, 20, tzinfo=SH), tick=False):
        with pytest.raises(NotPermitted):
            hand_over(b, day.shift, "不是本班")
        with pytest.raises(InvalidInput, match="请填写交接事项"):
            hand_over(a, day.shift, "  ")
        hand_over(a, day.shift, "城关镇拆迁帖持续发酵，请晚班继续关注。")
    assert Handover.objects.count() == 1 and AuditEvent.objects.filter(action="duty_handed_over").exists()
    with time_machine.travel(datetime(2026, 12, 1, 18, 0, tzinfo=SH), tick=False):
        (now,) = selectors.duty_now(org.duty)
    assert now.people == [b] and "拆迁帖" in now.handover.note
