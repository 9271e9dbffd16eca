"""The leader's numbers agree with the desk and mean what they say (issue 14): 待研判 is one definition (merged and
dismissed items are not awaiting a grade), merged duplicates do not inflate 今日新增, the cockpit shows 待审签 and the
特别重大/重大 items without a published response, the trend chart has a text alternative and a data table. The
close-out card shows the report, every unit's feedback and the attachments it asks to approve, in a number of
queries that does not grow with the cards."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cockpit import selectors as cockpit
from incidents import services
from incidents.models import Feedback, Reply, TicketRole
from incidents.selectors import awaiting_grading, new_incidents
from incidents.services import instructions
from tests.factories import joint_review

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
MIDNIGHT = MONDAY.replace(hour=0)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def mixed_day(org, make_incident, monday):
    """Today: two items waiting for a grade, one graded Ⅳ, one dismissed, one merged into the graded one."""
    waiting = [make_incident(title="待研判一"), make_incident(title="待研判二")]
    graded = make_incident(title="已定级", grade="IV")
    dismissed = make_incident(title="不予处置")
    services.dismiss_incident(org.duty, dismissed, reason="与本县无关")
    duplicate = make_incident(title="重复报送")
    services.merge_incident(org.duty, duplicate, into=graded, reason="同一事件")
    return waiting, graded


def number(page, testid):
    return int(re.search(rf'data-testid="{testid}"[^>]*>\s*<div class="n">(\d+)<', page).group(1))


def stat(page, block, label):
    """The number shown for `label` in the stat grid `block` (today/week/open)."""
    grid = page.split(f'data-testid="{block}"')[1].split("</div>\n")[0]
    return int(re.search(rf'<div class="n">(\d+)</div>{label}<', grid).group(1))


def test_awaiting_grading_is_one_definition_for_the_desk_and_the_cockpit(client, org, mixed_day):
    assert awaiting_grading(org.duty).count() == 2  # the merged and the dismissed items are not waiting
    client.force_login(org.duty)
    desk = client.get("/desk/").content.decode()
    dashboard = client.get("/dashboard/").content.decode()
    assert number(dashboard, "awaiting-grading") == 2
    assert stat(dashboard, "today", "待研判") == 2
    desk_count = re.search(r'data-testid="queue-grade">[^<]*<span class="badge[^"]*">(\d+)<', desk).group(1)
    assert int(desk_count) == 2  # the desk counts through the same selector
    client.force_login(org.leader)
    assert number(client.get("/dashboard/").content.decode(), "awaiting-grading") == 2


def test_merged_duplicates_do_not_inflate_todays_new_items(client, org, mixed_day):
    assert new_incidents(org.leader, MIDNIGHT).count() == 4  # five reported, one merged into another
    client.force_login(org.leader)
    page = client.get("/dashboard/").content.decode()
    assert re.search(r'data-testid="today-total">4<', page)
    # The buckets are disjoint and add up: Ⅳ 1 (the duplicate merged into it is not a second one), 待研判 2, 不予处置 1.
    assert (stat(page, "today", "Ⅳ级 一般"), stat(page, "today", "待研判"), stat(page, "today", "不予处置")) == (
        1,
        2,
        1,
    )
    total, stats = cockpit.new_by_grade(org.leader, {"today": MIDNIGHT})["today"]
    assert total == sum(s.n for s in stats) == 4
    # The trend counts the same way.
    assert cockpit.trend(org.leader, MIDNIGHT)["counts"][-1] == 4


def test_the_cockpit_shows_what_waits_for_signature(client, org, make_incident, monday):
    client.force_login(org.leader)
    assert number(client.get("/dashboard/").content.decode(), "to-sign") == 0
    incident = make_incident(title="重大事项", grade="II")
    (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    services.claim_ticket(org.edu_liaison, lead)
    services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="经核实，已整改。")
    page = client.get("/dashboard/").content.decode()
    assert number(page, "to-sign") == 1
    assert f'href="{reverse("signoff")}" data-testid="to-sign"' in page
    client.force_login(org.edu_leader)  # a unit leader does not sign a county grade
    assert number(client.get("/dashboard/").content.decode(), "to-sign") == 0


def test_major_items_without_a_published_response_are_listed(client, org, make_incident, monday):
    major = make_incident(title="特别重大事项", grade="I")
    replied = make_incident(title="已回应的重大事项", grade="II")
    make_incident(title="较大事项", grade="III")
    joint_review(org, replied)  # 002 第九条: a 重大 item's reply follows the joint review
    services.publish_reply(org.duty, replied, kind=Reply.Kind.INITIAL, channel="政务微博", content="已关注，正在核实。")
    client.force_login(org.leader)
    page = client.get("/dashboard/").content.decode()
    table = page.split('data-testid="major"')[1].split("</table>")[0]
    assert number(page, "major-count") == 1
    assert f'href="{reverse("incident_detail", args=[major.pk])}"' in table and "特别重大事项" in table
    assert "已回应的重大事项" not in table and "较大事项" not in table


def test_the_trend_chart_has_a_text_alternative_and_a_data_table(client, org, mixed_day):
    client.force_login(org.leader)
    page = client.get("/dashboard/").content.decode()
    assert 'aria-describedby="trend-summary"' in page
    summary = page.split('data-testid="trend-summary">')[1].split("</p>")[0]
    assert "近30日新增舆情共 4 条" in summary and "今日 4 条" in summary
    table = page.split('data-testid="trend-table"')[1].split("</table>")[0]
    assert "<caption>近30日每日新增舆情数量</caption>" in table
    assert table.count('<th scope="row">') == 30 and '<th scope="row">2026-11-23</th><td>4</td>' in table


# --- the close-out card -------------------------------------------------------------------------------------


def close_out(org, make_incident, title):
    incident = make_incident(title=title, grade="II")
    lead, assist = services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    services.claim_ticket(org.health_liaison, assist)
    services.submit_feedback(
        org.health_liaison,
        assist,
        kind=Feedback.Kind.FEEDBACK,
        content=f"{title}：卫健委已派员核查食品留样。",
        files=[SimpleUploadedFile("留样检测报告.txt", b"ok")],
    )
    services.claim_ticket(org.edu_liaison, lead)
    services.submit_feedback(
        org.edu_liaison,
        lead,
        kind=Feedback.Kind.REPORT,
        content=f"{title}：经核实，已整改。",
        files=[SimpleUploadedFile("整改照片说明.txt", b"ok")],
    )
    return incident


def signoff_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("signoff"))
    assert response.status_code == 200
    return len(ctx), response.content.decode()


def test_the_close_out_card_shows_report_feedback_and_attachments_in_bounded_queries(
    client, org, make_incident, monday, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(org.leader)
    close_out(org, make_incident, "第一件")
    few, page = signoff_queries(client)
    card = page.split('data-testid="signoff-item"')[1]
    assert "第一件：经核实，已整改。" in card  # the lead unit's report
    feedback = card.split('data-testid="signoff-feedback"')[1]
    assert "卫健委（协办）" in feedback and "第一件：卫健委已派员核查食品留样。" in feedback
    assert re.search(r'data-testid="signoff-attachment">留样检测报告[^<]*\.txt<', feedback)
    assert re.search(r'data-testid="signoff-attachment">整改照片说明[^<]*\.txt<', card)  # the report's own file
    for i in range(4):
        close_out(org, make_incident, f"第{i + 2}件")
    many, page = signoff_queries(client)
    assert page.count('data-testid="signoff-item"') == 5
    assert page.count('data-testid="signoff-attachment"') == 10
    assert many == few, f"{few} statements with one card, {many} with five"


def test_the_reply_draft_card_shows_the_whole_draft(client, org, make_incident, monday):
    incident = make_incident(title="一般事项", grade="IV")
    (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    services.claim_ticket(org.edu_liaison, lead)
    text = "关于网民反映的问题，" + "经调查核实，情况如下。" * 60 + "特此回应。"
    services.draft_reply(org.edu_liaison, lead, kind=Reply.Kind.RESULT, channel="政务微博", content=text)
    client.force_login(org.edu_leader)
    page = client.get(reverse("signoff")).content.decode()
    card = page.split('data-testid="reply-draft-item"')[1]
    assert "特此回应。" in card  # the end of a long draft, which a 300-character cut used to drop


def test_the_cockpit_lists_do_not_cost_a_query_per_row(client, org, make_incident, monday):
    def add(n):
        for i in range(n):
            incident = make_incident(title=f"重大事项{i}", grade="II")
            instructions.give_instruction(org.leader, incident, text=f"请核实{i}")

    client.force_login(org.leader)
    add(1)
    client.get("/dashboard/")  # the first view computes the cockpit's 考核/时效 rows (cockpit.aggregates)
    with CaptureQueriesContext(connection) as few:
        client.get("/dashboard/")
    add(4)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/dashboard/").content.decode()
    assert page.count("请核实") == 5 and number(page, "major-count") == 5
    assert len(many) == len(few), f"{len(few)} statements with one row each, {len(many)} with five"
