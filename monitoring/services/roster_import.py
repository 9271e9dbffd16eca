"""Importing a month's 值班表 from .xlsx. Every row is checked before anything is written: an unknown person, a
shift overlapping another of the same person, a date outside the month, a formula in a cell: the import is refused
with every problem listed by row number, and nothing is imported.

The sheet: a header row, then one shift a row — 日期 | 班次 (白班/晚班/夜班/节假日班) | 开始 | 结束 | 值班人员 (user
names or full names, separated by 、 or commas). An end at or before the start is on the next day (晚班 17:30–24:00
is written 17:30 and 00:00 or 24:00). Cells are read as values, never evaluated: a formula is refused."""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core import audit
from core.errors import InvalidInput
from monitoring.models import DutyAssignment, Shift
from org.access import require_role
from org.models import Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
MAX_ERRORS = 30
KINDS = {label: value for value, label in Shift.Kind.choices}
_SEP = re.compile(r"[、,，;；\s]+")
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")


@dataclass
class RosterRow:
    number: int
    date: datetime.date
    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    people: list[User] = field(default_factory=list)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _time(value) -> datetime.time | None:
    """A time cell, or 'HH:MM' text; '24:00' is the end of the day (returned as 00:00, i.e. the next day)."""
    if isinstance(value, datetime.datetime):
        return value.time()
    if isinstance(value, datetime.time):
        return value
    match = _TIME.match(_text(value))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour == 24 and minute == 0:
        return datetime.time(0, 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def _people_index() -> dict[str, list[User]]:
    index: dict[str, list[User]] = {}
    for user in User.objects.filter(is_active=True):
        for key in {user.get_username(), user.get_full_name(), user.first_name}:
            if key:
                index.setdefault(key, []).append(user)
    return index


def _cells(data: bytes) -> list[tuple[int, list]]:
    """(row number, cell values) of the first sheet after the header; a formula cell is returned as itself."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("值班表文件不能超过2MB。", {"file": ["值班表文件不能超过2MB。"]})
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput(
            "无法读取该文件，请上传 .xlsx 格式的值班表。", {"file": ["无法读取该文件，请上传 .xlsx 格式的值班表。"]}
        ) from None
    sheet = book.worksheets[0]
    rows: list[tuple[int, list]] = []
    for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=5), start=2):
        values = [(cell.value, getattr(cell, "data_type", "")) for cell in row]
        if all(_text(v) == "" for v, _ in values):
            continue
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"一次最多导入{MAX_ROWS}个班次。", {"file": [f"一次最多导入{MAX_ROWS}个班次。"]})
    book.close()
    return rows


def _parse_row(number: int, values: list, month: datetime.date, index: dict[str, list[User]]):
    errors: list[str] = []
    values = values + [(None, "")] * (5 - len(values))
    if any(kind == "f" or _text(v).startswith("=") for v, kind in values):
        return None, [f"第{number}行：单元格含公式，请只填写值。"]
    (day_v, _), (kind_v, _), (start_v, _), (end_v, _), (people_v, _) = values[:5]
    day = _date(day_v)
    if day is None:
        errors.append(f"第{number}行：日期“{_text(day_v)}”无法识别（如 2026-12-01）。")
    elif (day.year, day.month) != (month.year, month.month):
        errors.append(f"第{number}行：日期 {day} 不在 {month:%Y年%m月} 内。")
    kind = KINDS.get(_text(kind_v))
    if kind is None:
        errors.append(f"第{number}行：班次“{_text(kind_v)}”应为{'、'.join(KINDS)}之一。")
    start, end = _time(start_v), _time(end_v)
    if start is None or end is None:
        errors.append(f"第{number}行：开始、结束时间须写成 08:30 这样的时间。")
    people: list[User] = []
    names = [n for n in _SEP.split(_text(people_v)) if n]
    if not names:
        errors.append(f"第{number}行：没有填写值班人员。")
    for name in names:
        found = index.get(name, [])
        if len(found) == 1:
            people.append(found[0])
        elif not found:
            errors.append(f"第{number}行：值班人员“{name}”不是系统中的用户。")
        else:
            errors.append(f"第{number}行：“{name}”对应多个用户，请改填用户名。")
    if errors or day is None or kind is None or start is None or end is None:
        return None, errors
    starts_at = datetime.datetime.combine(day, start, tzinfo=SHANGHAI)
    ends_at = datetime.datetime.combine(day, end, tzinfo=SHANGHAI)
    if ends_at <= starts_at:
        ends_at += datetime.timedelta(days=1)
    return RosterRow(number, day, kind, starts_at, ends_at, people), []


def _overlaps(rows: list[RosterRow], unit: Unit) -> list[str]:
    errors: list[str] = []
    seen: dict[tuple[datetime.date, str], int] = {}
    for row in rows:
        if (row.date, row.kind) in seen:
            errors.append(
                f"第{row.number}行：{row.date} 的{Shift.Kind(row.kind).label}与第{seen[row.date, row.kind]}行重复。"
            )
        seen.setdefault((row.date, row.kind), row.number)
    for i, row in enumerate(rows):
        for other in rows[:i]:
            if row.starts_at < other.ends_at and other.starts_at < row.ends_at:
                for person in set(row.people) & set(other.people):
                    name = person.get_full_name() or person.get_username()
                    errors.append(f"第{row.number}行：{name}的班次与第{other.number}行重叠。")
        for person in row.people:
            clash = (
                DutyAssignment.objects.filter(user=person)
                .filter(Q(shift__starts_at__lt=row.ends_at) & Q(shift__ends_at__gt=row.starts_at))
                .select_related("shift__unit")
                .first()
            )
            if clash is not None:
                name = person.get_full_name() or person.get_username()
                errors.append(f"第{row.number}行：{name}在{clash.shift.unit.name}已有重叠的班次（{clash.shift}）。")
    return errors


@transaction.atomic
def import_roster(actor: User, *, unit: Unit, month: datetime.date, data: bytes, ip: str | None = None) -> list[Shift]:
    """Import `unit`'s roster for the month of `month` from .xlsx bytes, all or nothing (004 三(一) 值班制度).
    A month that already has shifts is refused: changes to it are swaps (swap_shifts) or admin edits."""
    require_role(actor, ("is_office", "is_admin"), "只有值班员或系统管理员可以导入值班表。")
    month = month.replace(day=1)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    existing = Shift.objects.filter(unit=unit, date__gte=month, date__lt=next_month).count()
    if existing:
        message = f"{unit.name}{month:%Y年%m月}已有值班表（{existing}个班次），导入只用于尚未排班的月份；调整请换班。"
        raise InvalidInput(message, {"file": [message]})
    index = _people_index()
    rows: list[RosterRow] = []
    errors: list[str] = []
    for number, values in _cells(data):
        row, row_errors = _parse_row(number, values, month, index)
        errors += row_errors
        if row is not None:
            rows.append(row)
    if not errors and not rows:
        errors.append("值班表中没有班次。")
    if not errors:
        errors += _overlaps(rows, unit)
    if errors:
        shown = errors[:MAX_ERRORS] + ([f"……另有{len(errors) - MAX_ERRORS}处问题"] if len(errors) > MAX_ERRORS else [])
        raise InvalidInput(f"值班表未导入：共{len(errors)}处问题，见下。", {"file": shown})
    shifts: list[Shift] = []
    for row in rows:
        shift = Shift.objects.create(
            unit=unit, date=row.date, kind=row.kind, starts_at=row.starts_at, ends_at=row.ends_at
        )
        DutyAssignment.objects.bulk_create([DutyAssignment(shift=shift, user=person) for person in row.people])
        shifts.append(shift)
    audit.record(
        actor,
        "roster_imported",
        None,
        after={"unit": unit.pk, "month": f"{month:%Y-%m}", "shifts": len(shifts)},
        ip=ip,
    )
    return shifts
