"""Control characters stored before input refused them (issue 10 §1) never stop a document: the 日报, the 专报,
the 周报/月报 and the ledger are produced, open, and show the text without the invisible characters."""

import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document
from openpyxl import load_workbook

from incidents import services as incident_services
from incidents.models import Incident, TicketRole
from reporting import documents, services
from reporting.daily import compile_due_daily_reports
from reporting.ledger import INCIDENT_SHEET, TICKET_SHEET, build_ledger
from reporting.models import Report
from reporting.periodic import compile_due_periodic
from reporting.safe_output import printable

SH = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=SH)
DIRTY_TITLE = "网传某校\x0b食堂\x1f问题"
CLEAN_TITLE = "网传某校食堂问题"
DIRTY_SUMMARY = "多名网民\x0b反映\x1f饭菜变质。"
CLEAN_SUMMARY = "多名网民反映饭菜变质。"


@pytest.fixture
def dirty(org, make_incident):
    """A 重大 item dispatched to 教育局, whose title and summary were stored with control characters."""
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        incident = make_incident(grade="II", links=[{"platform": "微博", "url": "https://weibo.com/x"}])
        incident_services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    Incident.objects.filter(pk=incident.pk).update(title=DIRTY_TITLE, summary=DIRTY_SUMMARY)
    return incident


def docx_of(report):
    version = report.versions.order_by("-number").first()
    with version.file.open("rb") as f:
        data = f.read()
    return data, Document(io.BytesIO(data))


def all_text(doc):
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def assert_no_control_characters(data):
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                text = package.read(name).decode("utf-8")
                assert printable(text) == text, name


def test_the_daily_report_is_produced_with_the_text_cleaned(dirty):
    with time_machine.travel(datetime(2026, 11, 24, 17, 1, tzinfo=SH), tick=False):
        report = compile_due_daily_reports()
    assert report is not None
    data, doc = docx_of(report)
    text = all_text(doc)
    assert CLEAN_TITLE in text and CLEAN_SUMMARY.rstrip("。") in text
    assert_no_control_characters(data)
    # The stored content is clean too: the office can edit and save the 日报 as compiled.
    notable = next(s for s in report.content["sections"] if s["key"] == "notable")
    assert CLEAN_TITLE in notable["text"] and "\x0b" not in notable["text"]


def test_the_special_report_is_produced_with_the_text_cleaned(org, dirty):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        report = services.create_special_report(org.duty, dirty)
    data, doc = docx_of(report)
    text = all_text(doc)
    assert CLEAN_TITLE in text and CLEAN_SUMMARY in text
    assert_no_control_characters(data)


def test_the_weekly_and_monthly_reports_are_produced_with_the_text_cleaned(dirty):
    created = {r.kind: r for r in compile_due_periodic(now=datetime(2026, 12, 1, 9, 0, tzinfo=SH))}
    for report in (created[Report.Kind.WEEKLY], created[Report.Kind.MONTHLY]):
        data, doc = docx_of(report)
        assert CLEAN_TITLE in all_text(doc)
        assert_no_control_characters(data)


def test_the_ledger_is_produced_with_the_text_cleaned(org, dirty, client):
    client.force_login(org.duty)
    response = client.get("/reports/ledger/", {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    incident_rows = list(book[INCIDENT_SHEET].iter_rows(values_only=True))
    ticket_rows = list(book[TICKET_SHEET].iter_rows(values_only=True))
    assert incident_rows[1][1] == CLEAN_TITLE
    assert ticket_rows[1][1] == CLEAN_TITLE and ticket_rows[1][3] == "教育局"


@pytest.mark.django_db
def test_every_character_a_document_cannot_carry_is_dropped_and_the_rest_kept():
    unwritable = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9F, 0xFFFE)]
    text = "甲" + "".join(unwritable) + "乙\t丙\n丁"
    content = {
        "kind": "supervision",
        "title": text,
        "subtitle": text,
        "main_recipient": text,
        "issuer": text,
        "sections": [documents.section("s", text, text, documents.table([text], [[text], [None]]))],
    }
    data = documents.render_docx(content)
    reopened = Document(io.BytesIO(data))
    title = next(p for p in reopened.paragraphs if p.style.name == "Title")
    assert title.text == "甲乙\t丙\n丁"
    assert reopened.tables[0].cell(1, 0).text == "甲乙\t丙\n丁"
    assert_no_control_characters(data)

    with time_machine.travel(TUESDAY_MORNING, tick=False):
        ledger = build_ledger(start=TUESDAY_MORNING, end=TUESDAY_MORNING)  # no rows: headers only still open
    assert load_workbook(io.BytesIO(ledger)).sheetnames == [INCIDENT_SHEET, TICKET_SHEET]
