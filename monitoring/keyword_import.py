"""Importing keywords from .xlsx into the library (004 二(二) 及时更新舆情关键词), all or nothing: every row is checked
first (the same checks as the office's form, plus repeats within the file), and one bad row refuses the whole file
with every problem listed by row number.

The sheet: a header row, then one keyword a row — 关键词 | 风险点 (its name) | 属事单位 (name or code) | 建议等级
(I/II/III/IV, or empty) | 说明. Cells are read as values, never evaluated: a formula is refused."""

import io
import zipfile

from django.contrib.auth.models import User
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core import audit
from core.errors import InvalidInput
from monitoring.keyword_library import OFFICE_ONLY, KeywordData, RiskTopic, problems
from monitoring.matching import normalise
from monitoring.models import Keyword, KeywordLibrary
from org.access import require_role
from org.models import Unit

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_ERRORS = 30
COLUMNS = 5
HEADER = ["关键词", "风险点", "属事单位", "建议等级", "说明"]


def blank_sheet() -> bytes:
    """The sheet to fill in: the header and one example row (the office deletes or overwrites it)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "关键词"
    sheet.append(HEADER)
    sheet.append(["食堂饭菜变质", "食品安全", "", "III", "示例行，导入前请删除或改写"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, {"file": [message]})


def _rows(data: bytes) -> list[tuple[int, list[tuple[object, str]]]]:
    if len(data) > MAX_BYTES:
        raise _refuse("关键词文件不能超过2MB。")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _refuse("无法读取该文件，请上传 .xlsx 格式的关键词表。") from None
    rows = []
    for number, row in enumerate(book.worksheets[0].iter_rows(min_row=2, max_col=COLUMNS), start=2):
        values = [(cell.value, getattr(cell, "data_type", "")) for cell in row]
        if all(_text(v) == "" for v, _ in values):
            continue
        rows.append((number, values + [(None, "")] * (COLUMNS - len(values))))
        if len(rows) > MAX_ROWS:
            raise _refuse(f"一次最多导入{MAX_ROWS}个关键词。")
    book.close()
    return rows


def _grade(text: str) -> str:
    return text.upper().removesuffix("级").strip()


class _Lookup:
    """Topics by name, units by name or code: one query each for the whole file."""

    def __init__(self):
        self.topics: dict[str, list] = {}
        for topic in RiskTopic._default_manager.all():
            self.topics.setdefault(topic.name, []).append(topic)
        self.units: dict[str, list[Unit]] = {}
        for unit in Unit.objects.filter(is_active=True):
            for key in {unit.name, unit.code}:
                self.units.setdefault(key, []).append(unit)

    def one(self, index: dict, name: str, what: str, number: int, errors: list[str]):
        if not name:
            return None
        found = index.get(name, [])
        if len(found) == 1:
            return found[0]
        errors.append(f"第{number}行：{what}“{name}”{'不存在' if not found else '有重名，请改填代码'}。")
        return None


def _parse(number: int, values: list, lookup: _Lookup) -> tuple[KeywordData | None, list[str]]:
    if any(kind == "f" or _text(v).startswith("=") for v, kind in values):
        return None, [f"第{number}行：单元格含公式，请只填写值。"]
    phrase, topic_name, unit_name, grade, note = (_text(v) for v, _ in values[:COLUMNS])
    errors: list[str] = []
    topic = lookup.one(lookup.topics, topic_name, "风险点", number, errors)
    unit = lookup.one(lookup.units, unit_name, "属事单位", number, errors)
    if errors:
        return None, errors
    data = KeywordData(phrase, topic, unit, _grade(grade), note)
    return data, [f"第{number}行：{m}" for ms in problems(data).values() for m in ms]


@transaction.atomic
def import_keywords(actor: User, data: bytes, *, ip: str | None = None) -> list[Keyword]:
    """Add every row of the sheet as an active keyword, or none of them; each new keyword's history starts with
    its import (an audit row naming the file's row)."""
    require_role(actor, ("is_office",), OFFICE_ONLY)
    lookup = _Lookup()
    parsed: list[tuple[int, KeywordData]] = []
    errors: list[str] = []
    seen: dict[tuple, int] = {}
    for number, values in _rows(data):
        row, row_errors = _parse(number, values, lookup)
        errors += row_errors
        if row is None or row_errors:
            continue
        key = (normalise(row.phrase), getattr(row.topic, "pk", None), getattr(row.unit, "pk", None))
        if key in seen:
            errors.append(f"第{number}行：与第{seen[key]}行重复。")
            continue
        seen[key] = number
        parsed.append((number, row))
    if not errors and not parsed:
        errors.append("文件中没有关键词。")
    if errors:
        shown = errors[:MAX_ERRORS] + ([f"……另有{len(errors) - MAX_ERRORS}处问题"] if len(errors) > MAX_ERRORS else [])
        raise InvalidInput(f"关键词未导入：共{len(errors)}处问题，见下。", {"file": shown})
    made = Keyword.objects.bulk_create(
        Keyword(phrase=r.phrase.strip(), topic=r.topic, unit=r.unit, raise_to=r.raise_to, note=r.note.strip())
        for _, r in parsed
    )
    # bulk_create sends no post_save: the matchers learn of the new keywords from this bump.
    KeywordLibrary.bump()
    audit.record_many(
        audit.event(
            actor,
            "setting_change",
            keyword,
            before={},
            after={
                "phrase": keyword.phrase,
                "topic": keyword.topic_id,
                "unit": keyword.unit_id,
                "raise_to": keyword.raise_to,
                "is_active": True,
                "note": keyword.note,
            },
            reason=f"从 .xlsx 导入（第{number}行）",
            ip=ip,
        )
        for (number, _), keyword in zip(parsed, made, strict=True)
    )
    return made
