"""Reply drafts and their approval (issue 5; docs/rules.md §2.3 回应待审定 → 已回应, T18, §4.6, §9.7, §9.27): the unit's
liaison drafts, the approver the grade requires publishes it or sends it back with an instruction (批示)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import IllegalTransition, InvalidInput, NotFound, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline
from incidents import services
from incidents.models import Feedback, GradeSetting, Reply, ReplyDraft, TicketRole
from notifications.models import Notification
from org.models import Role

from .api_support import relaxed_throttles, token_client  # noqa: F401
from .factories import joint_review, person

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
DRAFT = {
    "kind": "initial",
    "channel": "政民互动平台网络新闻发言人版块",
    "content": "我局已关注网民反映的问题，正在核实。",
}


@pytest.fixture
def handling(org, make_incident):
    """An incident led by 教育局, claimed and reported on (the reply clock runs from the report), at a grade."""

    def make(grade="IV", report=True, title="网传某校食堂问题"):
        incident = make_incident(title=title, grade=grade)
        (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, ticket)
        if report:
            services.submit_feedback(org.edu_liaison, ticket, kind=Feedback.Kind.REPORT, content="核实调查报告")
        ticket.refresh_from_db()
        return ticket

    return make


def test_liaison_drafts_and_the_unit_leader_approves_publishing_it_in_time(org, handling):
    with time_machine.travel(MONDAY, tick=False):
        ticket = handling("IV")
        reply_deadline = Deadline.objects.get(incident=ticket.incident, ticket__isnull=True, kind="reply")
        draft = services.draft_reply(org.edu_liaison, ticket, **DRAFT, url="https://bbs.example.cn/t/9")
    assert draft.state == "pending" and not Reply.objects.exists()  # nothing is public before approval
    assert Notification.objects.filter(recipient=org.edu_leader, title__startswith="回应稿待审定").exists()
    reply_deadline.refresh_from_db()
    assert reply_deadline.state == "pending"

    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        services.approve_reply(org.edu_leader, draft, note="同意发布")
    draft.refresh_from_db()
    reply = Reply.objects.get()
    assert draft.state == "approved" and draft.reply == reply and draft.decided_by == org.edu_leader
    assert (reply.content, reply.channel, reply.url, reply.kind) == (
        DRAFT["content"],
        DRAFT["channel"],
        "https://bbs.example.cn/t/9",
        "initial",
    )
    reply_deadline.refresh_from_db()
    assert reply_deadline.state == "met" and reply_deadline.met_at == MONDAY + timedelta(hours=2)
    actions = list(AuditEvent.objects.filter(incident=ticket.incident).values_list("action", flat=True))
    assert actions[-3:] == ["reply_drafted", "reply_published", "reply_approved"]
    approved = AuditEvent.objects.get(action="reply_approved")
    assert approved.actor == org.edu_leader and approved.before == {"state": "pending"}
    assert approved.after["state"] == "approved" and approved.reason == "同意发布"


def test_a_high_attention_draft_is_approved_by_the_office_or_a_county_leader_not_the_unit_leader(org, handling):
    ticket = handling("II")
    first = services.draft_reply(org.edu_liaison, ticket, **DRAFT)
    assert Notification.objects.filter(recipient=org.duty, title__startswith="回应稿待审定").exists()
    events = AuditEvent.objects.count()
    with pytest.raises(NotPermitted) as refused:
        services.approve_reply(org.edu_leader, first)
    assert refused.value.status_code == 403 and "会商审定" in refused.value.message
    with pytest.raises(NotPermitted):
        services.send_back_reply(org.edu_leader, first, instruction="改")
    first.refresh_from_db()
    assert first.state == "pending" and AuditEvent.objects.count() == events and not Reply.objects.exists()

    joint_review(org, ticket.incident)  # 002 第九条: 经会商研判后回复
    services.approve_reply(org.duty, first)  # 会商审定 by the office
    second = services.draft_reply(org.edu_liaison, ticket, **{**DRAFT, "kind": "result"})
    services.approve_reply(org.leader, second)  # or a county-level leader
    assert list(Reply.objects.values_list("kind", "published_by")) == [
        ("initial", org.duty.pk),
        ("result", org.leader.pk),
    ]


def test_the_office_may_not_approve_a_general_reply_and_the_admin_can_move_the_split(org, handling):
    ticket = handling("IV")
    draft = services.draft_reply(org.edu_liaison, ticket, **DRAFT)
    with pytest.raises(NotPermitted) as refused:
        services.approve_reply(org.duty, draft)
    assert "教育局的领导审定" in refused.value.message
    GradeSetting.objects.filter(grade="IV").update(reply_approver="office")
    with pytest.raises(NotPermitted):
        services.approve_reply(org.edu_leader, draft)
    joint_review(org, ticket.incident)  # now 会商审定, so high-attention: 经会商研判后回复 (002 第九条)
    services.approve_reply(org.duty, draft)
    assert ReplyDraft.objects.get().state == "approved"


def test_send_back_with_an_instruction_tracks_its_deadline_and_the_redraft_meets_it(org, handling):
    with time_machine.travel(MONDAY, tick=False):
        ticket = handling("IV", report=False)
        draft = services.draft_reply(org.edu_liaison, ticket, **DRAFT)
        due = datetime(2026, 11, 24, 17, 0, tzinfo=SH)
        services.send_back_reply(org.edu_leader, draft, instruction="请补充已采取的整改措施", due_at=due)
    draft.refresh_from_db()
    assert draft.state == "sent_back" and draft.decision_note == "请补充已采取的整改措施" and not Reply.objects.exists()
    instruction = Deadline.objects.get(kind="instruction")
    assert draft.instruction_deadline == instruction
    assert (instruction.incident, instruction.ticket, instruction.due_at, instruction.state) == (
        ticket.incident,
        ticket,
        due,
        "pending",
    )
    told = Notification.objects.filter(title__startswith="回应稿被退回修改")
    assert {n.recipient for n in told} == {org.edu_liaison, org.edu_liaison2}
    assert "请补充已采取的整改措施" in told.first().body and "2026-11-24 17:00" in told.first().body
    event = AuditEvent.objects.get(action="reply_sent_back")
    assert event.reason == "请补充已采取的整改措施" and event.ticket_id == ticket.pk

    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        # The unit's report does not answer an instruction on its reply; its revised draft does.
        services.submit_feedback(org.edu_liaison, ticket, kind=Feedback.Kind.REPORT, content="核实调查报告")
        instruction.refresh_from_db()
        assert instruction.state == "pending"
        revised = services.draft_reply(org.edu_liaison2, ticket, **{**DRAFT, "content": "已整改：……"})
    instruction.refresh_from_db()
    assert instruction.state == "met" and instruction.met_at == MONDAY + timedelta(hours=3)
    assert revised.state == "pending"
    services.approve_reply(org.edu_leader, revised)
    assert Reply.objects.get().content == "已整改：……"


def test_deciding_twice_is_a_conflict(org, handling):
    ticket = handling("IV")
    draft = services.draft_reply(org.edu_liaison, ticket, **DRAFT)
    services.approve_reply(org.edu_leader, draft)
    events = AuditEvent.objects.count()
    for decide in (
        lambda: services.approve_reply(org.leader, draft),
        lambda: services.send_back_reply(org.edu_leader, draft, instruction="再改"),
    ):
        with pytest.raises(IllegalTransition) as conflict:
            decide()
        assert conflict.value.status_code == 409 and "已审定发布" in conflict.value.message
    assert Reply.objects.count() == 1 and AuditEvent.objects.count() == events


def test_other_units_see_nothing_and_other_roles_may_not_act(org, handling):
    police_leader = person("police_leader", org.police, Role.LEADER)
    ticket = handling("IV")
    with pytest.raises(NotFound):
        services.draft_reply(org.police_liaison, ticket, **DRAFT)
    draft = services.draft_reply(org.edu_liaison, ticket, **DRAFT)
    for outsider in (police_leader, org.police_liaison, org.health_liaison):
        with pytest.raises(NotFound) as hidden:
            services.approve_reply(outsider, draft)
        assert hidden.value.status_code == 404
        with pytest.raises(NotFound):
            services.send_back_reply(outsider, draft, instruction="改")
    for not_a_liaison in (org.duty, org.edu_leader, org.leader):
        with pytest.raises(NotPermitted):
            services.draft_reply(not_a_liaison, ticket, **DRAFT)
    with pytest.raises(NotPermitted):
        services.approve_reply(org.edu_liaison, draft)  # nobody approves their own unit's draft as liaison
    assert ReplyDraft.objects.get().state == "pending"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"kind": "statement"}, "kind"),
        ({"channel": "  "}, "channel"),
        ({"content": ""}, "content"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "bbs.example.cn/t/9"}, "url"),
    ],
)
def test_a_bad_draft_is_refused_with_its_field_and_changes_nothing(org, handling, changes, field):
    ticket = handling("IV")
    events, notices = AuditEvent.objects.count(), Notification.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.draft_reply(org.edu_liaison, ticket, **{**DRAFT, **changes})
    assert refused.value.status_code == 400 and field in refused.value.field_errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.field_errors[field][0])
    assert not ReplyDraft.objects.exists()
    assert (AuditEvent.objects.count(), Notification.objects.count()) == (events, notices)


def test_a_send_back_needs_an_instruction_and_a_future_time_limit(org, handling):
    ticket = handling("IV")
    draft = services.draft_reply(org.edu_liaison, ticket, **DRAFT)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as missing:
        services.send_back_reply(org.edu_leader, draft, instruction="  ")
    assert "instruction" in missing.value.field_errors
    with pytest.raises(InvalidInput) as past:
        services.send_back_reply(org.edu_leader, draft, instruction="改", due_at=datetime(2020, 1, 1, tzinfo=SH))
    assert "due_at" in past.value.field_errors
    draft.refresh_from_db()
    assert draft.state == "pending" and not Deadline.objects.filter(kind="instruction").exists()
    assert AuditEvent.objects.count() == events


def test_drafting_needs_a_claimed_open_ticket(org, make_incident, handling):
    incident = make_incident(grade="IV")
    (unclaimed,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    with pytest.raises(IllegalTransition):
        services.draft_reply(org.edu_liaison, unclaimed, **DRAFT)
    ticket = handling("IV", title="已销号的舆情")
    services.close_incident(org.duty, ticket.incident, opinion="同意")
    with pytest.raises(IllegalTransition):
        services.draft_reply(org.edu_liaison, ticket, **DRAFT)
    assert not ReplyDraft.objects.exists()


def test_the_liaison_drafts_on_the_ticket_page_and_the_leader_decides_on_the_signoff_page(client, org, handling):
    with time_machine.travel(MONDAY, tick=False):
        ticket = handling("IV", title="某校食堂饭菜变质")
        url = reverse("ticket_detail", args=[ticket.pk])
        action = reverse("ticket_action", args=[ticket.pk, "reply-draft"])
        client.force_login(org.edu_liaison)
        page = client.get(url).content.decode()
        assert 'data-action="reply-draft"' in page and "暂无回应稿。" in page
        bad = {
            "reply-draft-kind": "initial",
            "reply-draft-channel": "政务微博",
            "reply-draft-url": "not a link",
            "reply-draft-content": "我局已关注并正在核实。",
        }
        response = client.post(action, bad)
        page = response.content.decode()
        assert response.status_code == 400 and "请填写有效的链接（以 http:// 或 https:// 开头）。" in page
        assert "我局已关注并正在核实。" in page and 'value="not a link"' in page  # what was typed is kept
        response = client.post(action, {**bad, "reply-draft-url": "", "reply-draft-content": ""})
        assert response.status_code == 400 and "请填写回应内容。" in response.content.decode()
        assert not ReplyDraft.objects.exists()
        response = client.post(action, {**bad, "reply-draft-url": "https://weibo.com/1"})
        assert response.status_code == 302
        assert "待审定" in client.get(url).content.decode()
        draft = ReplyDraft.objects.get()

        client.force_login(org.duty)  # 一般: not the office's to approve
        assert "某校食堂饭菜变质" not in client.get(reverse("signoff")).content.decode().split("回应稿待审定")[1]
        client.force_login(org.edu_leader)
        assert 'data-action="reply-draft"' not in client.get(url).content.decode()  # no draft form for a leader
        page = client.get(reverse("signoff")).content.decode()
        section = page.split("回应稿待审定")[1]
        assert "某校食堂饭菜变质" in section and "我局已关注并正在核实。" in section and "教育局" in section
        assert "Ⅳ级 一般" in section and "2026-11-23 10:00" in section and ticket.incident.number in section
        response = client.post(reverse("signoff"), {"draft": draft.pk, f"r{draft.pk}-decision": "send_back"})
        assert response.status_code == 400 and "退回修改须填写批示。" in response.content.decode()
        response = client.post(
            reverse("signoff"),
            {
                "draft": draft.pk,
                f"r{draft.pk}-decision": "send_back",
                f"r{draft.pk}-instruction": "请写明整改时限",
                f"r{draft.pk}-due_at": "2026-11-24T17:00",
            },
        )
        assert response.status_code == 302
        assert "某校食堂饭菜变质" not in client.get(reverse("signoff")).content.decode().split("回应稿待审定")[1]

        client.force_login(org.edu_liaison)
        page = client.get(url).content.decode()
        assert "已退回修改" in page and "请写明整改时限" in page and "批示办理时限 2026-11-24 17:00" in page
        client.post(
            action, {**bad, "reply-draft-url": "", "reply-draft-content": "我局已完成整改，11月30日前公布结果。"}
        )
        revised = ReplyDraft.objects.get(state="pending")

        client.force_login(org.edu_leader)
        response = client.post(
            reverse("signoff"), {"draft": revised.pk, f"r{revised.pk}-decision": "approve"}, follow=True
        )
        assert "已审定并发布回应：某校食堂饭菜变质" in response.content.decode()
    assert Reply.objects.get().content == "我局已完成整改，11月30日前公布结果。"
    assert Deadline.objects.get(kind="instruction").state == "met"


def test_the_api_drafts_and_decides_like_the_pages(org, handling, relaxed_throttles):  # noqa: F811
    ticket = handling("II")
    liaison = token_client(org.edu_liaison)
    response = liaison.post(f"/api/tickets/{ticket.pk}/reply-drafts/", {**DRAFT, "url": "ftp://x"}, format="json")
    assert response.status_code == 400 and "url" in response.json()["errors"]
    response = liaison.post(f"/api/tickets/{ticket.pk}/reply-drafts/", DRAFT, format="json")
    assert response.status_code == 201 and response.json()["state"] == "pending"
    draft_id = response.json()["id"]
    assert token_client(org.edu_leader).get(f"/api/reply-drafts/{draft_id}/").json()["unit_name"] == "教育局"
    refused = token_client(org.edu_leader).post(f"/api/reply-drafts/{draft_id}/approve/", {}, format="json")
    assert refused.status_code == 403 and "会商审定" in refused.json()["detail"]
    office = token_client(org.duty)
    response = office.post(
        f"/api/reply-drafts/{draft_id}/send-back/",
        {"instruction": "请统一口径", "due_at": "2030-01-10T17:00:00+08:00"},
        format="json",
    )
    body = response.json()
    assert response.status_code == 200 and body["state"] == "sent_back" and body["decision_note"] == "请统一口径"
    assert body["instruction_due_at"] == "2030-01-10T17:00:00+08:00"
    again = office.post(f"/api/reply-drafts/{draft_id}/approve/", {}, format="json")
    assert again.status_code == 409
    listed = liaison.get("/api/reply-drafts/", {"state": "sent_back"}).json()["results"]
    assert [d["id"] for d in listed] == [draft_id]
