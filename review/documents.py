"""The 舆情日志 (002 第八条) as a .docx table, read back in tests/test_incident_log.py."""

import io
from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from docx import Document

from core.export import printable
from review.selectors import LogRow

HEADERS = ("日期", "编号", "标题", "等级", "承办类型", "认领", "反馈", "销号", "按时")


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def row_values(row: LogRow) -> list[str]:
    return [
        row.day.isoformat(),
        row.number,
        row.title,
        row.grade,
        row.role,
        _when(row.claimed_at),
        _when(row.feedback_at),
        _when(row.closed_at),
        row.on_time_words,
    ]


def log_docx(unit_name: str, period: str, rows: Sequence[LogRow]) -> bytes:
    document = Document()
    document.add_heading(printable(f"{unit_name}舆情日志"), level=1)
    document.add_paragraph(printable(f"{period}（依据 002 第八条）"))
    table = document.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row_values(row), strict=True):
            cell.text = printable(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
