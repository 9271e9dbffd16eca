"""One bad item never costs the day's 日报 (issue 10 §1; 004 三(二) "每天汇总编发"), nor a periodic report: the item
whose formatting fails appears by its title with "（本条内容无法生成，详见系统）", the failure is logged, and the
beat job records the report with every other item in full."""

import io
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError
from docx import Document

from incidents.models import Incident
from reporting import daily, periodic
from reporting import tasks as reporting_tasks
from reporting.models import Report
from reporting.safe_output import UNAVAILABLE, format_each

SH = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=SH)
AFTER_CUTOFF = datetime(2026, 11, 24, 17, 1, tzinfo=SH)


@pytest.fixture
def items(make_incident):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        good = make_incident("某镇道路塌陷", grade="III", summary="网民反映道路塌陷无人处理。")
        bad = make_incident("某校食堂问题", grade="II", summary="网民反映饭菜变质。")
    return good, bad


def fail_for(original, bad):
    def formatter(n, item):
        if item.pk == bad.pk:
            raise ValueError("formatting failed")
        return original(n, item)

    return formatter


def docx_text(report):
    version = report.versions.order_by("-number").first()
    with version.file.open("rb") as f:
        doc = Document(io.BytesIO(f.read()))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_beat_job_records_the_daily_report_with_the_bad_item_in_its_minimal_form(items, monkeypatch, caplog):
    good, bad = items
    monkeypatch.setattr(daily, "_notable_paragraph", fail_for(daily._notable_paragraph, bad))
    with caplog.at_level(logging.ERROR), time_machine.travel(AFTER_CUTOFF, tick=False):
        reporting_tasks.compile_due_daily_reports()  # the 17:00 beat task, run in-process

    report = Report.objects.get(kind=Report.Kind.DAILY)
    text = docx_text(report)
    assert "某镇道路塌陷" in text and "网民反映道路塌陷无人处理" in text  # the other item in full
    assert f"某校食堂问题{UNAVAILABLE}" in text
    assert "网民反映饭菜变质" not in text
    assert report.content["figures"]["total"] == 2  # the counts still count it
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "舆情日报" in failure.getMessage() and str(bad.pk) in failure.getMessage()
    assert failure.exc_info is not None  # the traceback is in the log


def test_an_item_with_a_value_the_code_no_longer_knows_still_gets_into_the_daily_report(items):
    good, bad = items
    Incident.objects.filter(pk=bad.pk).update(media_level="retired-level")  # stored before the list changed
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        report = daily.compile_due_daily_reports()
    text = docx_text(report)
    assert f"某校食堂问题{UNAVAILABLE}" in text and "网民反映道路塌陷无人处理" in text


def test_a_periodic_report_keeps_the_bad_items_row(items, monkeypatch, caplog):
    good, bad = items
    monkeypatch.setattr(periodic, "_notable_row", fail_for(periodic._notable_row, bad))
    with caplog.at_level(logging.ERROR), time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=SH), tick=False):
        reporting_tasks.compile_periodic_reports()

    weekly = Report.objects.get(kind=Report.Kind.WEEKLY)
    notable = next(s for s in weekly.content["sections"] if s["key"] == "notable")
    assert [bad.number, "某校食堂问题", "—", "—", UNAVAILABLE] in notable["table"]["rows"]
    assert any(row[1] == "某镇道路塌陷" and row[4] != UNAVAILABLE for row in notable["table"]["rows"])
    assert UNAVAILABLE in docx_text(weekly)
    assert any("周报" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_one_periodic_kind_failing_does_not_cost_the_others(items, monkeypatch, caplog):
    original = periodic.compile_periodic_content

    def weekly_fails(kind, start, end, **kwargs):
        if kind == Report.Kind.WEEKLY:
            raise RuntimeError("weekly compile failed")
        return original(kind, start, end, **kwargs)

    monkeypatch.setattr(periodic, "compile_periodic_content", weekly_fails)
    with caplog.at_level(logging.ERROR):
        created = periodic.compile_due_periodic(now=datetime(2026, 12, 1, 9, 0, tzinfo=SH))
    assert Report.Kind.MONTHLY in {r.kind for r in created}
    assert not Report.objects.filter(kind=Report.Kind.WEEKLY).exists()  # tried again at the next run
    assert any("周报" in r.getMessage() and "生成失败" in r.getMessage() for r in caplog.records)

    monkeypatch.setattr(periodic, "compile_periodic_content", original)
    again = periodic.compile_due_periodic(now=datetime(2026, 12, 1, 9, 15, tzinfo=SH))
    assert [r.kind for r in again] == [Report.Kind.WEEKLY]


def test_a_database_error_is_not_taken_for_a_bad_item():
    def broken(n, item):
        raise DatabaseError("connection lost")

    with pytest.raises(DatabaseError):
        format_each(["x"], broken, lambda n, item: "fallback", report="舆情日报")
