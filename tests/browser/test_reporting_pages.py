"""The reporting pages of issues 14 and 18 in a real browser, on a desk (1366 px) and on a phone (390 px): a 督报 and
a 网络风险提示函 drafted, previewed, issued and recalled; a 月报 generated on demand for last month; the ledger's
date fields showing their values; 县委网信办's duty officer filing the office's own daily submission. Every page
fits its window and labels its controls; screenshots land in var/screenshots/."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services as incident_services
from incidents.models import TicketRole
from notifications.models import Notification
from org.models import Role, Unit
from reporting.models import DailySubmission, Report, ReportSettings, RiskTopic
from reporting.period_forms import day_start
from tests.factories import UnitFactory, person

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def lead(org):
    incident = incident_services.report_incident(org.duty, title="网传某校食堂饭菜变质，多名学生腹痛")
    incident_services.grade_incident(org.duty, incident, grade="III", reason="涉及学生健康")
    [lead] = incident_services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    return lead


@pytest.fixture
def topic(org):
    incident_services.report_incident(org.duty, title="某校食堂饭菜变质")
    incident_services.report_incident(org.duty, title="校车超载，家长担忧")
    return RiskTopic.objects.create(
        name="校园安全", keywords="食堂，校车", unit=org.edu, threshold=2, measures="加强食品安全和校车检查。"
    )


def issue_and_recall(session, name, reason):
    """On a draft's page: preview, 签发, then 撤回 with a reason; screenshots of each state."""
    page = session.page
    expect(page.get_by_test_id("draft-label")).to_contain_text("草稿预览")
    expect(page.get_by_test_id("report-status")).to_have_text("草稿")
    expect(page.get_by_test_id("letterhead")).to_contain_text("（签发时编号）")
    session.fits()
    session.shot(f"{name}-draft")
    page.locator("form[data-action=issue]").get_by_role("button", name="签发").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已签发")
    expect(page.get_by_test_id("letterhead")).to_contain_text("〔")
    recall = page.locator("form[data-action=recall]")
    expect(recall).to_contain_text("前撤回")
    session.fits()
    session.shot(f"{name}-issued")
    recall.get_by_role("button", name="撤回").click()  # no reason: refused in Chinese next to the field
    expect(page.locator("form[data-action=recall]")).to_contain_text("请填写撤回原因")
    expect(page.get_by_test_id("report-status")).to_have_text("已签发")
    page.get_by_label("撤回原因").fill(reason)
    page.locator("form[data-action=recall]").get_by_role("button", name="撤回").click()
    expect(page.get_by_test_id("recalled-banner")).to_contain_text(reason)
    expect(page.get_by_test_id("report-status")).to_have_text("已撤回")
    session.fits()
    session.shot(f"{name}-recalled")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_supervision_notice_draft_preview_issue_recall(open_session, org, lead, viewport):
    duty = open_session("duty", VIEWPORTS[viewport])
    duty.go(f"/reports/supervision/new/{lead.pk}/")
    due = timezone.localtime() + datetime.timedelta(days=2)
    duty.page.get_by_label("督办原因").fill("逾期未反馈核实情况。")
    duty.page.get_by_label("办理时限").fill(due.strftime("%Y-%m-%dT%H:%M"))
    duty.fits()
    duty.shot(f"supervision-form-{viewport}")
    duty.page.get_by_role("button", name="生成草稿（预览后签发）").click()
    expect(duty.page.get_by_test_id("report-content")).to_contain_text("逾期未反馈核实情况")
    issue_and_recall(duty, f"supervision-{viewport}", "督办事项有误，另行发文。")
    report = Report.objects.get(kind="supervision")
    assert report.status == Report.Status.RECALLED and report.doc_number.endswith("1号")
    told = Notification.objects.filter(title__contains="【撤回】", link=f"/reports/{report.pk}/")
    assert set(told.values_list("recipient__username", flat=True)) == {"edu_l", "edu_l2", "edu_leader"}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_risk_notice_draft_preview_issue_recall(open_session, org, topic, viewport):
    duty = open_session("duty", VIEWPORTS[viewport])
    duty.go("/reports/risks/")
    row = duty.page.get_by_test_id("risk-topics").locator("tr", has_text="校园安全")
    row.get_by_text("编制提示函").click()
    row.get_by_label("工作要求（可选）").fill("请于三日内完成排查。")
    duty.fits()
    duty.shot(f"risk-topics-{viewport}")
    row.get_by_role("button", name="生成草稿（预览后签发）").click()
    expect(duty.page.get_by_test_id("report-content")).to_contain_text("请于三日内完成排查")
    issue_and_recall(duty, f"risk-notice-{viewport}", "风险点判断有误。")
    assert Report.objects.get(kind="risk_notice").status == Report.Status.RECALLED


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_recall_after_the_window_is_refused(open_session, org, topic, viewport):
    duty = open_session("duty", VIEWPORTS[viewport])
    duty.go("/reports/risks/")
    row = duty.page.get_by_test_id("risk-topics").locator("tr", has_text="校园安全")
    row.get_by_text("编制提示函").click()
    row.get_by_role("button", name="生成草稿（预览后签发）").click()
    duty.page.locator("form[data-action=issue]").get_by_role("button", name="签发").click()
    expect(duty.page.get_by_test_id("report-status")).to_have_text("已签发")
    # The clock of the live server cannot be moved: the issue is moved back past the window instead.
    minutes = ReportSettings.current().recall_minutes
    Report.objects.update(issued_at=timezone.now() - datetime.timedelta(minutes=minutes + 1))
    duty.page.reload()
    expect(duty.page.get_by_test_id("recall-closed")).to_contain_text("已过，不能撤回")
    expect(duty.page.locator("form[data-action=recall]")).to_have_count(0)
    duty.fits()
    duty.shot(f"risk-notice-window-closed-{viewport}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_monthly_report_on_demand(open_session, org, viewport):
    duty = open_session("duty", VIEWPORTS[viewport])
    duty.go("/reports/")
    duty.page.get_by_role("link", name="按期间生成周报、月报").click()
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    duty.page.get_by_label("报告类型").select_option("monthly")
    duty.page.get_by_label("统计期间起始日期").fill(last_month.isoformat())
    duty.fits()
    duty.shot(f"periodic-form-{viewport}")
    duty.page.get_by_role("button", name="生成").click()
    expect(duty.page.get_by_test_id("report-status")).to_have_text("草稿")
    expect(duty.page.locator("h1")).to_contain_text(f"舆情月报（{last_month.year}年{last_month.month}月）")
    duty.fits()
    duty.shot(f"periodic-monthly-{viewport}")
    report = Report.objects.get(kind="monthly")
    assert report.period_start == day_start(last_month)

    # The same month again: refused unless regeneration is asked for; a future day is a Chinese form error.
    duty.go("/reports/periodic/new/")
    duty.page.get_by_label("报告类型").select_option("monthly")
    duty.page.get_by_label("统计期间起始日期").fill(last_month.isoformat())
    duty.page.get_by_role("button", name="生成").click()
    expect(duty.page.locator("form[data-action=periodic-generate]")).to_contain_text("已存在")
    duty.page.get_by_label("统计期间起始日期").fill((timezone.localdate() + datetime.timedelta(days=40)).isoformat())
    duty.page.get_by_role("button", name="生成").click()
    expect(duty.page.locator("form[data-action=periodic-generate]")).to_contain_text("不能晚于今天")
    duty.fits()
    duty.shot(f"periodic-refused-{viewport}")
    assert report.versions.count() == 1


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_ledger_date_fields_show_their_values(open_session, org, viewport):
    duty = open_session("duty", VIEWPORTS[viewport])
    duty.go("/reports/ledger/")
    today = timezone.localdate()
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    start = duty.page.get_by_label("起始日期")
    # The browser's own value: empty if the server had rendered 2026/10/01.
    expect(start).to_have_value(quarter_start.isoformat())
    expect(duty.page.get_by_label("截止日期（含）")).not_to_have_value("")
    assert start.get_attribute("type") == "date"
    duty.fits()
    duty.shot(f"ledger-dates-{viewport}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_office_files_its_own_daily_submission(open_session, org, viewport):
    cac = UnitFactory(code="cac", name="县委网信办", kind=Unit.Kind.OFFICE, parent=org.county, is_office=True)
    ReportSettings.current().collecting_units.set([cac, org.edu])
    person("cac_duty", cac, Role.DUTY_OFFICER)
    officer = open_session("cac_duty", VIEWPORTS[viewport])
    officer.go("/reports/")
    officer.page.get_by_role("link", name="本单位每日报送").click()
    expect(officer.page.locator("h1")).to_contain_text("每日报送")
    officer.page.get_by_label("报送内容").fill("网传某小区停水 https://weibo.com/9")
    officer.fits()
    officer.shot(f"office-daily-submission-{viewport}")
    officer.page.get_by_role("button", name="报送").click()
    expect(officer.page.locator("body")).to_contain_text("县委网信办今日报送已保存")
    expect(officer.page.get_by_test_id("existing-submission")).to_contain_text("网传某小区停水")
    officer.fits()
    officer.shot(f"office-daily-submission-saved-{viewport}")
    assert DailySubmission.objects.get().unit == cac

    # Someone with no collecting unit: a Chinese page, not Django's debug page.
    leader = open_session("leader", VIEWPORTS[viewport])
    response = leader.go("/reports/submissions/submit/")
    assert response.status == 404
    expect(leader.page.get_by_test_id("submission-none")).to_contain_text("没有需要您填报的每日报送")
    leader.fits()
    leader.shot(f"no-daily-submission-{viewport}")
