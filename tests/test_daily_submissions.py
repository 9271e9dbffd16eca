"""Units' daily submissions (docs/rules.md L1/L2): a collecting unit's liaison submits "标题+链接地址" lines or "无"; after
the configured time it is late; one per unit per day (a resubmission updates it, audited); the office sees
who has, has not and late submitted."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from incidents import services as incident_services
from org.models import Role, Unit
from reporting import services
from reporting.models import DailySubmission, ReportSettings
from reporting.submissions import parse_items, submission_status
from tests.factories import UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")


def at(hh, mm=0, day=24):
    return datetime(2026, 11, day, hh, mm, tzinfo=SH)


@pytest.fixture
def collecting(org):
    ReportSettings.current().collecting_units.set([org.edu, org.health, org.police])
    return org


def submit(user, unit, content, when, **kwargs):
    with time_machine.travel(when, tick=False):
        return services.submit_daily_items(user, unit=unit, content=content, **kwargs)


def test_on_time_late_and_missing(collecting):
    org = collecting
    on_time = submit(
        org.edu_liaison, org.edu, "某校食堂问题 https://weibo.com/1\n校车超载https://douyin.com/2", at(16, 59)
    )
    late = submit(org.health_liaison, org.health, "无", at(17, 1))
    assert (on_time.is_late, late.is_late) == (False, True)
    assert on_time.date.isoformat() == "2026-11-24" and on_time.submitted_by == org.edu_liaison
    states = {row.unit.name: row.state_label for row in submission_status(at(12).date())}
    assert states == {"教育局": "按时报送", "卫健委": "逾期报送", "公安局": "未报送"}


def test_the_configured_time_decides_lateness(collecting):
    settings = ReportSettings.current()
    settings.submission_time = time(16, 0)
    settings.save()
    assert submit(collecting.edu_liaison, collecting.edu, "无", at(16, 30)).is_late


def test_resubmitting_the_same_day_updates_the_one_record_and_is_audited(collecting):
    org = collecting
    incident = incident_services.report_incident(org.edu_liaison, title="某校食堂问题")  # the unit's own item
    first = submit(org.edu_liaison, org.edu, "无", at(10))
    again = submit(org.edu_liaison, org.edu, "某校食堂问题 https://weibo.com/1", at(18), incidents=[incident])
    assert again.pk == first.pk and DailySubmission.objects.count() == 1
    again.refresh_from_db()
    assert again.content == "某校食堂问题 https://weibo.com/1" and list(again.incidents.all()) == [incident]
    assert not again.is_late and again.submitted_at == at(10)  # when the unit first reported counts
    actions = list(AuditEvent.objects.filter(object_type="dailysubmission").values_list("action", flat=True))
    assert actions == ["daily_submission", "daily_submission_updated"]
    # The next day is a new record.
    assert submit(org.edu_liaison, org.edu, "无", at(9, day=25)).pk != first.pk


def test_bad_input_is_refused_and_changes_nothing(collecting, make_incident):
    org = collecting
    with pytest.raises(InvalidInput, match="第2行格式不对"):
        submit(org.edu_liaison, org.edu, "标题 https://weibo.com/1\n只有标题没有链接", at(10))
    with pytest.raises(InvalidInput, match="请填写报送内容"):
        submit(org.edu_liaison, org.edu, "   \n ", at(10))
    with pytest.raises(NotPermitted):  # not this unit's liaison
        submit(org.health_liaison, org.edu, "无", at(10))
    with pytest.raises(NotPermitted):  # 城关镇 is not a collecting unit
        submit(org.edu_liaison, org.town, "无", at(10))
    hidden = make_incident("别的单位的事项", subject_unit=org.police)
    with pytest.raises(InvalidInput, match="无权查看"):
        submit(org.edu_liaison, org.edu, "无", at(10), incidents=[hidden])
    assert not DailySubmission.objects.exists()
    assert not AuditEvent.objects.filter(object_type="dailysubmission").exists()


def test_parse_items_reads_title_and_link_lines():
    assert parse_items("无") == []
    assert parse_items("网传某事 http://a.cn/x \n\n另一条https://b.cn") == [
        ("网传某事", "http://a.cn/x"),
        ("另一条", "https://b.cn"),
    ]
    with pytest.raises(InvalidInput):
        parse_items("https://only.link")


def test_liaison_submits_through_the_page_and_office_sees_the_status(collecting, client):
    org = collecting
    with time_machine.travel(at(15), tick=False):
        client.force_login(org.edu_liaison)
        assert "本单位每日报送" in client.get("/reports/").content.decode()
        bad = client.post("/reports/submissions/submit/", {"unit": org.edu.pk, "content": "没有链接"})
        assert bad.status_code == 400 and "格式不对" in bad.content.decode()
        ok = client.post("/reports/submissions/submit/", {"unit": org.edu.pk, "content": "某事 https://weibo.com/1"})
        assert ok.status_code == 302
        assert client.get("/reports/submissions/").status_code == 404  # the status page is the office's
        client.force_login(org.duty)
        page = client.get("/reports/submissions/").content.decode()
        assert 'data-state="on_time"' in page and page.count('data-state="missing"') == 2
        client.force_login(org.leader)
        assert client.get("/reports/submissions/submit/").status_code == 404  # not a collecting unit's liaison


# --- the collecting unit whose people are duty officers (issue 14) ----------------------------------


@pytest.fixture
def cyberspace_office(org):
    """县委网信办 collects every day (`000` 二.1) and its people are duty officers, not liaisons."""
    cac = UnitFactory(code="cac", name="县委网信办", kind=Unit.Kind.OFFICE, parent=org.county, is_office=True)
    ReportSettings.current().collecting_units.set([cac, org.edu])
    return cac, person("cac_duty", cac, Role.DUTY_OFFICER)


def test_a_duty_officer_files_for_the_offices_own_collecting_unit(org, cyberspace_office):
    cac, officer = cyberspace_office
    assert services.collecting_units_for(officer) == [cac]
    submission = submit(officer, cac, "网传某小区停水 https://weibo.com/9", at(16, 30))
    assert (submission.unit, submission.submitted_by, submission.is_late) == (cac, officer, False)
    assert AuditEvent.objects.filter(action="daily_submission", actor_id=officer.pk).count() == 1
    with pytest.raises(NotPermitted, match="联络员或值班员"):  # not for another unit, office or not
        submit(officer, org.edu, "无", at(16, 40))
    with pytest.raises(NotPermitted):  # 县委办's duty officer: its unit is not a collecting unit
        submit(org.duty, cac, "无", at(16, 40))
    assert services.collecting_units_for(org.duty) == []
    assert DailySubmission.objects.count() == 1


def test_the_office_files_through_the_page(org, cyberspace_office, client):
    cac, officer = cyberspace_office
    client.force_login(officer)
    with time_machine.travel(at(15), tick=False):
        assert "本单位每日报送" in client.get("/reports/").content.decode()
        page = client.get("/reports/submissions/submit/")
        assert page.status_code == 200 and "县委网信办" in page.content.decode()
        ok = client.post("/reports/submissions/submit/", {"unit": cac.pk, "content": "无"})
        assert ok.status_code == 302
        assert "县委网信办今日报送已保存" in client.get(ok["Location"]).content.decode()
        # The office's status page shows its own unit as on time.
        status = client.get("/reports/submissions/").content.decode()
        assert status.count('data-state="on_time"') == 1 and status.count('data-state="missing"') == 1
    assert DailySubmission.objects.get().unit == cac


@pytest.mark.parametrize("debug", [True, False])
def test_anyone_without_a_collecting_unit_gets_a_chinese_page_never_the_debug_page(org, client, settings, debug):
    settings.DEBUG = debug
    ReportSettings.current().collecting_units.set([org.edu])
    for user in (org.duty, org.leader, org.health_liaison):
        client.force_login(user)
        response = client.get("/reports/submissions/submit/")
        body = response.content.decode()
        assert response.status_code == 404 and "没有需要您填报的每日报送" in body, user
        assert "DEBUG = True" not in body and "Page not found" not in body and "Traceback" not in body
