"""Each role's main path in a real browser (Debian's chromium), logging in through the login form,
with a screenshot of every main page and no horizontal overflow at 1366×768 or on a phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deadlines.models import Deadline, DeadlinePolicy, ExtensionRequest
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import Feedback, Incident, TicketRole

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_duty_officer_intake_grade_and_dispatch(open_session, org, live_server):
    duty = open_session("duty")
    duty.go("/desk/")
    expect(duty.page.get_by_role("heading", name="研判台")).to_be_visible()
    assert "duty" in duty.text() and "县委办" in duty.text()  # who and which unit, on every page
    duty.fits()
    duty.shot("desk")

    duty.page.get_by_role("link", name="＋ 报送舆情").click()
    page = duty.page
    page.get_by_label("标题").fill("网传城关二小食堂饭菜变质")
    page.get_by_label("原帖链接").fill("https://bbs.example.cn/t/101")
    page.get_by_label("浏览量").fill("1500")
    page.get_by_label("评论量").fill("20")
    suggestion = page.get_by_test_id("grade-suggestion")
    expect(suggestion).to_have_attribute("data-grade", "II")
    expect(suggestion).to_contain_text("浏览量 1500 ≥ 1000")
    duty.fits()
    duty.shot("intake-form")
    page.get_by_role("button", name="报送").click()
    expect(page.get_by_text("已报送舆情")).to_be_visible()
    incident = Incident.objects.get(title="网传城关二小食堂饭菜变质")

    # grade: the suggestion is shown and preselected; the officer confirms it with a reason
    page.locator("[data-opens=grade]").click()  # the action's form opens in a dialog (issue 14)
    expect(page.get_by_test_id("grade-suggestion")).to_contain_text("建议等级：重大")
    expect(page.get_by_label("等级")).to_have_value("II")
    page.get_by_label("研判理由").fill("浏览量超过千次，涉及学生食品安全")
    page.locator("form[data-action=grade]").get_by_role("button", name="研判定级").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("已研判")

    # dispatch: choose the units and see the resulting deadlines before confirming
    page.locator("[data-opens=dispatch]").click()
    page.get_by_label("主办单位").select_option(label="教育局")
    page.get_by_role("checkbox", name="卫健委").and_(page.locator("[name=dispatch-assists]")).check()
    preview = page.get_by_test_id("dispatch-preview")
    expect(preview).to_contain_text("教育局")
    expect(preview).to_contain_text("卫健委")
    expect(preview).to_contain_text("认领时限")
    expect(preview).to_contain_text("（2 小时）")
    duty.fits()
    duty.shot("incident-dispatch-preview")
    page.locator("form[data-action=dispatch]").get_by_role("button", name="转办", exact=True).click()
    expect(page.get_by_test_id("incident-status")).to_have_text("已转办")
    expect(page.get_by_test_id("tickets")).to_contain_text("教育局")
    duty.fits()
    duty.shot("incident")
    lead = incident.tickets.get(role=TicketRole.LEAD)
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert lead.unit == org.edu and claim.due_at == lead.dispatched_at + timedelta(hours=2)
    assert incident.tickets.filter(unit=org.health, role=TicketRole.ASSIST).exists()


def test_liaison_claims_on_a_phone_then_reports_back_and_asks_for_more_time(open_session, org, make_incident):
    incident = make_incident(title="网传某校收取补课费", grade="IV")
    (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    run_timed_checks(timezone.now() + timedelta(minutes=95))  # the claim reminder reaches the unit's inbox
    liaison = open_session("edu_l", PHONE)
    page = liaison.page
    expect(page.get_by_role("heading", name="转办单")).to_be_visible()
    expect(page.get_by_text("网传某校收取补课费")).to_be_visible()
    liaison.fits()
    liaison.shot("ticket-list-phone")
    liaison.go("/inbox/")
    expect(page.get_by_test_id("inbox")).to_contain_text("网传某校收取补课费")
    liaison.fits()
    liaison.shot("inbox-phone")

    page.get_by_test_id("inbox").get_by_role("link").first.click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("待认领")
    liaison.fits()
    liaison.shot("ticket-phone")
    page.get_by_role("button", name="认领").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已认领")
    expect(page.get_by_test_id("deadlines")).to_contain_text("核实调查报告时限")
    liaison.fits()

    page.locator("[data-opens=feedback]").click()
    feedback = page.locator("form[data-action=feedback]")
    feedback.get_by_label("类型").select_option(label="进展情况")
    feedback.get_by_label("内容").fill("已约谈学校负责人，正在核查收费情况")
    feedback.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_text("已约谈学校负责人")).to_be_visible()

    report = Deadline.objects.get(ticket=ticket, kind="report", state="pending")
    wanted = timezone.localtime(report.due_at + timedelta(days=7)).replace(second=0, microsecond=0)
    page.locator("[data-opens=extension]").click()
    extension = page.locator("form[data-action=extension]")
    extension.get_by_label("申请延至").fill(wanted.strftime("%Y-%m-%dT%H:%M"))
    extension.get_by_label("延期理由（书面申请）").fill("   ")  # blank to the server: refused, date kept
    extension.get_by_role("button", name="申请延期").click()
    expect(page.locator("form[data-action=extension]")).to_contain_text("请填写延期理由。")
    expect(page.locator("form[data-action=extension]").get_by_label("申请延至")).to_have_value(
        wanted.strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("form[data-action=extension]").get_by_label("延期理由（书面申请）").fill("需会同市场监管局联合调查")
    page.locator("form[data-action=extension]").get_by_role("button", name="申请延期").click()
    expect(page.get_by_test_id("pending-extension")).to_contain_text("需会同市场监管局联合调查")
    liaison.fits()
    liaison.shot("ticket-phone-extension-pending")
    request = ExtensionRequest.objects.get(ticket=ticket)
    assert request.state == "pending" and request.requested_due_at == wanted and request.requested_by == org.edu_liaison
    assert ticket.feedback.get().kind == Feedback.Kind.PROGRESS


def test_leader_sees_the_cockpit_and_approves_a_close_out(open_session, org, make_incident):
    incident = make_incident(title="重大舆情：某路段积水", grade="II")
    (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    services.claim_ticket(org.edu_liaison, ticket)
    services.submit_feedback(org.edu_liaison, ticket, kind=Feedback.Kind.REPORT, content="已排水并设置警示")
    leader = open_session("leader")
    page = leader.page
    leader.go("/dashboard/")
    expect(page.get_by_role("heading", name="领导驾驶舱")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()  # the ECharts trend rendered from the local copy
    leader.fits()
    leader.shot("dashboard")

    page.get_by_role("link", name="待审签").click()
    item = page.get_by_test_id("signoff-item").filter(has_text="重大舆情：某路段积水")
    expect(item).to_be_visible()
    leader.fits()
    leader.shot("signoff")
    item.get_by_label("同意销号").check()
    item.get_by_label("批示/意见").fill("同意销号，注意后续舆情")
    item.get_by_role("button", name="提交审签").click()
    expect(page.get_by_text("已审核销号：重大舆情：某路段积水")).to_be_visible()
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_by == org.leader


def test_admin_edits_a_deadline_policy_and_the_next_dispatch_uses_it(open_session, org, make_incident):
    admin = open_session("admin")
    page = admin.page
    expect(page.get_by_role("heading", name="时限规则")).to_be_visible()  # the admin lands on the settings
    expect(page.locator("#policy-{}".format(DeadlinePolicy.objects.get(name="认领时限（默认）").pk))).to_contain_text(
        "转办后 2 小时"
    )
    admin.fits()
    admin.shot("policies")
    page.get_by_role("link", name="修改“认领时限（默认）”").click()
    page.get_by_label("时限长度").fill("")
    page.get_by_label("名称").fill("认领时限（默认，已调整）")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".field.has-error", has=page.get_by_label("时限长度"))).to_contain_text("请填写时限长度。")
    expect(page.get_by_label("名称")).to_have_value("认领时限（默认，已调整）")  # typed input kept
    admin.fits()
    admin.shot("policy-form-error")
    page.get_by_label("时限长度").fill("3")
    page.get_by_label("时限单位：", exact=True).select_option(label="小时")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存")).to_be_visible()
    expect(page.get_by_text("转办后 3 小时")).to_be_visible()

    admin.go("/settings/calendar/")
    expect(page.get_by_test_id("calendar-years")).to_contain_text("2026 年")
    admin.fits()
    admin.shot("calendar")
    admin.go("/settings/calendar/?year=2026")
    expect(page.get_by_test_id("arrangement")).to_contain_text("春节")
    admin.fits()

    incident = make_incident(title="调整时限后的新舆情", grade="IV")
    duty = open_session("duty")
    duty.go(f"/incidents/{incident.pk}/")
    duty.page.locator("[data-opens=dispatch]").click()
    duty.page.get_by_label("主办单位").select_option(label="教育局")
    expect(duty.page.get_by_test_id("dispatch-preview")).to_contain_text("（3 小时）")
    duty.page.locator("form[data-action=dispatch]").get_by_role("button", name="转办", exact=True).click()
    expect(duty.page.get_by_test_id("incident-status")).to_have_text("已转办")
    ticket = incident.tickets.get()
    claim = Deadline.objects.get(ticket=ticket, kind="claim")
    assert claim.due_at == ticket.dispatched_at + timedelta(hours=3)
    assert claim.rule["policy"] == "认领时限（默认，已调整）"


def test_login_page_and_a_wrong_password(chromium, live_server, org):
    from .conftest import DESKTOP, Session

    session = Session(chromium, live_server.url, DESKTOP)
    try:
        session.go("/tickets/?overdue=1")
        assert "/accounts/login/" in session.page.url
        session.fits()
        session.shot("login")
        session.page.get_by_label("用户名").fill("edu_l")
        session.page.get_by_label("密码").fill("wrong")
        session.page.get_by_role("button", name="登录").click()
        expect(session.page.locator("form")).to_contain_text(re.compile("用户名.*密码"))
        expect(session.page.get_by_label("用户名")).to_have_value("edu_l")
        session.page.get_by_label("密码").fill("pw-123456")
        session.page.get_by_role("button", name="登录").click()
        expect(session.page).to_have_url(re.compile(r"/tickets/\?overdue=1$"))  # the bookmark survives the login
    finally:
        session.close()
