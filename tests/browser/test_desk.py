"""The 研判台 in a real browser at 1366 px and on a 390 px phone (issues 14, 18): the work queues with their counts,
honest countdowns with the due instant, the reason a reported title may be a duplicate, and the message the second
of two officers grading at once is given. The live server runs at the real now: countdowns are matched by form."""

import re

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Feedback, TicketRole
from org.models import Role
from tests.factories import person

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
EXISTING = "网传某小学食堂饭菜变质，家长群热议"
TODAY = "网传县实验小学食堂饭菜变质，多名学生腹痛"
DUE = r"（截止 \d{1,2}月\d{1,2}日 周[一二三四五六日] \d{2}:\d{2}）"


@pytest.fixture
def busy_desk(org, make_incident):
    """An item in each of the office's queues."""
    make_incident(title="待研判：县城关镇某小区停水三天")
    make_incident(title="特别重大：县道山体滑坡阻断交通", grade="I")
    claim = make_incident(title="待认领：网传某地拖欠农民工工资", grade="III")
    services.dispatch_incident(org.duty, claim, assignments=[(org.edu, TicketRole.LEAD)])
    returned = make_incident(title="被退回：县医院停车收费过高", grade="IV")
    (ticket,) = services.dispatch_incident(org.duty, returned, assignments=[(org.edu, TicketRole.LEAD)])
    services.return_ticket(org.edu_liaison, ticket, reason="属卫健委职责，请改派")
    review = make_incident(title="待审签：县一中食堂卫生问题", grade="III")
    (lead,) = services.dispatch_incident(org.duty, review, assignments=[(org.health, TicketRole.LEAD)])
    services.claim_ticket(org.health_liaison, lead)
    services.submit_feedback(org.health_liaison, lead, kind=Feedback.Kind.REPORT, content="经核实，已整改。")
    handling = make_incident(title="办理中：县实验小学门口交通拥堵", grade="IV")
    (lead,) = services.dispatch_incident(org.duty, handling, assignments=[(org.police, TicketRole.LEAD)])
    services.claim_ticket(org.police_liaison, lead)
    return lead


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_queues_with_counts_and_countdowns(open_session, busy_desk, viewport):
    duty = open_session("duty", VIEWPORTS[viewport])
    page = duty.page
    duty.go("/desk/")
    queues = page.get_by_role("navigation", name="工作队列")
    for name in ("待研判", "已研判未转办", "待认领", "被退回", "延期待批", "待答复", "待审签", "已逾期"):
        expect(queues.get_by_role("link", name=re.compile(f"^{name}"))).to_be_visible()
    expect(page.get_by_test_id("queue-graded").locator(".badge.danger")).to_have_text("1")  # a Ⅰ级 item waits
    expect(page.get_by_test_id("work-queue")).to_contain_text("待研判：县城关镇某小区停水三天")
    duty.fits()
    duty.shot(f"desk-grade-{viewport}")

    page.get_by_test_id("queue-graded").click()
    row = page.get_by_test_id("queue-row").filter(has_text="特别重大：县道山体滑坡阻断交通")
    expect(row.get_by_test_id("countdown")).to_have_text(re.compile(r"^快报时限|^报告领导时限"))
    expect(row.get_by_test_id("countdown")).to_have_text(re.compile(r"剩余 \d+ 分钟" + DUE))
    duty.fits()
    duty.shot(f"desk-graded-{viewport}")

    page.get_by_test_id("queue-claim").click()
    row = page.get_by_test_id("queue-row").filter(has_text="待认领：网传某地拖欠农民工工资")
    expect(row.get_by_test_id("countdown")).to_have_text(re.compile(r"^认领时限：剩余 1 小时 \d+ 分钟" + DUE))

    page.get_by_test_id("queue-returned").click()
    expect(page.get_by_test_id("work-queue")).to_contain_text("属卫健委职责，请改派")
    duty.fits()
    duty.shot(f"desk-returned-{viewport}")

    page.get_by_test_id("queue-signoff").click()
    expect(page.get_by_test_id("work-queue")).to_contain_text("待审签：县一中食堂卫生问题")
    page.get_by_test_id("queue-reply").click()
    row = page.get_by_test_id("queue-row").filter(has_text="待审签：县一中食堂卫生问题")
    expect(row.get_by_test_id("countdown")).to_have_text(re.compile(r"^回应发布时限：剩余 .*个工作日.*" + DUE))
    duty.fits()
    duty.shot(f"desk-reply-{viewport}")

    # The unit's own view of a working-day limit reads the same way (a liaison's ticket page).
    liaison = open_session("police_l", VIEWPORTS[viewport])
    liaison.go(f"/tickets/{busy_desk.pk}/")
    report = liaison.page.get_by_test_id("countdown").filter(has_text="核实调查报告时限")
    expect(report).to_have_text(re.compile(r"剩余 \d+ 个工作日( \d+ 小时)?" + DUE))
    liaison.fits()
    liaison.shot(f"desk-ticket-countdown-{viewport}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_intake_says_why_an_item_may_be_a_duplicate(open_session, make_incident, viewport):
    make_incident(title=EXISTING)
    duty = open_session("duty", VIEWPORTS[viewport])
    page = duty.page
    duty.go("/incidents/new/")
    page.get_by_label("标题").fill(TODAY)
    page.get_by_label("标题").blur()
    reason = page.get_by_test_id("duplicate-reason")
    expect(reason).to_contain_text("标题相似度 48%：共同词 小学食堂饭菜变质、网传")
    expect(page.get_by_test_id("duplicate").locator("mark").first).to_have_text("网传")
    duty.fits()
    page.get_by_test_id("duplicates").scroll_into_view_if_needed()
    duty.shot(f"desk-duplicate-{viewport}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_second_of_two_officers_grading_at_once_is_told_what_changed(open_session, org, make_incident, viewport):
    person("duty2", org.office, Role.DUTY_OFFICER, first_name="王五")
    incident = make_incident(title="两人同时研判的舆情", grade="III")
    first = open_session("duty", VIEWPORTS[viewport])
    second = open_session("duty2", VIEWPORTS[viewport])
    for session in (first, second):  # both have the page open, the same version in both forms
        session.go(f"/incidents/{incident.pk}/")
        session.page.locator("[data-opens=grade]").click()

    dialog = second.page.get_by_role("dialog", name="调整等级")
    dialog.get_by_label("等级：", exact=True).select_option("II")
    dialog.get_by_label("研判理由：", exact=True).fill("转载量上升，调为重大")
    dialog.get_by_role("button", name="调整等级", exact=True).click()
    second.page.wait_for_load_state("networkidle")
    expect(second.page.locator("body")).to_contain_text("操作成功")

    dialog = first.page.get_by_role("dialog", name="调整等级")
    dialog.get_by_label("等级：", exact=True).select_option("IV")
    dialog.get_by_label("研判理由：", exact=True).fill("影响有限，调为一般")
    dialog.get_by_role("button", name="调整等级", exact=True).click()
    first.page.wait_for_load_state("networkidle")
    dialog = first.page.get_by_role("dialog", name="调整等级")
    expect(dialog).to_be_visible()  # the failed form comes back open, with what was typed
    expect(dialog).to_contain_text(re.compile(r"王五 于 \d+月\d+日 \d{2}:\d{2} 调整等级（等级 Ⅲ级 较大 → Ⅱ级 重大）"))
    expect(dialog).to_contain_text("当前等级为「Ⅱ级 重大」")
    expect(dialog.get_by_label("研判理由：", exact=True)).to_have_value("影响有限，调为一般")
    first.fits()
    first.shot(f"desk-concurrent-grade-{viewport}")
    incident.refresh_from_db()
    assert incident.grade == "II"
