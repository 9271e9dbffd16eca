"""会商研判, the upward report and 市级交办 in a real browser at 1366 px and on a 390 px phone (issue 17): the duty
officer records a review (002 第七条) and sees its 口径 beside the reply form (002 第九条), a reply without the
review is refused in Chinese; an upward 专报 with a chosen 签发人 (000 三, 004 二(三)3); an item the city hands down,
reported back (000 三)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import UpperBody
from incidents.models import Incident

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local(instant):
    return timezone.localtime(instant).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def major(make_incident):
    # Transactional tests flush the rows the data migration seeded: the administrator's list, again.
    for i, name in enumerate(["市委办公厅", "市委网宣办", "市委网信办"]):
        UpperBody.objects.get_or_create(name=name, defaults={"ordering": i})
    incident = make_incident(title="网传某化工厂夜间排放刺激性气体，周边居民不适", grade="II")
    Incident.objects.filter(pk=incident.pk).update(first_seen_at=timezone.now() - timedelta(hours=3))
    return incident


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_joint_review_and_the_reply_citing_it(open_session, org, major, viewport):
    size = viewport["width"]
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go(f"/followup/incidents/{major.pk}/")
    section = page.get_by_test_id("joint-review")
    expect(section).to_contain_text("尚未会商研判")
    # A reply before any review: refused, with the clause.
    page.get_by_text("登记回应（引用会商研判）").click()
    reply = page.get_by_test_id("form-reply")
    reply.get_by_label("发布渠道").fill("政务微博")
    reply.get_by_label("回应内容").fill("已介入调查。")
    reply.get_by_role("button", name="登记回应").click()
    expect(page.get_by_test_id("form-reply")).to_contain_text("依据 002 第九条")
    duty.shot(f"followup-reply-refused-{size}")
    page.get_by_text("登记会商研判", exact=True).first.click()
    form = page.get_by_test_id("form-review")
    form.get_by_label("会商时间").fill(local(timezone.now() - timedelta(hours=1)))
    form.get_by_label("教育局").check()
    form.get_by_label("卫健委").check()
    form.get_by_label("参会专家（每行一位，可不填）").fill("王某（环境工程专家）")
    form.get_by_label("性质研判").fill("涉及环境安全的群众投诉，需核实排放是否超标")
    form.get_by_label("趋势研判").fill("本地群转发增多，或有线下聚集")
    form.get_by_label("风险研判").fill("处置迟缓可能引发群体性事件")
    form.get_by_label("处置意见").fill("生态环境部门牵头监测，属地镇做好群众工作")
    form.get_by_label("回应口径").fill("监测结果出来前不作定性，公布监测进展")
    duty.fits()
    duty.shot(f"followup-review-form-{size}")
    form.get_by_role("button", name="登记会商研判").click()
    expect(page.get_by_role("status").filter(has_text="已登记会商研判")).to_be_visible()
    expect(page.get_by_test_id("review")).to_contain_text("王某（环境工程专家）")
    expect(page.get_by_test_id("review")).to_contain_text("教育局、卫健委")
    page.get_by_text("登记回应（引用会商研判）").click()
    expect(page.get_by_test_id("reply-caliber")).to_contain_text("监测结果出来前不作定性")
    expect(page.get_by_role("link", name="下载会商纪要（.docx）")).to_be_visible()
    duty.fits()
    duty.shot(f"followup-review-{size}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_upward_report_and_city_assignment(open_session, org, major, viewport):
    size = viewport["width"]
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go(f"/followup/incidents/{major.pk}/")
    page.locator("summary", has_text="登记向上报送").click()
    form = page.get_by_test_id("form-upward")
    form.get_by_label("报送单位").select_option(label="市委办公厅")
    form.get_by_label("报送时间").fill(local(timezone.now() - timedelta(minutes=30)))
    form.get_by_label("签发人").select_option(label="leader")
    form.get_by_label("报送事由").fill("属地在本区、责任主体不在本区")
    duty.fits()
    form.get_by_role("button", name="生成专报并登记").click()
    expect(page.get_by_test_id("upward-report")).to_contain_text("签发人 leader")
    expect(page.get_by_test_id("upward-report")).to_contain_text("市委办公厅")
    # 市级交办: a due time in the past is refused in Chinese, then a proper one recorded.
    page.locator("summary", has_text="登记市级交办").click()
    city = page.get_by_test_id("form-city")
    city.get_by_label("交办单位").select_option(label="市委网信办")
    city.get_by_label("市级交办编号").fill("市网信交〔2026〕18号")
    city.get_by_label("接收时间").fill(local(timezone.now() - timedelta(minutes=20)))
    city.get_by_label("市级反馈时限").fill(local(timezone.now() - timedelta(minutes=5)))
    city.get_by_role("button", name="登记市级交办").click()
    expect(page.get_by_test_id("form-city")).to_contain_text("市级反馈时限必须晚于现在。")
    duty.shot(f"followup-city-refused-{size}")
    city = page.get_by_test_id("form-city")
    city.get_by_label("市级反馈时限").fill(local(timezone.now() + timedelta(days=2)))
    city.get_by_role("button", name="登记市级交办").click()
    expect(page.get_by_test_id("city-assignment")).to_contain_text("市网信交〔2026〕18号")
    expect(page.get_by_test_id("city-deadline-state")).to_contain_text("未到期")
    page.locator("summary", has_text="登记向市里反馈").click()
    back = page.get_by_test_id("form-report_back")
    back.get_by_label("反馈时间").fill(local(timezone.now()))
    back.get_by_label("反馈内容").fill("已会同生态环境部门监测，排放达标，已向居民说明。")
    back.get_by_role("button", name="登记反馈").click()
    expect(page.get_by_test_id("city-assignment")).to_contain_text("已于")
    duty.fits()
    duty.shot(f"followup-upward-{size}")
