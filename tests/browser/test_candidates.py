"""The office's candidate queue (候选舆情, issue 15) in a real browser at 1366 px and on a 390 px phone: a unit's
submission lines listed with the matched keywords and the 疑似重复 mark, every control labelled, nothing overflowing;
a candidate discarded without a reason comes back with the message, then accepted into an incident."""

import pytest
from playwright.sync_api import expect

from incidents import services as incident_services
from monitoring.models import Candidate, Keyword
from reporting import services
from reporting.models import ReportSettings, RiskTopic

from .conftest import PHONE, UNLABELLED_CONTROLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = """某中学食堂饭菜变质引家长不满，多名学生腹痛就医 https://tieba.example.cn/p/1001
城关镇道路积水严重 https://weibo.example.cn/2002
网传某校食堂问题再起 https://bbs.example.cn/t/4004/a-very-long-path-that-should-wrap-on-a-phone-screen-without-overflow"""


@pytest.fixture
def queue(org):
    ReportSettings.current().collecting_units.set([org.edu])
    topic = RiskTopic.objects.create(name="食品安全", keywords="霉变", unit=org.health)
    Keyword.objects.create(phrase="食堂饭菜变质", topic=topic, raise_to="III")
    incident_services.report_incident(org.duty, title="网传某校食堂问题")
    services.submit_daily_items(org.edu_liaison, unit=org.edu, content=CONTENT)
    assert Candidate.objects.count() == 3


def test_candidates_at_1366(open_session, queue):
    office = open_session("duty")
    office.go("/monitoring/candidates/")
    expect(office.page.get_by_role("heading", name="候选舆情", exact=True)).to_be_visible()
    expect(office.page.get_by_test_id("candidate")).to_have_count(3)
    expect(office.page.get_by_test_id("matched").first).to_contain_text("食堂饭菜变质")
    expect(office.page.get_by_test_id("similar")).to_contain_text("疑似重复")
    assert office.page.evaluate(UNLABELLED_CONTROLS) == []
    office.fits()
    office.shot("candidates-desktop")
    row = office.page.get_by_test_id("candidate").filter(has_text="城关镇道路积水严重")
    row.get_by_role("button", name="舍弃").click()
    office.page.wait_for_load_state("networkidle")
    expect(office.page.get_by_text("请填写舍弃原因")).to_be_visible()
    row = office.page.get_by_test_id("candidate").filter(has_text="城关镇道路积水严重")
    row.get_by_label("舍弃原因").fill("非本县事项")
    row.get_by_role("button", name="舍弃").click()
    office.page.wait_for_load_state("networkidle")
    expect(office.page.get_by_test_id("candidate")).to_have_count(2)
    assert Candidate.objects.get(title="城关镇道路积水严重").reason == "非本县事项"


def test_candidates_on_a_phone(open_session, queue):
    office = open_session("duty", PHONE)
    office.go("/monitoring/candidates/")
    office.fits()
    office.shot("candidates-phone")
    first = office.page.get_by_test_id("candidate").filter(has_text="食堂饭菜变质")
    box = first.get_by_role("button", name="受理为舆情").bounding_box()
    assert box is not None and box["height"] >= 44
    first.get_by_role("button", name="受理为舆情").click()
    office.page.wait_for_load_state("networkidle")
    expect(office.page.get_by_role("status").filter(has_text="已受理")).to_be_visible()
    accepted = Candidate.objects.get(status=Candidate.Status.ACCEPTED)
    assert accepted.incident.title.startswith("某中学食堂饭菜变质")
    office.go("/monitoring/candidates/?status=accepted")
    office.fits()
    office.shot("candidates-phone-accepted")
