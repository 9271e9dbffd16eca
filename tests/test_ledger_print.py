"""The ledger (.xlsx) prints legibly (issue 13): A4 landscape with margins, gridlines, the sheet's name and period
at the head of every page and the page number at its foot; fitted to the page width only while the text stays at
least 8 pt, otherwise printed at full size across pages with the header row and the 舆情编号 column repeated."""

import datetime as dt
import io
import subprocess
from zoneinfo import ZoneInfo

import time_machine
from openpyxl import Workbook, load_workbook

from reporting import ledger, pdf
from reporting.ledger import INCIDENT_COLUMNS, INCIDENT_SHEET, TICKET_COLUMNS, TICKET_SHEET, Column, build_ledger

SH = ZoneInfo("Asia/Shanghai")
START, END = dt.datetime(2026, 10, 1, tzinfo=SH), dt.datetime(2027, 1, 1, tzinfo=SH)


def test_the_scale_fits_the_width_only_while_the_text_stays_8_pt():
    narrow = [Column("编号", 18), Column("标题", 40), Column("单位", 14)]
    assert ledger.fit_scale(narrow) == 100  # fits as it is
    printable = ledger.printable_points()
    for scale in (95, 80, 74):  # 11 pt × 74 % ≈ 8.1 pt
        width = int(printable * 100 / scale / 5.25)  # a column about as wide as the page at that scale
        assert ledger.fit_scale([Column("宽", width)]) in (scale - 1, scale)
    width = int(printable * 100 / 70 / 5.25)  # 11 pt × 70 % = 7.7 pt: too small, not fitted
    assert ledger.fit_scale([Column("宽", width)]) is None
    assert ledger.fit_scale(INCIDENT_COLUMNS) is None and ledger.fit_scale(TICKET_COLUMNS) is None


def sheet_of(columns):
    workbook = Workbook(write_only=True)
    ledger._sheet(workbook, "台账", columns, "2026-10-01 至 2026-12-31")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(buffer)["台账"]


def test_a_narrow_sheet_is_fitted_to_one_page_wide():
    sheet = sheet_of([Column("编号", 18), Column("标题", 40), Column("单位", 14)])
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)  # as many pages down as needed
    assert sheet.print_title_rows == "$1:$1" and not sheet.print_title_cols


def test_the_ledger_prints_at_full_size_with_the_header_repeated(db):
    book = load_workbook(io.BytesIO(build_ledger(start=START, end=END)))
    for name in (INCIDENT_SHEET, TICKET_SHEET):
        sheet = book[name]
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9  # A4
        assert not sheet.sheet_properties.pageSetUpPr.fitToPage and setup.scale == 100
        assert setup.pageOrder == "overThenDown"  # a band of rows left to right, then the next band
        assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$A"
        assert sheet.print_options.gridLines
        margins = sheet.page_margins
        assert round(margins.left * 25.4) == 15 and round(margins.right * 25.4) == 10
        assert round(margins.top * 25.4) == 20 and round(margins.bottom * 25.4) == 18
        assert name in sheet.oddHeader.center.text and "2026-10-01 至 2026-12-31" in sheet.oddHeader.center.text
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"


def pages_text(data, tmp_path):
    path = tmp_path / "ledger.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    pages = [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
        for n in range(1, count + 1)
    ]
    return pages, size


def test_printed_through_libreoffice_every_page_has_the_header_and_its_number(org, make_incident, tmp_path):
    with time_machine.travel(dt.datetime(2026, 10, 13, 9, tzinfo=SH), tick=False):
        for number in range(45):  # more rows than an A4 landscape page holds at 11 pt
            make_incident(f"网传某乡镇第{number}号问题引发关注")
    pages, size = pages_text(pdf.convert_to_pdf(build_ledger(start=START, end=END), extension="xlsx"), tmp_path)
    assert "841.89 x 595.3" in size  # A4 landscape
    assert len(pages) > 3  # the incident sheet alone runs across and down
    for number, text in enumerate(pages, start=1):
        assert "舆情编号" in text  # the header row and the number column on every page
        assert INCIDENT_SHEET in text or TICKET_SHEET in text  # the page header
        assert f"第{number}页共{len(pages)}页" in "".join(text.split())  # the footer
    assert sum("网传某乡镇第44号问题引发关注" in text for text in pages) == 1  # the title column once, not cut
