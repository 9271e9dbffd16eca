"""The leader's pages in a real browser at 1366 px and on a 390 px phone (issue 14), each page with no serious axe-core finding: the landing on the cockpit with
待审签, 待研判, the Ⅰ/Ⅱ items without a response and the open 批示; the trend's data table; the close-out card with
every unit's feedback and attachments; a 批示 given on the incident page and its 落实情况 recorded by the office."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from incidents import services
from incidents.models import Feedback, LeaderInstruction, TicketRole
from incidents.services import instructions

from .conftest import DESKTOP, PHONE
from .test_accessibility import axe_findings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def county(org, make_incident, settings, tmp_path):
    """A 重大 close-out with a co-unit's feedback and attachment, an untouched 特别重大 item, one item to grade."""
    settings.MEDIA_ROOT = tmp_path
    close_out = make_incident(title="网传城关二小食堂饭菜变质，多名学生腹痛", grade="II", subject_unit=org.edu)
    lead, assist = services.dispatch_incident(
        org.duty, close_out, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    services.claim_ticket(org.health_liaison, assist)
    services.submit_feedback(
        org.health_liaison,
        assist,
        kind=Feedback.Kind.FEEDBACK,
        content="卫健委已对留样食品送检，结果为合格。",
        files=[SimpleUploadedFile("食品留样检测报告（城关二小）.txt", b"ok")],
    )
    services.claim_ticket(org.edu_liaison, lead)
    services.submit_feedback(
        org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="经核实，系个别学生受凉所致，食堂已全面消毒。"
    )
    major = make_incident(title="网传某乡镇企业排污致河水变色", grade="I", subject_unit=org.town)
    make_incident(title="网民反映县城某路段路灯不亮")
    return close_out, major


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_the_leader_lands_on_the_cockpit_and_works_from_it(open_session, org, county, viewport):
    close_out, major = county
    size = viewport["width"]
    leader = open_session("leader", viewport)
    page = leader.page
    assert page.url.endswith("/dashboard/")  # the landing (issue 14)
    expect(page.get_by_role("heading", name="领导驾驶舱")).to_be_visible()
    expect(page.get_by_test_id("to-sign")).to_contain_text("1")
    expect(page.get_by_test_id("awaiting-grading")).to_contain_text("1")
    expect(page.get_by_test_id("major")).to_contain_text("网传某乡镇企业排污致河水变色")
    expect(page.get_by_test_id("major")).to_contain_text("城关二小")  # 重大, reported on, but no reply published yet
    page.get_by_text("查看数据表").click()
    expect(page.get_by_test_id("trend-table")).to_be_visible()
    expect(page.get_by_test_id("trend-summary")).to_contain_text("近30日新增舆情共 3 条")
    leader.fits()
    assert not (found := axe_findings(leader.page)), found
    leader.shot(f"b2-dashboard-{size}")

    page.get_by_test_id("to-sign").click()
    card = page.get_by_test_id("signoff-item").filter(has_text="城关二小")
    expect(card.get_by_test_id("signoff-report")).to_contain_text("食堂已全面消毒")
    card.get_by_text("各单位办理反馈与附件").click()
    expect(card.get_by_test_id("signoff-feedback")).to_contain_text("卫健委已对留样食品送检")
    expect(card.get_by_test_id("signoff-attachment")).to_contain_text("食品留样检测报告")
    leader.fits()
    assert not (found := axe_findings(leader.page)), found
    leader.shot(f"b2-signoff-{size}")

    page.goto(leader.base_url + f"/incidents/{major.pk}/")
    box = page.get_by_test_id("instructions")
    box.get_by_label("批示内容").fill("请县生态环境局立即现场核查，24小时内报告。")
    box.get_by_role("button", name="下达批示").click()
    expect(page.get_by_text("已下达批示")).to_be_visible()
    expect(page.get_by_test_id("instruction")).to_contain_text("请县生态环境局立即现场核查")
    expect(page.get_by_test_id("instruction-countdown")).to_contain_text("剩余")
    leader.fits()
    assert not (found := axe_findings(leader.page)), found
    leader.shot(f"b2-incident-instruction-{size}")
    assert LeaderInstruction.objects.get().given_by == org.leader


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_the_office_records_the_progress_and_the_cockpit_counts_down(open_session, org, county, viewport):
    _, major = county
    size = viewport["width"]
    instructions.give_instruction(org.leader, major, text="请县生态环境局立即现场核查。")
    leader = open_session("leader", viewport)
    expect(leader.page.get_by_test_id("open-instructions")).to_contain_text("网传某乡镇企业排污致河水变色")
    expect(leader.page.get_by_test_id("open-instructions")).to_contain_text("剩余")
    leader.fits()
    assert not (found := axe_findings(leader.page)), found
    leader.shot(f"b2-dashboard-instructions-{size}")

    duty = open_session("duty", viewport)
    page = duty.page
    duty.go(f"/incidents/{major.pk}/")
    box = page.get_by_test_id("instructions")
    box.get_by_text("报告落实情况").click()
    box.get_by_label("落实情况").fill("已转县生态环境局，经现场核查排污口已封堵，水质恢复。")
    box.get_by_role("button", name="提交落实情况").click()
    expect(page.get_by_text("已报告批示落实情况")).to_be_visible()
    expect(page.get_by_test_id("instruction-progress")).to_contain_text("排污口已封堵")
    duty.fits()
    assert not (found := axe_findings(duty.page)), found
    duty.shot(f"b2-incident-progress-{size}")
    assert not LeaderInstruction.objects.get().is_open
