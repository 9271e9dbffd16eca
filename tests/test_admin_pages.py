"""The admin's settings pages: deadline policies in words with an audited edit form, and the
working-day calendar with its years, holidays, make-up days, confirmation and sync."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import NotPermitted
from core.models import AuditEvent
from deadlines.configuration import services as settings_services
from deadlines.models import Deadline, DeadlinePolicy
from incidents import services
from incidents.models import TicketRole
from workcalendar.models import CalendarDay, CalendarYear, WorkSettings
from workcalendar.working_days import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)  # a Wednesday; 2027's arrangement is not yet in the calendar


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def claim_policy():
    return DeadlinePolicy.objects.get(name="认领时限（默认）")


def policy_post(policy, **overrides):
    data = {
        "name": policy.name,
        "grade": policy.grade,
        "case_type": policy.case_type,
        "scope": policy.scope,
        "start_event": policy.start_event,
        "duration_amount": "2",
        "duration_unit": "h",
        "reminder_leads": "30m",
        "escalate_amount": "2",
        "escalate_unit": "h",
        "channels": ["inbox", "sms"],
        "is_active": "on",
        "source": policy.source,
    }
    return data | overrides


SETTINGS_PAGES = ["/settings/policies/", "/settings/calendar/"]


@pytest.mark.parametrize("who", ["duty", "edu_liaison", "leader", "edu_leader"])
def test_only_admins_open_or_change_the_settings(client, org, clock, who):
    client.force_login(getattr(org, who))
    policy = claim_policy()
    for url in [*SETTINGS_PAGES, f"/settings/policies/{policy.pk}/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/settings/policies/{policy.pk}/", policy_post(policy, duration_amount="9")).status_code == 403
    assert client.post("/settings/calendar/confirm/", {"year": "2027"}).status_code == 403
    assert client.post("/settings/calendar/days/", {"date": "2027-01-01", "kind": "holiday"}).status_code == 403
    assert claim_policy().duration == "2h"
    assert (
        not CalendarYear.objects.filter(year=2027).exists()
        and not CalendarDay.objects.filter(date=date(2027, 1, 1)).exists()
    )
    assert "时限规则" not in client.get("/tickets/").content.decode()


def test_policies_read_in_words_grouped_by_kind(client, org, clock):
    client.force_login(org.admin)
    assert "时限规则" in client.get("/tickets/").content.decode()  # linked from the nav
    page = client.get("/settings/policies/").content.decode()
    for heading in ["认领时限", "报告领导时限", "核实调查报告时限", "延期申请期限"]:
        assert f">{heading}</h2>" in page
    assert "转办后 2 小时" in page
    assert "认领后 5 个工作日" in page and "认领后 15 个工作日" in page
    assert "转办后 3 个自然日" in page
    assert "到期前 1 个工作日、2 小时 各提醒一次" in page
    assert "逾期 1 个工作日 仍未办结，报告责任领导" in page
    assert "Ⅰ级 特别重大 · 所有事项 · 每个转办单" in page and "所有等级 · 历史遗留问题 · 主办单位转办单" in page
    assert "002 第八条：认领后5个工作日内形成核实调查报告" in page
    assert "站内消息、手机短信" in page and "未启用" in page


def test_admin_edits_a_policy_audited_and_the_next_dispatch_uses_it(client, org, make_incident, clock):
    policy = claim_policy()
    client.force_login(org.admin)
    form_page = client.get(f"/settings/policies/{policy.pk}/").content.decode()
    assert 'name="duration_amount"' in form_page and "转办后 2 小时" in form_page
    response = client.post(
        f"/settings/policies/{policy.pk}/", policy_post(policy, duration_amount="3", reminder_leads="1h, 30m")
    )
    assert response.status_code == 302
    assert "转办后 3 小时" in client.get(response.url).content.decode()
    policy.refresh_from_db()
    assert (policy.duration, policy.reminder_leads) == ("3h", "1h,30m")
    event = AuditEvent.objects.get(action="setting_change", object_type="deadlinepolicy")
    assert event.before == {"duration": "2h", "reminder_leads": "30m"} and event.after == {
        "duration": "3h",
        "reminder_leads": "1h,30m",
    }
    assert event.actor_id == org.admin.pk

    incident = make_incident(grade="IV")
    (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    claim = Deadline.objects.get(ticket=ticket, kind="claim")
    assert claim.due_at == NOW + timedelta(hours=3) and claim.rule["duration"] == "3h"


def test_invalid_policy_edit_explains_in_chinese_keeps_input_and_changes_nothing(client, org, clock):
    policy = claim_policy()
    client.force_login(org.admin)
    response = client.post(
        f"/settings/policies/{policy.pk}/",
        policy_post(policy, name="认领时限（新名称）", duration_amount="0", reminder_leads="1天", channels=[]),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "时限须大于 0。" in page and "至少选择一种通知渠道。" in page
    assert 'value="认领时限（新名称）"' in page  # what was typed is kept
    response = client.post(f"/settings/policies/{policy.pk}/", policy_post(policy, reminder_leads="1天"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "时限格式无效：“1天”" in page and 'value="1天"' in page
    assert '<div class="field has-error full"><label for="id_reminder_leads">' in page  # the error sits by its field
    policy.refresh_from_db()
    assert (policy.name, policy.duration, policy.reminder_leads) == ("认领时限（默认）", "2h", "30m")
    assert not AuditEvent.objects.filter(action="setting_change").exists()


def test_policy_service_refuses_non_admins_and_bad_values(org):
    policy = claim_policy()
    with pytest.raises(NotPermitted):
        settings_services.update_deadline_policy(org.duty, policy, duration="9h")
    with pytest.raises(settings_services.InvalidInput) as exc:
        settings_services.update_deadline_policy(org.admin, policy, duration="9x", escalate_after="abc")
    assert set(exc.value.field_errors) == {"duration", "escalate_after"}
    assert claim_policy().duration == "2h" and not AuditEvent.objects.filter(action="setting_change").exists()


def test_calendar_page_shows_years_holidays_and_make_up_days(client, org, clock):
    client.force_login(org.admin)
    page = client.get("/settings/calendar/?year=2026").content.decode()
    assert 'data-year="2026"' in page and 'data-year="2027"' in page
    assert "2026 年安排" in page and "已确认" in page
    arrangement = page.split('data-testid="arrangement"')[1].split("</table>")[0]
    assert "<td>春节</td><td>2月16日–2月23日" in arrangement and "<td>国庆节</td>" in arrangement
    assert "2月14日（周六）、2月28日（周六）" in arrangement  # the 调休 make-up Saturdays
    assert "Festival" not in page
    # November: next year is what the admin must look at, and it is flagged
    page = client.get("/settings/calendar/").content.decode()
    assert "2027 年安排" in page and 'data-testid="unconfirmed-warning"' in page and "确认 2027 年安排" in page


def test_a_year_cannot_be_confirmed_before_its_holidays_are_entered(client, org, clock):
    client.force_login(org.admin)
    page = client.post("/settings/calendar/confirm/", {"year": "2027"}, follow=True).content.decode()
    assert "2027 年尚未录入任何法定节假日，不能确认" in page
    assert not CalendarYear.objects.filter(year=2027, confirmed=True).exists()


def test_admin_enters_2027_days_confirms_and_working_days_follow(client, org, clock):
    client.force_login(org.admin)
    response = client.post("/settings/calendar/days/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 302 and response.url.endswith("?year=2027")
    # a weekend "holiday" is refused next to the field, with the typed name kept
    response = client.post("/settings/calendar/days/", {"date": "2027-01-02", "kind": "holiday", "name": "元旦补"})
    page = response.content.decode()
    assert response.status_code == 400 and "该日是周末。" in page and 'value="元旦补"' in page
    client.post("/settings/calendar/days/", {"date": "2027-01-09", "kind": "workday", "name": "元旦"})
    page = client.post("/settings/calendar/confirm/", {"year": "2027"}, follow=True).content.decode()
    assert "已确认 2027 年节假日安排" in page
    year = CalendarYear.objects.get(year=2027)
    assert year.confirmed and year.confirmed_at == NOW
    actions = list(AuditEvent.objects.filter(action="setting_change").values_list("object_type", flat=True))
    assert actions == ["calendarday", "calendarday", "calendaryear"]
    calendar = WorkCalendar.load()
    assert not calendar.is_working_day(date(2027, 1, 1)) and calendar.is_working_day(date(2027, 1, 9))
    # Thursday 2026-12-31 + 1 working day skips the new holiday on Friday
    assert calendar.add(datetime(2026, 12, 31, 10, tzinfo=SH), "1wd").at.date() == date(2027, 1, 4)


def test_removing_a_day_and_syncing_it_back_from_the_package(client, org, clock):
    client.force_login(org.admin)
    day = CalendarDay.objects.get(date=date(2026, 10, 1))
    client.post(f"/settings/calendar/days/{day.pk}/delete/")
    assert not CalendarDay.objects.filter(date=date(2026, 10, 1)).exists()
    page = client.post("/settings/calendar/sync/", {"year": "2026"}, follow=True).content.decode()
    assert "新增 1 个日期" in page
    assert CalendarDay.objects.filter(date=date(2026, 10, 1), kind="holiday").exists()
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "setting_delete",
        "setting_change",
    ]


def test_admin_sets_office_hours_and_working_hour_limits_follow(client, org, clock):
    client.force_login(org.admin)
    hours = {"morning_start": "09:00", "morning_end": "12:00", "afternoon_start": "11:30", "afternoon_end": "17:00"}
    response = client.post("/settings/calendar/hours/", hours)
    page = response.content.decode()
    assert response.status_code == 400 and "下午上班不能早于上午下班。" in page and 'value="11:30"' in page
    assert WorkSettings.current().morning_start == time(8, 30)
    response = client.post("/settings/calendar/hours/", hours | {"afternoon_start": "13:30"})
    assert response.status_code == 302
    settings_row = WorkSettings.current()
    assert (settings_row.morning_start, settings_row.afternoon_start) == (time(9, 0), time(13, 30))
    event = AuditEvent.objects.get(object_type="worksettings")
    assert event.before == {"morning_start": "08:30", "afternoon_start": "14:30", "afternoon_end": "17:30"}
    assert event.after == {"morning_start": "09:00", "afternoon_start": "13:30", "afternoon_end": "17:00"}
    # Wednesday 10:00 + 4 working hours: 10–12, then 13:30–15:30
    assert WorkCalendar.load().add(NOW, "4wh").at == NOW.replace(hour=15, minute=30)


def test_units_people_and_grade_thresholds_stay_in_the_django_admin_in_chinese(client, org, clock):
    client.force_login(org.admin)
    index = client.get("/admin/").content.decode()
    for label in ("舆情处置", "单位", "等级设置", "时限与督办"):
        assert label in index
    assert "人员角色" not in index  # people and roles are the security administrator's (三员分立)
    for url in ("/admin/org/unit/", "/admin/incidents/gradesetting/"):
        page = client.get(url).content.decode()
        assert "选择" in page and "Select" not in page, url
