"""Spreadsheets a user downloads (issue 18: "export of any list to .xlsx"), and the output rules every .xlsx the
product writes obeys (the ledger of reporting/ledger.py too).

Control characters: .xlsx is XML, and XML 1.0 cannot carry most C0 control characters (openpyxl raises on a unit
separator, U+001F). Input refuses them, but rows stored before that rule may hold them; `printable` drops them at
output (issue 10 §1).

Formula injection (issue 11 §4, ASVS V5 output encoding): a spreadsheet reads a cell whose text starts with
= + - @, a tab or a carriage return as a formula (=HYPERLINK(...) sending data away, DDE running a program) or an
error code. Titles, unit names and anything else typed by users reach the exports, so such text is written as a
string cell with the quote prefix: shown and edited as the text it is, characters unchanged, never evaluated.

`xlsx_response(rows, columns, filename)` streams a list: openpyxl's write-only mode writes row by row into a
temporary file (no workbook held in memory), which is then sent from disk. A list longer than MAX_ROWS is not
exported (the caller checks `too_many(qs)` first and tells the user to narrow the filters), so one click cannot
tie up a worker for minutes."""

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000
TOO_MANY_MESSAGE = f"导出最多 {MAX_ROWS} 条，当前列表超过此数，请缩小筛选范围（如日期、单位）后再导出。"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"

# What XML 1.0 forbids (C0 except tab, newline, carriage return; U+FFFE, U+FFFF; lone surrogates), plus DEL and
# the C1 range, which are never typed on purpose and which the input rule refuses as well.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def printable(text: Any) -> Any:
    """`text` without the characters a document cannot carry; anything else passes through unchanged."""
    return _UNPRINTABLE.sub("", text) if isinstance(text, str) else text


def spreadsheet_value(sheet: Any, value: Any) -> Any:
    """What a write-only sheet gets for `value`: cleaned text; text a spreadsheet would evaluate (a formula
    trigger first, or an error code such as #N/A) as a cell typed string ("s") with Excel's quote prefix (what a
    leading apostrophe typed in Excel sets), so it is shown and edited as the text it is, characters unchanged."""
    value = printable(value)
    if not isinstance(value, str) or not (value.startswith(FORMULA_TRIGGERS) or value in ERROR_CODES):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


@dataclass(frozen=True)
class Column:
    """One column of an export: its Chinese head and its width in characters."""

    title: str
    width: int = 14


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value)
        cell.number_format = TIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, bool):
        return "是" if value else "否"
    return spreadsheet_value(sheet, "" if value is None else value)


def content_disposition(filename: str) -> str:
    """attachment with the Chinese name in RFC 5987 form (filename*=UTF-8''…), and a plain ASCII name for
    clients that read only filename=."""
    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename, safe='')}"


def too_many(rows: Any) -> bool:
    """Whether a queryset holds more than MAX_ROWS rows, counted no further than that (LIMIT MAX_ROWS + 1)."""
    return rows[: MAX_ROWS + 1].count() > MAX_ROWS


def write_xlsx(
    target: Any, rows: Iterable[Sequence[Any]], columns: Sequence[Column], *, sheet_title: str = "列表"
) -> int:
    """Write a header row and `rows` (each a sequence of values, one per column) to `target` (a path or a binary
    file). At most MAX_ROWS rows are written. Returns how many were."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(printable(sheet_title)[:31] or "列表")
    for n, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(n)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    written = 0
    for row in rows:
        if written >= MAX_ROWS:
            break
        sheet.append([_cell(sheet, value) for value in row])
        written += 1
    book.save(target)
    return written


def xlsx_response(
    rows: Iterable[Sequence[Any]], columns: Sequence[Column], filename: str, *, sheet_title: str = "列表"
) -> FileResponse:
    """The list as an .xlsx download named `filename` (Chinese is fine). The file is built in a temporary file
    and streamed from there; the temporary file disappears when the response is closed."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — FileResponse closes it after sending
    write_xlsx(spool, rows, columns, sheet_title=sheet_title)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
