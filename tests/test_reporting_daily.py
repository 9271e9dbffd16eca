"""The 17:00 daily roll-up: its figures equal the database, the .docx reads back, the beat job fires at the
configured time in Asia/Shanghai and not before, once (also under two concurrent workers), catches up after
downtime; regenerating keeps the versions; the office edits and issues it to the distribution list."""

import io
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.table import Table

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline
from deadlines.sweep import run_timed_checks
from incidents import services as incident_services
from incidents.models import Incident, TicketRole
from notifications.models import Notification
from reporting import daily, services
from reporting.daily import compile_daily_content, compile_due_daily_reports, generate_daily_report
from reporting.models import DailySubmission, Report, ReportSettings, ReportVersion

SH = ZoneInfo("Asia/Shanghai")
MON, TUE = date(2026, 11, 23), date(2026, 11, 24)


def at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), tzinfo=SH)


def report_at(org, when, title, grade=None, platform="微博", **fields):
    with time_machine.travel(when, tick=False):
        incident = incident_services.report_incident(
            org.duty, title=title, links=[{"platform": platform, "url": f"https://example.com/{title}"}], **fields
        )
        if grade:
            incident_services.grade_incident(org.duty, incident, grade=grade, reason="测试研判")
    return incident


@pytest.fixture
def tuesday(org):
    """Items around Tuesday's 17:00 cut-off; Monday's report (cut-off Mon 17:00) already exists."""
    with time_machine.travel(at(MON, 17, 0), tick=False):
        compile_due_daily_reports()
    items = {
        "before": report_at(org, at(MON, 16, 59), "周一截止前", "IV"),
        "major": report_at(
            org,
            at(MON, 17, 0),
            "重大事项",
            "II",
            platform="抖音",
            views=90000,
            summary="网传某地发生群体性事件，引发大量转发。",
        ),
        "big": report_at(org, at(TUE, 9, 0), "较大事项", "III"),
        "general": report_at(org, at(TUE, 10, 0), "一般事项", "IV", views=20),
        "ungraded": report_at(org, at(TUE, 11, 0), "未研判事项"),
        "positive": report_at(org, at(TUE, 12, 0), "正面宣传报道", views=50000),
        "dupe": report_at(org, at(TUE, 13, 0), "重复信息", "IV"),
        "after": report_at(org, at(TUE, 17, 0), "截止后", "I"),
    }
    with time_machine.travel(at(TUE, 12, 30), tick=False):
        incident_services.dismiss_incident(org.duty, items["positive"], reason="正面宣传，无需处置")
        incident_services.dispatch_incident(org.duty, items["big"], assignments=[(org.edu, TicketRole.LEAD)])
    with time_machine.travel(at(TUE, 13, 30), tick=False):
        incident_services.merge_incident(org.duty, items["dupe"], into=items["general"], reason="重复")
    return items


def docx_of(report):
    version = report.versions.order_by("-number").first()
    with version.file.open("rb") as f:
        return Document(io.BytesIO(f.read()))


def table_after(doc, heading):
    """The table in the section under this heading, as rows of cell texts (None if the section has none)."""
    found = False
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            if found:
                return [[cell.text for cell in row.cells] for row in block.rows]
        elif block.text.strip() == heading:
            found = True
        elif found and block.style.name.startswith("Heading"):
            return None
    return None


def test_figures_and_docx_equal_the_database(org, tuesday):
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
    assert report.period_start == at(MON, 17, 0) and report.period_end == at(TUE, 17, 0)
    in_period = Incident.objects.filter(reported_at__gte=at(MON, 17, 0), reported_at__lt=at(TUE, 17, 0)).exclude(
        status="merged"
    )
    figures = report.content["figures"]
    assert figures["total"] == in_period.count() == 5  # 周一截止前, 截止后 and the merged duplicate are out
    for grade in ("I", "II", "III", "IV"):
        assert figures["by_grade"][grade] == in_period.filter(grade=grade).count()
    assert figures["by_grade"]["none"] == in_period.filter(grade="").count() == 2
    assert figures["by_platform"] == {"微博": 4, "抖音": 1}
    assert figures["without_ticket"] == 4  # everything but 较大事项, the dismissed positive item included
    # Items of note: graded 较大 and above, plus the most viewed of the rest (the positive item too).
    notable = figures["notable_ids"]
    assert notable[:2] == [tuesday["major"].pk, tuesday["big"].pk] and tuesday["positive"].pk in notable

    doc = docx_of(report)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "一、总体情况",
        "二、来源平台",
        "三、重点舆情",
        "四、处置情况",
        "五、逾期未办结",
        "六、单位报送情况",
        "七、巡查情况",
    ]
    # A 简报 (issue 13): the red masthead, 期号 and 总期号, then the title.
    issue = f"第{report.sequence}期（总第{report.total_sequence}期）"
    assert [p.text for p in doc.paragraphs[2:4]] == ["舆情日报", issue] and report.year == 2026
    assert next(p for p in doc.paragraphs if p.style.name == "Title").text == "舆情日报（2026年11月24日）"
    grade_table = dict(table_after(doc, "一、总体情况")[1:])
    assert grade_table == {
        "Ⅰ级 特别重大": "0",
        "Ⅱ级 重大": "1",
        "Ⅲ级 较大": "1",
        "Ⅳ级 一般": "1",
        "待研判": "2",
        "合计": "5",
    }
    assert dict(table_after(doc, "二、来源平台")[1:]) == {"微博": "4", "抖音": "1"}
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "重大事项" in text and "网传某地发生群体性事件" in text and "正面宣传报道" in text
    assert "截止后" not in text


def test_open_items_and_overdue_units_come_from_the_deadline_engine(org, tuesday):
    run_timed_checks(at(TUE, 16, 0))  # 教育局 has not claimed 较大事项 (dispatched 12:30): its claim limit has passed
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
    overdue = {row["unit"]: row for row in report.content["figures"]["overdue_by_unit"]}
    breached = Deadline.objects.filter(state="breached", met_at__isnull=True)
    assert overdue["教育局"]["deadlines"] == breached.filter(unit=org.edu).count() == 1
    # Incident-level limits (e.g. reporting to leaders) are the office's own.
    assert overdue["办公室（舆情整体）"]["deadlines"] == breached.filter(unit__isnull=True).count() > 0
    assert report.content["figures"]["open_incidents"] == dict(
        (s, Incident.objects.filter(status=s).count()) for s in report.content["figures"]["open_incidents"]
    )
    rows = {r[0]: r[1:] for r in table_after(docx_of(report), "五、逾期未办结")[1:]}
    assert rows["教育局"] == ["1", "1"]


def test_beat_job_not_before_the_cut_off_then_once(org, tuesday):
    assert compile_due_daily_reports(at(TUE, 16, 59)) is None
    assert not daily.daily_reports_on(TUE).exists()
    # 17:00 Asia/Shanghai is 09:00 UTC: the job reads the configured time in Beijing time.
    assert compile_due_daily_reports(datetime(2026, 11, 24, 8, 59, tzinfo=ZoneInfo("UTC"))) is None
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        first = compile_due_daily_reports()
    assert first is not None and first.period_end == at(TUE, 17, 0)
    with time_machine.travel(at(TUE, 17, 1), tick=False):
        assert compile_due_daily_reports() is None
    assert Report.objects.filter(kind="daily").count() == 2  # Monday's and Tuesday's
    assert ReportVersion.objects.filter(report=first).count() == 1
    assert AuditEvent.objects.filter(action="report_generated", object_id=str(first.pk)).count() == 1


def test_catches_up_once_after_downtime_with_the_period_ending_at_the_cut_off(org, tuesday):
    # Worker down from 16:00 to 21:00: nothing at 16:00, one report at 21:00 that still ends at 17:00.
    assert compile_due_daily_reports(at(TUE, 16, 0)) is None
    late_item = report_at(org, at(TUE, 18, 0), "晚间事项", "IV")
    with time_machine.travel(at(TUE, 21, 0), tick=False):
        report = compile_due_daily_reports()
        assert compile_due_daily_reports() is None
    assert (report.period_start, report.period_end) == (at(MON, 17, 0), at(TUE, 17, 0))
    assert late_item.pk not in report.content["figures"]["notable_ids"]
    assert report.content["figures"]["total"] == 5
    # The next day's report starts where this one ended: the evening item is Wednesday's.
    with time_machine.travel(at(TUE, 17, 0) + timedelta(days=1), tick=False):
        wednesday = compile_due_daily_reports()
    assert wednesday.period_start == at(TUE, 17, 0)
    assert wednesday.content["figures"]["total"] == 2  # 截止后 (17:00 sharp) and 晚间事项


def test_several_missed_days_give_one_report_covering_all_of_them(org):
    with time_machine.travel(at(date(2026, 11, 20), 17, 0), tick=False):
        compile_due_daily_reports()
    report_at(org, at(date(2026, 11, 22), 9, 0), "周日事项", "IV")
    with time_machine.travel(at(TUE, 9, 0), tick=False):  # down from Friday evening to Tuesday morning
        report = compile_due_daily_reports()
        assert compile_due_daily_reports() is None
    assert report.period_start == at(date(2026, 11, 20), 17, 0) and report.period_end == at(MON, 17, 0)
    assert report.content["figures"]["total"] == 1
    assert Report.objects.filter(kind="daily").count() == 2


def test_a_changed_configured_time_is_respected(org, tuesday):
    settings = ReportSettings.current()
    settings.daily_time = time(16, 30)
    settings.save()
    assert compile_due_daily_reports(at(TUE, 16, 29)) is None
    with time_machine.travel(at(TUE, 16, 30), tick=False):
        report = compile_due_daily_reports()
    assert report.period_end == at(TUE, 16, 30)
    # Moving the time back to 17:00 the same day does not produce a second report for Tuesday.
    settings.daily_time = time(17, 0)
    settings.save()
    assert compile_due_daily_reports(at(TUE, 17, 5)) is None
    assert daily.daily_reports_on(TUE).count() == 1


def test_first_ever_report_covers_the_previous_24_hours(org):
    report_at(org, at(MON, 16, 0), "昨日事项", "IV")
    report_at(org, at(MON, 18, 0), "今日事项", "IV")
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
    assert report.period_start == at(MON, 17, 0)
    assert report.content["figures"]["total"] == 1


def test_regenerating_replaces_the_document_and_keeps_versions(org, tuesday):
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
        report_at(org, at(TUE, 17, 0), "补录事项", "II", views=5)
    # An item logged late with an earlier report time is in the period: a regeneration picks it up.
    Incident.objects.filter(title="补录事项").update(reported_at=at(TUE, 16, 0))
    with time_machine.travel(at(TUE, 17, 30), tick=False):
        again = generate_daily_report(TUE, actor=org.duty)
    assert again.pk == report.pk
    assert list(again.versions.values_list("number", flat=True)) == [2, 1]
    assert again.content["figures"]["total"] == 6
    first, second = again.versions.order_by("number")
    assert first.content["figures"]["total"] == 5 and second.content["figures"]["total"] == 6
    assert first.file.storage.exists(first.file.name)  # the earlier document is kept


def test_generating_refuses_bad_requests_and_changes_nothing(org, tuesday):
    with time_machine.travel(at(TUE, 16, 0), tick=False):
        with pytest.raises(InvalidInput, match="汇总时间（17:00）未到"):
            generate_daily_report(TUE, actor=org.duty)
        with pytest.raises(NotPermitted):
            generate_daily_report(MON, actor=org.edu_liaison)
    assert Report.objects.filter(kind="daily").count() == 1
    assert ReportVersion.objects.count() == 1


def test_issued_report_is_not_regenerated(org, tuesday):
    ReportSettings.current().distribution.set([org.leader])
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
        services.issue_report(org.duty, report)
        with pytest.raises(Conflict, match="已签发"):
            generate_daily_report(TUE, actor=org.duty)
    assert report.versions.count() == 1


def test_office_edits_sections_then_issues_to_the_distribution_list(org, tuesday):
    ReportSettings.current().distribution.set([org.leader, org.edu_leader])
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
    with time_machine.travel(at(TUE, 17, 20), tick=False):
        version = services.edit_report(org.duty, report, texts={"notable": "重大事项已按要求处置，请领导阅示。"})
        assert version.number == 2
        report = services.issue_report(org.duty, report)
    report.refresh_from_db()
    assert report.status == "issued" and report.issued_by == org.duty and report.issued_at == at(TUE, 17, 20)
    assert set(report.recipients.values_list("username", flat=True)) == {"leader", "edu_leader"}
    notices = Notification.objects.filter(title__contains="舆情日报", channel="inbox")
    assert set(notices.values_list("recipient__username", flat=True)) == {"leader", "edu_leader"}
    assert notices.first().link == f"/reports/{report.pk}/"
    doc = docx_of(report)
    assert "重大事项已按要求处置，请领导阅示。" in [p.text for p in doc.paragraphs]
    assert report.content["figures"]["total"] == 5  # the figures are not the office's to edit
    actions = list(
        AuditEvent.objects.filter(object_type="report", object_id=str(report.pk)).values_list("action", flat=True)
    )
    assert actions == ["report_generated", "report_edited", "report_issued"]


def test_edit_and_issue_refuse_bad_input_and_change_nothing(org, tuesday):
    notices = Notification.objects.count()  # those of the day's dispatches
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
        with pytest.raises(NotPermitted):
            services.edit_report(org.leader, report, texts={"notable": "改"})
        with pytest.raises(InvalidInput, match="未知的报告章节"):
            services.edit_report(org.duty, report, texts={"nonsense": "改"})
        with pytest.raises(InvalidInput, match="没有修改"):
            services.edit_report(org.duty, report, texts={"overview": report.content["sections"][0]["text"]})
        with pytest.raises(InvalidInput, match="报送领导名单"):
            services.issue_report(org.duty, report)  # empty distribution list
    report.refresh_from_db()
    assert report.status == "draft" and report.versions.count() == 1 and Notification.objects.count() == notices


def test_daily_submissions_appear_in_the_roll_up(org, tuesday):
    settings = ReportSettings.current()
    settings.collecting_units.set([org.edu, org.health, org.police])
    with time_machine.travel(at(TUE, 16, 0), tick=False):
        services.submit_daily_items(org.edu_liaison, unit=org.edu, content="某校食堂问题 https://weibo.com/1")
    with time_machine.travel(at(TUE, 17, 0), tick=False):
        report = compile_due_daily_reports()
    rows = {r[0]: r[1:] for r in table_after(docx_of(report), "六、单位报送情况")[1:]}
    assert rows == {
        "教育局": ["按时报送", "16:00", "1"],
        "卫健委": ["未报送", "—", "0"],
        "公安局": ["未报送", "—", "0"],
    }
    assert "未报送2个（卫健委、公安局）" in report.content["sections"][5]["text"]
    assert DailySubmission.objects.count() == 1


def test_compiling_costs_the_same_queries_for_many_items(org):
    ReportSettings.current()  # created once, as in any running system

    def count_queries(n_items, day):
        for i in range(n_items):
            report_at(
                org,
                at(day, 9, 0) + timedelta(minutes=i),
                f"事项{day}-{i}",
                ["II", "III", "IV"][i % 3],
                platform=f"平台{i % 4}",
            )
        with CaptureQueriesContext(connection) as queries:
            content = compile_daily_content(at(day, 0, 0), at(day, 23, 0))
        assert content["figures"]["total"] == n_items
        return len(queries)

    assert count_queries(3, MON) == count_queries(24, TUE) <= 17  # 七、巡查情况: two grouped queries, one for names


def test_beat_schedule_and_task_are_wired(settings):
    from yuqing.celery import app

    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reporting.tasks.compile_due_daily_reports"
    )
    assert str(entry["schedule"]._orig_minute) == "*"  # every minute, the job itself decides
    app.loader.import_default_modules()
    assert "reporting.tasks.compile_due_daily_reports" in app.tasks


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent workers need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_produce_one_report(org):
    report_at(org, at(TUE, 9, 0), "事项", "IV")
    ReportSettings.current()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(compile_due_daily_reports(at(TUE, 17, 0)))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(r is not None for r in results) == 1
    assert Report.objects.filter(kind="daily").count() == 1
    assert ReportVersion.objects.count() == 1
    assert AuditEvent.objects.filter(action="report_generated").count() == 1
