"""The 研判台's work queues (issue 18): 待研判, 已研判未转办, 待认领, 被退回, 延期待批, 待答复, 待审签 and 已逾期, each a
count and a list, oldest first with its countdown and a link to the item; an open item that needs the office is
always in one of them (a 特别重大 item sat undispatched in none); the page's statements do not grow with the rows."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from deadlines import services as extension_services
from incidents import services
from incidents.desk import QUEUES, queue_counts, queue_rows
from incidents.models import Feedback, TicketRole
from org.models import Role
from tests.factories import person

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


def queues_holding(user, incident, now):
    """The queues whose rows include `incident` (an incident, a ticket, an extension request or a deadline of it)."""
    held = []
    for key, queue in QUEUES.items():
        rows = queue_rows(user, key, now)
        field = {"incidents": "pk", "tickets": "incident", "extensions": "ticket__incident", "deadlines": "incident"}
        if rows.filter(**{field[queue.rows]: incident.pk}).exists():
            held.append(key)
    return held


def page(client, queue, **params):
    query = "&".join(f"{k}={v}" for k, v in {"queue": queue, **params}.items())
    return client.get(f"/desk/?{query}").content.decode()


def test_a_very_serious_item_is_in_a_queue_at_every_step(org, make_incident):
    """Ⅰ级 from report to close-out: 待研判, 已研判未转办 (red badge), 待认领, 被退回 (lead unit returns it),
    待认领 again, then 待审签 and 待答复 once the report is in."""
    now = lambda: MONDAY + timedelta(minutes=5)  # noqa: E731 - one instant for the whole walk
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(title="特别重大测试舆情")
        assert queues_holding(org.duty, incident, now()) == ["new", "grade"]
        services.grade_incident(org.duty, incident, grade="I", reason="特别重大")
        assert queues_holding(org.duty, incident, now()) == ["new", "graded"]
        counts, urgent = queue_counts(org.duty, now())
        assert counts["graded"] == 1 and urgent["graded"]
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        assert queues_holding(org.duty, incident, now()) == ["new", "claim"]
        services.return_ticket(org.edu_liaison, lead, reason="不属于本单位职责")
        assert queues_holding(org.duty, incident, now()) == ["new", "returned"]
    with time_machine.travel(MONDAY + timedelta(minutes=10), tick=False):
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.health, TicketRole.LEAD)])
        assert queues_holding(org.duty, incident, now()) == ["new", "claim"]  # re-dispatched: no longer 被退回
        services.claim_ticket(org.health_liaison, lead)
        services.submit_feedback(org.health_liaison, lead, kind=Feedback.Kind.REPORT, content="核实调查报告")
        assert queues_holding(org.duty, incident, now()) == ["new", "reply", "signoff"]


def test_merged_and_dismissed_items_are_not_awaiting_grading(org, make_incident, client):
    keep = make_incident(title="待研判的舆情")
    duplicate = make_incident(title="重复的舆情")
    dismissed = make_incident(title="不予处置的舆情")
    services.merge_incident(org.duty, duplicate, into=keep.pk, reason="重复")
    services.dismiss_incident(org.duty, dismissed, reason="伪舆情")
    client.force_login(org.duty)
    html = page(client, "grade")
    assert '待研判 <span class="badge">1</span>' in html
    assert "待研判的舆情" in html and "重复的舆情" not in html and "不予处置的舆情" not in html


def test_each_queue_lists_oldest_first_with_countdowns_and_links(org, make_incident, client):
    for hour, title in ((9, "较早定级"), (10, "较晚定级")):
        with time_machine.travel(MONDAY.replace(hour=hour), tick=False):
            make_incident(title=title, grade="III")
    with time_machine.travel(MONDAY.replace(hour=11), tick=False):
        client.force_login(org.duty)
        html = page(client, "graded")
        newest = page(client, "graded", sort="newest")
    assert html.index("较早定级") < html.index("较晚定级")
    assert newest.index("较晚定级") < newest.index("较早定级")
    # Each row links to its item and shows its nearest deadline with the due instant: 报告领导 within 2 hours.
    assert html.count('data-testid="queue-row"') == 2
    assert "报告领导时限：剩余 1 小时" in html and "（截止 11月23日 周一 12:00）" in html
    assert 'href="/incidents/' in html and '已研判未转办 <span class="badge">2</span>' in html


def test_the_returned_queue_and_the_extension_queue_link_to_their_tickets(org, make_incident, client):
    with time_machine.travel(MONDAY, tick=False):
        returned = make_incident(title="被退回的舆情", grade="IV")
        (ticket,) = services.dispatch_incident(org.duty, returned, assignments=[(org.edu, TicketRole.LEAD)])
        services.return_ticket(org.edu_liaison, ticket, reason="不属于本单位职责")
        extended = make_incident(title="申请延期的舆情", grade="IV")
        (lead,) = services.dispatch_incident(org.duty, extended, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
        extension_services.request_extension(
            org.edu_liaison, lead, requested_due_at=datetime(2026, 12, 10, 17, 30, tzinfo=SH), reason="需现场核查"
        )
        client.force_login(org.duty)
        html = page(client, "returned")
        assert "被退回的舆情" in html and "不属于本单位职责" in html and "教育局（主办）" in html
        assert reverse("ticket_detail", args=[ticket.pk]) in html
        html = page(client, "extension")
        assert "申请延期的舆情" in html and "核实调查报告时限：剩余 5 个工作日" in html
        assert "2026-12-10 17:30" in html and reverse("ticket_detail", args=[lead.pk]) in html


def test_a_confidential_item_is_on_the_desk_only_for_the_cleared(org, client):
    reporter = person("duty2", org.office, Role.DUTY_OFFICER)
    services.report_incident(reporter, title="敏感的舆情", is_confidential=True)
    client.force_login(org.duty)
    html = page(client, "grade")
    assert "敏感的舆情" not in html and '待研判 <span class="badge">0</span>' in html
    client.force_login(reporter)
    assert "敏感的舆情" in page(client, "grade")


def make_items(org, make_incident, n):
    """n items in every queue: reported, graded, dispatched (one unit returns it, one claims and asks for an
    extension), dispatched and not claimed, reported on (待审签, 待答复)."""
    for i in range(n):
        make_incident(title=f"待研判{i}")
        make_incident(title=f"已研判{i}", grade="II")
        incident = make_incident(title=f"转办{i}", grade="IV")
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
        services.return_ticket(org.health_liaison, assist, reason="非本单位职责")
        services.claim_ticket(org.edu_liaison, lead)
        extension_services.request_extension(
            org.edu_liaison, lead, requested_due_at=MONDAY + timedelta(days=20), reason="需现场核查"
        )
        unclaimed = make_incident(title=f"待认领{i}", grade="IV")
        services.dispatch_incident(org.duty, unclaimed, assignments=[(org.town, TicketRole.LEAD)])
        reported = make_incident(title=f"待审签{i}", grade="III")
        (lead,) = services.dispatch_incident(org.duty, reported, assignments=[(org.police, TicketRole.LEAD)])
        services.claim_ticket(org.police_liaison, lead)
        services.submit_feedback(org.police_liaison, lead, kind=Feedback.Kind.REPORT, content="报告")


@pytest.mark.parametrize("queue", list(QUEUES))
def test_the_statements_of_a_queue_do_not_grow_with_its_rows(
    org, make_incident, client, django_assert_max_num_queries, queue
):
    client.force_login(org.duty)
    with time_machine.travel(MONDAY, tick=False):
        make_items(org, make_incident, 2)
    later = MONDAY + timedelta(hours=3)  # every claim window has passed: 已逾期 has rows too
    # 26: the page with its queues, plus who is on duty now (004 三(一)) and the navigation's 巡查 check; flat in rows (below).
    with time_machine.travel(later, tick=False), django_assert_max_num_queries(26) as few:
        client.get(f"/desk/?queue={queue}")
    with time_machine.travel(MONDAY, tick=False):
        make_items(org, make_incident, 6)
    with time_machine.travel(later, tick=False), django_assert_max_num_queries(len(few)):
        html = page(client, queue)
    rows = html.count('data-testid="queue-row"') + html.count('data-testid="extension-row"')
    assert rows >= 8, f"{queue}: {rows} rows"
