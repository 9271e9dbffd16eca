"""后期处置 in a real browser at 1366 px and on a 390 px phone (issue 17; 000 三.3): on a closed incident the duty
officer sees the watch (持续关注) with what it found and the 总结评估 deadline, writes the 总结评估 (成功经验, 暴露的
问题, 改进措施) and finds it, with its report, on the follow-up page and in the incident page's folded follow-through.
No horizontal overflow, every control labelled."""

import pytest
from playwright.sync_api import expect

from followup import tasks
from incidents import services
from incidents.models import Feedback, SourceLink, TicketRole

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def closed(org, make_incident):
    """An item handled by 教育局 and closed by the office, its watch started by the timed check, a new link found."""
    incident = make_incident(title="网传城关镇某校食堂饭菜变质，家长在本地论坛集中反映", grade="IV")
    (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    services.claim_ticket(org.edu_liaison, lead)
    services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已核实整改并回应。")
    services.close_incident(org.duty, incident, opinion="同意销号")
    tasks.run_aftercare()
    SourceLink.objects.create(
        incident=incident, platform="本地论坛", url="https://bbs.example.cn/thread/20261130/very-long-path-for-phones"
    )
    tasks.run_aftercare()
    return incident


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_the_office_writes_the_summary_and_evaluation(open_session, org, closed, viewport):
    size = viewport["width"]
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go(f"/followup/incidents/{closed.pk}/")
    section = page.get_by_test_id("aftercare")
    expect(section.get_by_test_id("aftercare-watch")).to_contain_text("关注中")
    expect(section.get_by_test_id("aftercare-deadline-state")).to_contain_text("未到期")
    expect(section.get_by_test_id("aftercare-events")).to_contain_text("新增链接")
    expect(section).to_contain_text("000 三.3")
    page.locator("summary", has_text="填写总结评估").click()
    form = page.get_by_test_id("form-aftercare")
    form.get_by_label("关注期舆情走势").fill("销号后论坛出现一条新帖，转发很少，未见反复。")
    form.get_by_label("成功经验").fill("教育局当日核实并在论坛回应，口径统一。")
    form.get_by_label("暴露的问题").fill("首次回应晚于规定时限两小时。")
    form.get_by_label("改进措施").fill("修改预案：节假日值班表写明回应审核人。")
    duty.fits()
    duty.shot(f"aftercare-form-{size}")
    form.get_by_role("button", name="生成总结评估报告").click()
    expect(page.get_by_role("status").filter(has_text="已完成总结评估")).to_be_visible()
    evaluation = page.get_by_test_id("aftercare-evaluation")
    expect(evaluation).to_contain_text("修改预案：节假日值班表写明回应审核人。")
    expect(page.get_by_role("link", name="下载总结评估报告（.docx）")).to_be_visible()
    expect(page.get_by_test_id("aftercare-deadline-state")).to_contain_text("按时完成")
    expect(page.get_by_test_id("form-aftercare")).to_have_count(0)
    duty.fits()
    duty.shot(f"aftercare-done-{size}")
    # The incident page: folded with the rest of the follow-through, opened with one tap.
    duty.go(f"/incidents/{closed.pk}/")
    page.get_by_test_id("followup-fold").locator("summary").first.click()
    expect(page.get_by_test_id("aftercare-evaluation")).to_contain_text("首次回应晚于规定时限两小时。")
    duty.fits()
    duty.shot(f"aftercare-incident-{size}")
