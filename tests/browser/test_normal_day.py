"""A normal day in the demo county, walked in a real browser by the people who own each step: intake, 研判,
报告领导, 转办, 认领, 反馈, 核实调查报告, 回应稿 approved by the unit's leader, 审核销号. Every deadline the day
creates has an action that meets it, reachable by the person it belongs to, so however long the timed checks
then run, nobody receives a 督办 (issue 10: "a normal day produces no 督办 that nobody could avoid")."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deadlines.models import Deadline, DeadlineStep
from deadlines.sweep import run_timed_checks
from demo import incidents as demo
from incidents.models import Incident, TicketRole
from notifications.models import Notification

from .conftest import PASSWORD, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "网传县一中晚自习延长至23点，家长质疑加重学生负担"


@pytest.fixture
def demo_county(db):
    """The demo county's units and logins (without its scenario incidents), with the browser tests' password."""
    units = demo.ensure_units()
    users = demo.ensure_users(units)
    for user in users.values():
        user.set_password(PASSWORD)
        user.save()
    return units


def supervision_notices():
    return Notification.objects.filter(title__contains="督办") | Notification.objects.filter(title__contains="逾期升级")


def test_a_normal_day_from_intake_to_close_ends_with_no_supervision_notice(open_session, demo_county):
    # 值班员: intake, grade, report to the leaders, dispatch (002 第八条; 000 三.2)
    duty = open_session("duty")
    page = duty.page
    duty.go("/incidents/new/")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("原帖链接").fill("https://bbs.example.cn/t/2026")
    page.get_by_label("浏览量").fill("1800")
    page.get_by_label("评论量").fill("150")
    page.get_by_role("button", name="报送").click()
    expect(page.get_by_text("已报送舆情")).to_be_visible()
    incident = Incident.objects.get(title=TITLE)

    page.locator("[data-opens=grade]").click()  # each action's form opens in a dialog (issue 14)
    grade = page.locator("form[data-action=grade]")
    grade.get_by_label("等级").select_option("III")
    grade.get_by_label("研判理由").fill("浏览量、评论量达到较大舆情建议值，涉及学生")
    grade.get_by_role("button", name="研判定级").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("已研判")
    assert Deadline.objects.filter(incident=incident, kind="leader_report", state="pending").exists()

    page.locator("[data-opens=leader_report]").click()
    report = page.locator("form[data-action=leader_report]")
    report.get_by_label("报告方式").select_option("phone")
    report.get_by_label("报告对象").fill("陈书记")
    report.get_by_label("内容摘要").fill("电话报告舆情概况及处置建议")
    report.get_by_role("button", name="登记报告领导").click()
    expect(page.get_by_test_id("leader-reports")).to_contain_text("陈书记")

    page.locator("[data-opens=dispatch]").click()
    page.get_by_label("主办单位").select_option(label="县教育局")
    page.locator("form[data-action=dispatch]").get_by_label("县卫生健康委").check()
    page.locator("form[data-action=dispatch]").get_by_role("button", name="转办", exact=True).click()
    expect(page.get_by_test_id("incident-status")).to_have_text("已转办")
    duty.fits()
    duty.shot("normal-day-dispatched")
    lead = incident.tickets.get(role=TicketRole.LEAD)
    assist = incident.tickets.get(role=TicketRole.ASSIST)

    # 联络员 (教育局) on a phone: the dispatch notice is in the inbox; claim
    edu = open_session("edu", PHONE)
    edu.go("/inbox/")
    expect(edu.page.get_by_test_id("inbox")).to_contain_text(TITLE[:20])
    edu.go(f"/tickets/{lead.pk}/")
    edu.page.get_by_role("button", name="认领").click()
    expect(edu.page.get_by_test_id("ticket-status")).to_have_text("已认领")

    # 联络员 (卫健委): claim and report back as the assisting unit
    health = open_session("health")
    health.go(f"/tickets/{assist.pk}/")
    health.page.get_by_role("button", name="认领").click()
    expect(health.page.get_by_test_id("ticket-status")).to_have_text("已认领")
    health.page.locator("[data-opens=feedback]").click()
    feedback = health.page.locator("form[data-action=feedback]")
    feedback.get_by_label("类型").select_option(label="办理反馈")
    feedback.get_by_label("内容").fill("已配合核查学生体检与作息情况，未发现异常")
    feedback.get_by_role("button", name="提交反馈").click()
    expect(health.page.get_by_text("已配合核查学生体检")).to_be_visible()

    # 教育局: the 核实调查报告 (002 第八条), then a reply draft for the leader's approval (002 第九条)
    edu.page.locator("[data-opens=feedback]").click()
    feedback = edu.page.locator("form[data-action=feedback]")
    feedback.get_by_label("类型").select_option(label="核实调查报告")
    feedback.get_by_label("内容").fill("经核实，县一中晚自习为学生自愿参加，学校已调整至21:30结束")
    feedback.get_by_role("button", name="提交反馈").click()
    expect(edu.page.get_by_text("学校已调整至21:30结束")).to_be_visible()
    edu.page.locator("[data-opens=reply-draft]").click()
    draft = edu.page.locator("form[data-action=reply-draft]")
    draft.get_by_label("回应类型").select_option(label="处置结果")
    draft.get_by_label("发布渠道").fill("县教育局政务微博")
    draft.get_by_label("回应内容").fill("县一中晚自习已调整至21:30结束，感谢网友监督。")
    draft.get_by_role("button", name="拟写回应稿").click()
    expect(edu.page.get_by_test_id("reply-draft").first).to_have_attribute("data-state", "pending")
    edu.fits()
    edu.shot("normal-day-ticket-phone")

    # 单位领导 (教育局): approve the reply on the sign-off page, which publishes it
    leader = open_session("edu_leader")
    leader.go("/signoff/")
    item = leader.page.get_by_test_id("reply-draft-item").filter(has_text="县一中晚自习已调整")
    item.get_by_label("同意发布").check()
    item.get_by_role("button", name="提交审定").click()
    expect(leader.page.get_by_test_id("reply-draft-item")).to_have_count(0)
    assert incident.replies.exists()

    # 值班员: 审核销号 of a 较大 incident is the office's (000 四.3)
    duty.go(f"/incidents/{incident.pk}/")
    page.locator("[data-opens=close]").click()
    close = page.locator("form[data-action=close]")
    close.get_by_role("button", name="审核销号").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("已销号")
    duty.shot("normal-day-closed")

    # However long the timed checks now run, nothing the day created is overdue.
    run_timed_checks(timezone.now() + timedelta(days=60))
    deadlines = Deadline.objects.filter(incident=incident)
    assert deadlines.exists()
    assert not deadlines.filter(state__in=("pending", "breached")).exists(), list(deadlines.values("kind", "state"))
    assert not DeadlineStep.objects.filter(deadline__incident=incident, state="pending").exists()
    assert list(supervision_notices().values_list("title", flat=True)) == []
    # The people who had to act did hear of it (dispatch notices), so "no notice" is not "nothing sent".
    assert Notification.objects.filter(recipient__username="edu", title__contains=TITLE[:10]).exists()
