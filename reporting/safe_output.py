"""Documents never fail because of what is stored (issue 10 §1).

Control characters: .docx and .xlsx are XML, and XML 1.0 cannot carry most C0 control characters, so
python-docx raises on a vertical tab (U+000B) and openpyxl on a unit separator (U+001F). Input refuses them
now, but rows stored before that rule still hold them; every writer cleans its text here, at output.

Formula injection (issue 11 §4, ASVS V5 output encoding): a spreadsheet reads a cell whose text starts with = + - @, a tab
or a carriage return as a formula (=HYPERLINK(...) sending data away, DDE running a program) or an error code.
Titles, unit names and anything else typed by users reach the ledger; such text is written as text.

One item, one failure: the 日报 (004 三(二) "每天汇总编发", by 17:00 as 000 二.1 wants) and the periodic reports
are compiled from many items; if formatting one of them fails, that item appears in a minimal form and the
failure is logged, so the report is still compiled and recorded on time."""

import logging

from django.db import DatabaseError

from core.export import FORMULA_TRIGGERS, printable, spreadsheet_value

__all__ = [
    "FORMULA_TRIGGERS",
    "UNAVAILABLE",
    "format_each",
    "plain_title",
    "printable",
    "printable_content",
    "spreadsheet_value",
]

logger = logging.getLogger(__name__)

# The output rules of spreadsheets (control characters, formula injection) live with the export helper, below
# every app, so list exports and the ledger share them; re-exported here for the documents.
UNAVAILABLE = "（本条内容无法生成，详见系统）"


def printable_content(value):
    """A compiled report's content with every string cleaned, so the office can edit and save it as it is."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: printable_content(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_content(item) for item in value]
    return value


def plain_title(item):
    """The item's title as it can always be written, or '' (used when everything else about it failed)."""
    try:
        return printable(str(item.title or "")).strip()
    except Exception:  # noqa: BLE001 — the last resort may not fail in turn
        return ""


def format_each(items, format_item, fallback, *, report):
    """[format_item(n, item) for each item, numbered from 1], where an item whose formatting raises is given
    fallback(n, item) instead and the failure is logged with the item and the report it belongs to. Database
    errors are not an item's fault (and leave the transaction unusable): they propagate."""
    formatted = []
    for n, item in enumerate(items, 1):
        try:
            formatted.append(format_item(n, item))
        except DatabaseError:
            raise
        except Exception:
            logger.exception("%s：第%s条（id %s）内容无法生成，已以简略形式列出", report, n, getattr(item, "pk", "?"))
            formatted.append(fallback(n, item))
    return formatted
