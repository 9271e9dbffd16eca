"""周报/月报/季度通报: the documents read back with python-docx against the database, version history,
bad input, and the beat job (fires on the right morning, not twice, catches up, Asia/Shanghai)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import AuditEvent
from incidents import services
from incidents.models import TicketRole
from reporting import periodic
from reporting.models import Criticism, Report, ReportSettings
from reporting.periodic import compile_due_periodic, generate_periodic_report

SH = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=9, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def week(org, make_incident):
    """The week of Monday 2026-10-12: A (一般, 教育局 leads), B (较大, 公安局 leads), C dismissed; one item the
    week before and one the week after."""
    with time_machine.travel(at(2026, 10, 8), tick=False):
        make_incident("上周舆情", grade="IV")
    with time_machine.travel(at(2026, 10, 13), tick=False):
        a = make_incident("A 某校食堂问题", grade="IV", category="livelihood")
        services.dispatch_incident(org.duty, a, assignments=[(org.edu, TicketRole.LEAD)])
        b = make_incident("B 派出所执法问题", grade="III", category="conduct")
        services.dispatch_incident(org.duty, b, assignments=[(org.police, TicketRole.LEAD)])
        c = make_incident("C 正面宣传信息", category="livelihood")
        services.dismiss_incident(org.duty, c, reason="正面信息，无需处置")
    with time_machine.travel(at(2026, 10, 19, 10), tick=False):
        make_incident("下周舆情", grade="IV")
    return org


def docx_of(report):
    version = report.versions.order_by("-number").first()
    with version.file.open("rb") as f:
        return Document(io.BytesIO(f.read()))


def table_after(doc, heading):
    """The table that follows the heading `heading` (tables are in document order)."""
    body = doc.element.body
    seen = False
    for child in body.iterchildren():
        if child.tag.endswith("}p") and heading in "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")):
            seen = True
        elif seen and child.tag.endswith("}tbl"):
            return [[cell.text for cell in row.cells] for row in next(t for t in doc.tables if t._tbl is child).rows]
    raise AssertionError(f"no table after {heading}")


def test_weekly_report_is_classified_and_compared_with_handling(week):
    report = generate_periodic_report("weekly", dt.date(2026, 10, 12), now=at(2026, 10, 19, 9))
    assert report.title == "舆情周报（2026年第42周）"
    assert report.period_start == at(2026, 10, 12, 0) and report.period_end == at(2026, 10, 19, 0)
    doc = docx_of(report)
    text = "\n".join(p.text for p in doc.paragraphs)
    for heading in ("一、总体情况", "二、分类统计及办理情况", "三、重点舆情办理情况", "四、各单位办理情况"):
        assert heading in text
    assert "共收集舆情信息3条，较上期（1条）增加2条" in text
    grades = dict((row[0], row[1]) for row in table_after(doc, "一、总体情况")[1:])
    assert grades == {
        "Ⅰ级 特别重大": "0",
        "Ⅱ级 重大": "0",
        "Ⅲ级 较大": "1",
        "Ⅳ级 一般": "1",
        "待研判": "1",
        "合计": "3",
    }
    categories = {row[0]: row[1:] for row in table_after(doc, "二、分类统计及办理情况")[1:]}
    # 类别: 条数, 已办结, 在办, 不予处置, 逾期 (both claim limits passed unmet by 10-19)
    assert categories == {"民生诉求": ["2", "0", "1", "1", "1"], "干部作风": ["1", "0", "1", "0", "1"]}
    notable = table_after(doc, "三、重点舆情办理情况")
    assert [row[1:] for row in notable[1:]] == [["B 派出所执法问题", "Ⅲ级 较大", "公安局", "已转办"]]
    units = {row[0]: row[1] for row in table_after(doc, "四、各单位办理情况")[1:]}
    assert units == {"教育局": "1", "公安局": "1"}
    assert report.content["figures"]["total"] == 3
    assert AuditEvent.objects.filter(action="report_generated", object_id=str(report.pk)).exists()


def test_regenerating_keeps_versions_and_an_issued_report_stays(week):
    first = generate_periodic_report("weekly", dt.date(2026, 10, 12), actor=week.duty, now=at(2026, 10, 19))
    again = generate_periodic_report("weekly", dt.date(2026, 10, 12), actor=week.duty, now=at(2026, 10, 20))
    assert again.pk == first.pk and Report.objects.filter(kind="weekly").count() == 1
    assert list(again.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    Report.objects.filter(pk=first.pk).update(status=Report.Status.ISSUED)
    with pytest.raises(Conflict, match="已签发"):
        generate_periodic_report("weekly", dt.date(2026, 10, 12), actor=week.duty, now=at(2026, 10, 21))
    assert first.versions.count() == 2


@pytest.mark.parametrize(
    "kind, first_day, message",
    [
        ("weekly", dt.date(2026, 10, 13), "须从星期一开始"),
        ("monthly", dt.date(2026, 10, 2), "须从每月1日开始"),
        ("quarterly", dt.date(2026, 11, 1), "须从1月、4月、7月或10月1日开始"),
        ("daily", dt.date(2026, 10, 12), "报告类型须为"),
        ("weekly", dt.date(2026, 11, 23), "尚未结束"),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_created(org, kind, first_day, message):
    with pytest.raises(InvalidInput, match=message):
        generate_periodic_report(kind, first_day, actor=org.duty, now=at(2026, 11, 25))
    assert not Report.objects.exists()


def test_only_the_office_generates(org):
    with pytest.raises(NotPermitted):
        generate_periodic_report("monthly", dt.date(2026, 10, 1), actor=org.edu_liaison, now=at(2026, 11, 25))
    assert not Report.objects.exists()


def test_quarterly_notice_carries_the_assessment_and_the_criticisms(week):
    with time_machine.travel(at(2026, 11, 2), tick=False):
        Criticism.objects.create(
            unit=week.police, cause=Criticism.Cause.LATE, reason="反馈不及时", recorded_by=week.duty
        )
    report = generate_periodic_report("quarterly", dt.date(2026, 10, 1), now=at(2027, 1, 4))
    assert report.title == "2026年第四季度网络舆情办理情况通报"
    doc = docx_of(report)
    scores = table_after(doc, "五、单位考核情况")
    assert scores[0][:3] == ["排名", "单位", "得分"]
    ranked = {row[1]: row for row in scores[1:]}
    assert set(ranked) == {"教育局", "卫健委", "公安局", "城关镇"}
    # 公安局: claim late (0 of 1), feedback late (0 of 1), no reply due, one 通报批评 (−5): 30 − 5.
    assert ranked["公安局"][2] == "25" and ranked["公安局"][4] == "0%" and ranked["公安局"][11] == "1"
    assert ranked["公安局"][0] == "4" and ranked["城关镇"][:3] == ["1", "城关镇", "100"]
    criticisms = table_after(doc, "六、通报批评")
    assert [row[:2] + row[3:] for row in criticisms[1:]] == [["公安局", "反馈不及时", "反馈不及时", "2026-11-02"]]
    assert report.content["figures"]["criticisms"] == 1


def test_monthly_report_title_and_period(week):
    report = generate_periodic_report("monthly", dt.date(2026, 10, 1), now=at(2026, 11, 1, 8))
    assert report.title == "舆情月报（2026年10月）"
    assert report.period_end == at(2026, 11, 1, 0)
    assert report.content["figures"]["total"] == 5  # every October item


def periods(kind):
    return sorted(
        r.astimezone(SH).date() for r in Report.objects.filter(kind=kind).values_list("period_start", flat=True)
    )


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return compile_due_periodic()


def test_beat_fires_on_monday_morning_once(org):
    Report.objects.create(kind="monthly", title="已有", period_start=at(2026, 10, 1, 0))
    Report.objects.create(kind="quarterly", title="已有", period_start=at(2026, 7, 1, 0))
    Report.objects.create(kind="weekly", title="已有", period_start=at(2026, 11, 9, 0))
    assert run_at(at(2026, 11, 23, 7, 59)) == []  # Monday, before 08:00 Beijing time
    created = run_at(at(2026, 11, 23, 8, 0))
    assert [(r.kind, r.period_start) for r in created] == [("weekly", at(2026, 11, 16, 0))]
    assert run_at(at(2026, 11, 23, 8, 1)) == [] and run_at(at(2026, 11, 26, 8)) == []
    assert periods("weekly") == [dt.date(2026, 11, 9), dt.date(2026, 11, 16)]
    assert created[0].versions.count() == 1


def test_beat_respects_the_configured_weekday_and_time_zone(org):
    ReportSettings.objects.update_or_create(pk=1, defaults={"weekly_weekday": 2})  # Wednesday
    for kind, start in (
        ("weekly", at(2026, 11, 9, 0)),
        ("monthly", at(2026, 10, 1, 0)),
        ("quarterly", at(2026, 7, 1, 0)),
    ):
        Report.objects.create(kind=kind, title="已有", period_start=start)
    assert run_at(at(2026, 11, 23, 9)) == []  # Monday: not this week's day
    assert run_at(dt.datetime(2026, 11, 24, 23, 59, tzinfo=dt.UTC)) == []  # Wednesday 07:59 in Beijing
    # 2026-11-25 00:00 UTC is already Wednesday 08:00 in Beijing.
    assert [r.kind for r in run_at(dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC))] == ["weekly"]
    assert periods("weekly") == [dt.date(2026, 11, 9), dt.date(2026, 11, 16)]


def test_beat_catches_up_after_downtime_once(org):
    run_at(at(2026, 10, 30, 12))  # the last run before the worker went down
    assert periods("monthly") == [dt.date(2026, 9, 1)] and periods("quarterly") == [dt.date(2026, 7, 1)]
    # Down from Friday 10-30 until Tuesday 11-03: November 1 and Monday 11-02 passed unseen.
    created = run_at(at(2026, 11, 3, 10))
    assert sorted((r.kind, r.period_start.astimezone(SH).date()) for r in created) == [
        ("monthly", dt.date(2026, 10, 1)),
        ("weekly", dt.date(2026, 10, 26)),
    ]
    assert run_at(at(2026, 11, 3, 11)) == []
    assert periods("monthly") == [dt.date(2026, 9, 1), dt.date(2026, 10, 1)]


def test_quarter_turns_at_beijing_midnight(org):
    run_at(at(2026, 12, 31, 23))
    assert dt.date(2026, 10, 1) not in periods("quarterly")
    created = run_at(at(2027, 1, 1, 8))
    quarterly = next(r for r in created if r.kind == "quarterly")
    assert quarterly.period_start == at(2026, 10, 1, 0) == dt.datetime(2026, 9, 30, 16, tzinfo=dt.UTC)
    assert quarterly.period_end == at(2027, 1, 1, 0)


def test_a_twin_worker_inserting_first_does_not_duplicate(org, monkeypatch):
    for kind, start in (("monthly", at(2026, 10, 1, 0)), ("quarterly", at(2026, 7, 1, 0))):
        Report.objects.create(kind=kind, title="已有", period_start=start)
    original = periodic.compile_periodic_content

    def twin_first(kind, start, end, **kwargs):
        Report.objects.create(kind=kind, title="另一进程", period_start=start)  # after our exists() check
        return original(kind, start, end, **kwargs)

    monkeypatch.setattr(periodic, "compile_periodic_content", twin_first)
    assert run_at(at(2026, 11, 23, 9)) == []
    assert list(Report.objects.filter(kind="weekly").values_list("title", flat=True)) == ["另一进程"]


def test_the_celery_task_runs_the_service(org):
    from reporting.tasks import compile_periodic_reports

    with time_machine.travel(at(2026, 11, 25, 9), tick=False):
        compile_periodic_reports()
    assert periods("weekly") == [dt.date(2026, 11, 16)]
    assert periods("monthly") == [dt.date(2026, 10, 1)] and periods("quarterly") == [dt.date(2026, 7, 1)]


# --- on demand (issue 14) -------------------------------------------------------------------------


def test_the_office_generates_any_past_period_on_demand(week, client):
    client.force_login(week.duty)
    with time_machine.travel(at(2026, 11, 25), tick=False):
        page = client.get("/reports/periodic/new/").content.decode()
        assert 'type="date"' in page and "统计期间起始日期" in page
        # Any day of the month will do: the whole month containing it, as the beat job cuts it.
        response = client.post("/reports/periodic/new/", {"kind": "monthly", "start": "2026-10-15"})
    report = Report.objects.get(kind="monthly")
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert (report.period_start, report.period_end) == (at(2026, 10, 1, 0), at(2026, 11, 1, 0))
    assert report.title == "舆情月报（2026年10月）" and report.status == Report.Status.DRAFT
    assert report.created_by == week.duty and report.content["figures"]["total"] == 5
    assert AuditEvent.objects.filter(action="report_generated", actor_id=week.duty.pk).count() == 1


def test_regenerating_an_existing_period_on_demand_is_explicit(week, client):
    client.force_login(week.duty)
    with time_machine.travel(at(2026, 11, 25), tick=False):
        client.post("/reports/periodic/new/", {"kind": "weekly", "start": "2026-10-12"})
        again = client.post("/reports/periodic/new/", {"kind": "weekly", "start": "2026-10-14"})
        report = Report.objects.get(kind="weekly")
        assert again.status_code == 400 and "已存在" in again.content.decode() and report.versions.count() == 1
        explicit = client.post("/reports/periodic/new/", {"kind": "weekly", "start": "2026-10-14", "regenerate": "on"})
        assert explicit.status_code == 302 and report.versions.count() == 2
        # From the draft's own page too.
        assert client.post(f"/reports/{report.pk}/regenerate/").status_code == 302
        assert report.versions.count() == 3
    assert Report.objects.filter(kind="weekly").count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "monthly", "start": "2026-12-01"}, "不能晚于今天"),
        ({"kind": "monthly", "start": "2026-11-03"}, "尚未结束"),
        ({"kind": "quarterly", "start": "2026-10-01"}, "尚未结束"),
        ({"kind": "monthly", "start": "2026-13-01"}, "日期格式无效"),
        ({"kind": "monthly", "start": ""}, "请填写起始日期"),
        ({"kind": "daily", "start": "2026-10-01"}, "选择一个有效的选项"),
        ({"kind": "monthly", "start": "1900-01-01"}, "日期超出允许范围"),
    ],
)
def test_a_bad_period_is_a_chinese_form_error_and_nothing_is_created(org, client, data, message):
    client.force_login(org.duty)
    with time_machine.travel(at(2026, 11, 25), tick=False):
        response = client.post("/reports/periodic/new/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Report.objects.exists()


def test_a_period_ends_at_midnight_in_asia_shanghai(org, client):
    client.force_login(org.duty)
    with time_machine.travel(at(2026, 10, 31, 23, 59), tick=False):  # 15:59 UTC: October not over in Shanghai
        early = client.post("/reports/periodic/new/", {"kind": "monthly", "start": "2026-10-01"})
    assert early.status_code == 400 and "尚未结束" in early.content.decode()
    with time_machine.travel(at(2026, 11, 1, 0, 1), tick=False):
        assert client.post("/reports/periodic/new/", {"kind": "monthly", "start": "2026-10-01"}).status_code == 302


def test_on_demand_generation_is_the_offices(org, client):
    for user in (org.edu_liaison, org.leader):
        client.force_login(user)
        assert client.get("/reports/periodic/new/").status_code == 404
        assert client.post("/reports/periodic/new/", {"kind": "monthly", "start": "2026-10-01"}).status_code == 404
    assert not Report.objects.exists()
