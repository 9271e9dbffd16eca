"""销号抽查复核 (000 四.3) and the 舆情日志 (002 第八条) in a real browser at 1366 px and on a 390 px phone (issue 17):
the office draws last period's sample, a verdict without its note is refused in Chinese, 问题未解决 reopens the
item; a unit's liaison reads its own log with the export links."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.models import Feedback, Incident, TicketRole
from review.models import SpotCheckSettings

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def closed_last_month(org, make_incident):
    """One incident 教育局 handled, closed in the previous calendar month (its close dated back for the draw)."""
    incident = make_incident(title="网传城关小学门口道路积水严重，学生上下学不便", grade="IV")
    (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    services.claim_ticket(org.edu_liaison, lead)
    services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已疏通排水并回应家长。")
    services.close_incident(org.duty, incident, opinion="同意")
    start_of_month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    Incident.objects.filter(pk=incident.pk).update(closed_at=start_of_month - timedelta(days=3))
    SpotCheckSettings.objects.all().delete()
    SpotCheckSettings.objects.create(sample_size=1)
    return incident


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_spot_check_draw_and_verdict(open_session, org, closed_last_month, viewport):
    size = viewport["width"]
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go("/review/spot-checks/")
    expect(page.get_by_text("尚未抽取")).to_be_visible()
    page.get_by_role("button", name="抽取上一期样本").click()
    expect(page.get_by_role("status").filter(has_text="已抽取")).to_be_visible()
    item = page.get_by_test_id(f"check-{closed_last_month.number}")
    expect(item).to_contain_text("网传城关小学门口道路积水严重")
    item.get_by_label("复核结论").select_option("not_done")
    item.get_by_role("button", name="记录复核结论").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_test_id(f"check-{closed_last_month.number}")).to_contain_text("须填写复核说明")
    duty.fits()
    duty.shot(f"spot-check-refused-{size}")
    item = page.get_by_test_id(f"check-{closed_last_month.number}")
    item.get_by_label("复核结论").select_option("not_done")
    item.get_by_label("复核说明").fill("回访家长，雨天仍然积水。")
    item.get_by_role("button", name="记录复核结论").click()
    expect(page.get_by_test_id(f"check-{closed_last_month.number}")).to_contain_text("问题未解决")
    closed_last_month.refresh_from_db()
    assert closed_last_month.status == "reopened"
    duty.fits()
    duty.shot(f"spot-check-verdict-{size}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_incident_log_page(open_session, org, closed_last_month, viewport):
    size = viewport["width"]
    liaison = open_session("edu_l", viewport)
    page = liaison.page
    liaison.go("/review/log/")
    table = page.get_by_test_id("incident-log")
    expect(table).to_contain_text("网传城关小学门口道路积水严重")
    expect(table).to_contain_text("主办")
    expect(page.get_by_test_id("export-xlsx")).to_be_visible()
    expect(page.get_by_test_id("export-docx")).to_be_visible()
    assert page.get_by_label("单位").locator("option").all_inner_texts() == ["教育局"]
    liaison.fits()
    liaison.shot(f"incident-log-{size}")
