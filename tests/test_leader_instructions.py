"""领导批示 on any incident (issue 14; 000 三.2, 002 第八条): a leader gives a 批示 with an optional 落实时限 (else the
admin's default, shipped as 3 自然日), tracked by the deadline engine (reminded, breached, escalated by the timed
checks like every limit), met when the office or a responsible unit records the 落实情况; the office is told of the
批示, the leader of the 落实情况. The incident page shows the 批示 and offers each person the action they may take,
and the cockpit lists the open ones with their countdown."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from core.errors import IllegalTransition, InvalidInput, NotFound, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineKind, DeadlinePolicy
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import Feedback, LeaderInstruction, TicketRole
from incidents.services import instructions
from notifications.models import Notification

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


@pytest.fixture
def graded(org, make_incident):
    """A 较大 incident about 教育局, graded on a Monday morning, not sent back, not even dispatched."""
    with time_machine.travel(MONDAY, tick=False):
        return make_incident(title="网传某校食堂饭菜变质", grade="III", subject_unit=org.edu)


def told(title_part, channel="inbox"):
    return set(
        Notification.objects.filter(title__contains=title_part, channel=channel).values_list(
            "recipient__username", flat=True
        )
    )


def give(org, incident, **kwargs):
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        return instructions.give_instruction(
            org.leader, incident, text="请县教育局会同市场监管部门立即核查。", **kwargs
        )


def test_a_leader_gives_a_batch_on_any_incident_with_the_default_limit(org, graded):
    item = give(org, graded)
    deadline = item.deadline
    assert deadline.kind == DeadlineKind.LEADER_INSTRUCTION and deadline.unit is None  # the office's to answer
    assert deadline.due_at == MONDAY + timedelta(hours=1, days=3)  # 000 三.2: 原则上在3天内落实到位
    assert deadline.rule["policy"] == "领导批示落实时限（默认）" and "000 三.2" in deadline.rule["source"]
    assert told("【领导批示】") == {"duty"} and told("【领导批示】", "sms") == {"duty"}
    event = AuditEvent.objects.get(action="leader_instruction_given")
    assert event.incident_id == graded.pk and event.after["text"].startswith("请县教育局")


def test_the_leaders_own_limit_wins_and_a_past_one_is_refused(org, graded):
    due = MONDAY + timedelta(days=1)
    assert give(org, graded, due_at=due).deadline.due_at == due
    with pytest.raises(InvalidInput, match="落实时限须晚于现在"):
        give(org, graded, due_at=MONDAY)
    with pytest.raises(InvalidInput, match="请填写批示内容"):
        with time_machine.travel(MONDAY, tick=False):
            instructions.give_instruction(org.leader, graded, text="  ")
    assert LeaderInstruction.objects.count() == 1


def test_the_default_limit_is_the_admins_setting(org, graded):
    DeadlinePolicy.objects.filter(kind=DeadlineKind.LEADER_INSTRUCTION).update(duration="1d")
    assert give(org, graded).deadline.due_at == MONDAY + timedelta(hours=1, days=1)
    DeadlinePolicy.objects.filter(kind=DeadlineKind.LEADER_INSTRUCTION).update(is_active=False)
    with pytest.raises(InvalidInput, match="请指定落实时限"):
        give(org, graded)
    assert give(org, graded, due_at=MONDAY + timedelta(days=2)).deadline.due_at == MONDAY + timedelta(days=2)


def test_only_a_leader_who_sees_the_incident_gives_one(org, graded, make_incident):
    with pytest.raises(NotPermitted, match="只有领导可以下达批示"):
        instructions.give_instruction(org.duty, graded, text="批示")
    other = make_incident(title="卫健委的事", grade="IV", subject_unit=org.health)
    with pytest.raises(NotFound):
        instructions.give_instruction(org.edu_leader, other, text="批示")
    assert instructions.give_instruction(org.edu_leader, graded, text="请抓紧核实").given_by == org.edu_leader


def test_a_merged_duplicate_takes_no_batch(org, graded, make_incident):
    duplicate = make_incident(title="重复报送")
    services.merge_incident(org.duty, duplicate, into=graded, reason="同一事件")
    with pytest.raises(IllegalTransition, match="请在合并后的舆情上批示"):
        instructions.give_instruction(org.leader, duplicate, text="批示")


def test_the_engine_reminds_breaches_and_escalates_it(org, graded):
    item = give(org, graded)
    due = item.deadline.due_at
    run_timed_checks(due - timedelta(days=1))
    assert told("【到期提醒】领导批示落实时限") == {"duty"}
    run_timed_checks(due)
    item.deadline.refresh_from_db()
    assert item.deadline.state == Deadline.State.BREACHED and told("【督办】领导批示落实时限") == {"duty"}
    run_timed_checks(due + timedelta(days=1))
    # The office's own limit escalates to the office's leaders (here the county's), with the duty officers.
    assert told("【逾期升级】领导批示落实时限") == {"leader", "duty"}


def test_the_office_records_the_progress_meeting_the_deadline_and_telling_the_leader(org, graded):
    item = give(org, graded)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        instructions.report_instruction_progress(org.duty, item, progress="已转教育局核查，食堂已停业整顿。")
    item.refresh_from_db()
    item.deadline.refresh_from_db()
    assert item.progress_by == org.duty and item.deadline.state == Deadline.State.MET
    assert not item.deadline.steps.filter(state="pending").exists()  # no reminder or breach fires any more
    assert told("【批示落实】") == {"leader"}
    assert AuditEvent.objects.get(action="leader_instruction_carried_out").after["on_time"] is True
    with pytest.raises(IllegalTransition, match="落实情况已报告"):
        instructions.report_instruction_progress(org.duty, item, progress="再报一次")


def test_a_responsible_units_liaison_may_record_it_another_unit_may_not(org, graded):
    services.dispatch_incident(org.duty, graded, assignments=[(org.edu, TicketRole.LEAD)])
    item = give(org, graded)
    with pytest.raises(NotFound):  # 卫健委 does not even see the incident
        instructions.report_instruction_progress(org.health_liaison, item, progress="不是我们的事")
    with pytest.raises(NotPermitted):
        instructions.report_instruction_progress(org.leader, item, progress="领导自己报")
    late = MONDAY + timedelta(days=5)
    with time_machine.travel(late, tick=False):
        instructions.report_instruction_progress(org.edu_liaison, item, progress="已整改到位。")
    item.deadline.refresh_from_db()
    assert item.deadline.met_at == late and not item.deadline.on_time  # recorded, and counted late
    assert "（逾期）" in Notification.objects.get(title__contains="【批示落实】", recipient=org.leader).title


def test_a_batch_outlives_the_close_out(org, graded):
    (lead,) = services.dispatch_incident(org.duty, graded, assignments=[(org.edu, TicketRole.LEAD)])
    item = give(org, graded)
    services.claim_ticket(org.edu_liaison, lead)
    services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="经核实，已整改。")
    services.close_incident(org.duty, graded, opinion="同意销号")
    item.deadline.refresh_from_db()
    assert item.deadline.is_open  # its 落实情况 is still owed (000 三.2)


# --- the pages --------------------------------------------------------------------------------------------


def render_box(user, incident):
    request = RequestFactory().get("/")
    request.user = user
    template = engines["django"].from_string('{% include "incidents/_instructions.html" %}')
    return template.render({"incident": incident, "request": request}, request)


def test_the_partial_offers_each_person_their_action(org, graded):
    assert "下达批示" in render_box(org.leader, graded)
    assert 'data-testid="instructions"' not in render_box(org.duty, graded)  # nothing to show, nothing to do
    item = give(org, graded)
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        office = render_box(org.duty, graded)
        leader = render_box(org.leader, graded)
    assert (
        "请县教育局会同市场监管部门立即核查。" in office and reverse("instruction_progress", args=[item.pk]) in office
    )
    # The countdown's wording is the engine's (deadlines.selectors.countdown); one day and an hour are left.
    assert re.search(r'data-testid="instruction-countdown">剩余 ?1 ?天 ?1 ?小时', office)
    assert reverse("instruction_give", args=[graded.pk]) not in office
    assert reverse("instruction_progress", args=[item.pk]) not in leader and "下达批示" in leader
    instructions.report_instruction_progress(org.duty, item, progress="已落实。")
    assert "已报告落实情况" in render_box(org.leader, graded)


def test_the_actions_through_http(client, org, graded):
    client.force_login(org.leader)
    url = reverse("instruction_give", args=[graded.pk])
    refused = client.post(url, {"text": "", "due_at": ""})
    assert refused.status_code == 400 and "请填写批示内容。" in refused.content.decode()
    refused = client.post(url, {"text": "请核实", "due_at": "2020-01-01T09:00"})
    assert refused.status_code == 400 and "落实时限须晚于现在。" in refused.content.decode()
    assert not LeaderInstruction.objects.exists()
    done = client.post(url, {"text": "请核实并报告", "due_at": ""})
    assert done.status_code == 302 and done["Location"].endswith(f"/incidents/{graded.pk}/#instructions")
    item = LeaderInstruction.objects.get()
    progress_url = reverse("instruction_progress", args=[item.pk])
    assert client.post(progress_url, {"progress": "领导自己报"}).status_code == 403
    client.force_login(org.duty)
    assert client.post(url, {"text": "值班员不能批示"}).status_code == 403
    assert client.post(progress_url, {"progress": ""}).status_code == 400
    assert client.post(progress_url, {"progress": "已落实"}).status_code == 302
    item.refresh_from_db()
    assert item.progress == "已落实"
    client.force_login(org.health_liaison)
    assert client.get(progress_url).status_code == 404


def test_the_cockpit_lists_open_batches_with_their_countdown(client, org, graded):
    item = give(org, graded)
    client.force_login(org.leader)
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        page = client.get("/dashboard/").content.decode()
    table = page.split('data-testid="open-instructions"')[1].split("</table>")[0]
    assert "网传某校食堂饭菜变质" in table and re.search("剩余 ?1 ?天 ?1 ?小时", table) and "我的批示" in table
    assert 'data-testid="instructions-count"><div class="n">1<' in page
    with time_machine.travel(MONDAY + timedelta(days=2, hours=1), tick=False):
        instructions.report_instruction_progress(org.duty, item, progress="已落实。")
        page = client.get("/dashboard/").content.decode()
    assert "没有待落实的批示" in page
