"""The reply of a high-attention item follows a joint review and cites it, on every path a reply is published
(002 第九条："关注度高的，经会商研判后5个工作日内回复"): the office's own reply (publish_reply, its page form and
POST /api/v1/incidents/{id}/replies/) and an approved draft (approve_reply, the 审签 page and
POST /api/v1/reply-drafts/{id}/approve/). "High-attention" is followup's one definition: the grades whose reply is
会商审定 (GradeSetting.reply_approver, admin-set; by default 重大 and 特别重大)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import InvalidInput
from core.models import AuditEvent
from followup import services as followup_services
from followup.citation import REVIEW_REQUIRED_CODE
from followup.models import ReviewedReply
from incidents import services
from incidents.models import Approver, Feedback, GradeSetting, Reply, ReplyDraft, TicketRole

from .api_support import api_as, relaxed_throttles  # noqa: F401

REPLY = {"kind": "initial", "channel": "县政府门户网站", "content": "经核实，情况如下。"}


def review(org, incident, *, held_at=None, caliber="以核实结果为准"):
    """A 会商研判 of the incident (002 第七条), held now unless told (computed when called, not at collection)."""
    return followup_services.record_joint_review(
        org.duty,
        incident,
        held_at=held_at or timezone.now(),
        units=[org.edu, org.health],
        nature="属实的投诉",
        trend="转发量上升",
        risks="可能引发质疑",
        handling="教育局牵头核实",
        caliber=caliber,
    )


@pytest.fixture
def item(make_incident):
    """An incident first seen a day ago (reviews may be dated earlier today), at a grade."""

    def make(grade, title="网传某校食堂问题"):
        return make_incident(title=title, grade=grade, first_seen_at=timezone.now() - timedelta(days=1))

    return make


@pytest.fixture
def claimed(org, item):
    """An item at `grade` led by 教育局, claimed and reported on: the unit may draft a reply."""

    def make(grade="II"):
        incident = item(grade)
        (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, ticket)
        services.submit_feedback(org.edu_liaison, ticket, kind=Feedback.Kind.REPORT, content="核实调查报告")
        ticket.refresh_from_db()
        return ticket

    return make


def nothing_published(incident):
    return (
        not Reply.objects.filter(incident=incident).exists()
        and not ReviewedReply.objects.exists()
        and not AuditEvent.objects.filter(incident=incident, action="reply_published").exists()
    )


def test_office_reply_on_a_high_attention_item_without_review_is_refused(org, make_incident):
    """002 第九条: a 重大 item's reply comes after the joint review; without one the office's reply is refused with a
    zh-hans message naming the clause and where to record the review, and a stable code; nothing is stored."""
    incident = make_incident(grade="II")
    with pytest.raises(InvalidInput) as refused:
        services.publish_reply(org.duty, incident, **REPLY)
    assert refused.value.code == REVIEW_REQUIRED_CODE == "joint_review_required"
    assert "002 第九条" in refused.value.message and "会商研判" in refused.value.message
    assert set(refused.value.field_errors) == {"review"}
    assert nothing_published(incident)


def test_office_reply_cites_the_latest_review_before_it_and_is_audited(org, item):
    """002 第九条: once reviewed, the ordinary reply path records which review it follows — the latest one held
    before the reply — with an audit event, in the same transaction as the reply."""
    incident = item("I")
    now = timezone.now()
    first = review(org, incident, held_at=now - timedelta(hours=2))
    latest = review(org, incident, held_at=now - timedelta(minutes=10))
    reply = services.publish_reply(org.duty, incident, **REPLY)
    assert ReviewedReply.objects.get(reply=reply).review == latest != first
    event = AuditEvent.objects.get(incident=incident, action="reply_cites_joint_review")
    assert event.after == {"review": latest.pk} and audit.action_label(event) == "回应引用会商研判"


def test_a_chosen_review_is_cited_and_a_wrong_one_refused(org, item):
    """002 第九条: the office may cite an earlier review; a review of another item, or one held after the reply was
    published, is no basis for it (refused, nothing stored)."""
    incident, other = item("II"), item("II", title="另一舆情")
    now = timezone.now()
    earlier = review(org, incident, held_at=now - timedelta(hours=3))
    review(org, incident, held_at=now - timedelta(hours=1))
    elsewhere = review(org, other)
    with pytest.raises(InvalidInput, match="不属于该舆情"):
        services.publish_reply(org.duty, incident, **REPLY, cite=elsewhere)
    with pytest.raises(InvalidInput, match="晚于回应的发布时间"):
        services.publish_reply(org.duty, incident, **REPLY, published_at=now - timedelta(hours=4), cite=earlier)
    assert nothing_published(incident)
    reply = services.publish_reply(org.duty, incident, **REPLY, cite=earlier.pk)
    assert ReviewedReply.objects.get(reply=reply).review == earlier


def test_a_backdated_reply_before_any_review_is_refused(org, make_incident):
    """002 第九条 (经会商研判后回复): a review held after the reply's publication time does not cover it."""
    incident = make_incident(grade="II")
    review(org, incident)
    with pytest.raises(InvalidInput) as refused:
        services.publish_reply(org.duty, incident, **REPLY, published_at=timezone.now() - timedelta(hours=1))
    assert refused.value.code == REVIEW_REQUIRED_CODE
    assert nothing_published(incident)


def test_ordinary_items_need_no_review_but_cite_one_that_exists(org, make_incident):
    """002 第九条: an 一般 item's reply needs no joint review; where the office held one anyway, the reply cites it."""
    plain = make_incident(grade="IV")
    reply = services.publish_reply(org.duty, plain, **REPLY)
    assert not ReviewedReply.objects.filter(reply=reply).exists()
    reviewed = make_incident(title="较大舆情", grade="III")
    held = review(org, reviewed)
    assert ReviewedReply.objects.get(reply=services.publish_reply(org.duty, reviewed, **REPLY)).review == held


def test_high_attention_follows_the_admin_set_approver(org, make_incident):
    """002 第九条 with GradeSetting: "high-attention" is followup's definition (the reply is 会商审定), so a grade the
    administrator sets to 会商审定 needs the review too, and one set back to the unit's leader does not."""
    GradeSetting.objects.update_or_create(grade="III", defaults={"reply_approver": Approver.OFFICE})
    GradeSetting.objects.update_or_create(grade="II", defaults={"reply_approver": Approver.LEADER})
    with pytest.raises(InvalidInput):
        services.publish_reply(org.duty, make_incident(grade="III"), **REPLY)
    assert services.publish_reply(org.duty, make_incident(title="重大但由单位审定", grade="II"), **REPLY)


def test_approving_a_draft_needs_the_review_and_then_cites_it(org, claimed):
    """002 第九条 on the draft → 审签 → publish path: approving a 重大 item's draft without a review is refused and
    the draft stays pending; after the review, approval publishes and cites it."""
    ticket = claimed("II")
    draft = services.draft_reply(org.edu_liaison, ticket, **REPLY)
    with pytest.raises(InvalidInput) as refused:
        services.approve_reply(org.duty, draft, note="同意")
    assert refused.value.code == REVIEW_REQUIRED_CODE
    draft.refresh_from_db()
    assert draft.state == ReplyDraft.State.PENDING and nothing_published(ticket.incident)
    held = review(org, ticket.incident)
    services.approve_reply(org.leader, draft, note="同意")
    draft.refresh_from_db()
    assert draft.state == ReplyDraft.State.APPROVED
    assert ReviewedReply.objects.get(reply=draft.reply).review == held


def test_api_refuses_with_a_stable_code_and_stores_nothing(org, make_incident, api_as):  # noqa: F811
    """002 第九条 over the API: 400 problem+json with code joint_review_required and the field `review`."""
    incident = make_incident(grade="II")
    response = api_as(org.duty).post(f"/api/v1/incidents/{incident.pk}/replies/", REPLY, format="json")
    body = response.json()
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert body["code"] == "joint_review_required" and "002 第九条" in body["detail"]
    assert "review" in body["errors"]
    assert nothing_published(incident)
    review(org, incident)
    response = api_as(org.duty).post(f"/api/v1/incidents/{incident.pk}/replies/", REPLY, format="json")
    assert response.status_code == 201
    assert ReviewedReply.objects.filter(reply_id=response.json()["id"]).exists()


def test_api_approval_cites_the_chosen_review(org, claimed, api_as):  # noqa: F811
    """002 第九条: POST /api/v1/reply-drafts/{id}/approve/ refuses without a review (code joint_review_required),
    takes `review` to cite a chosen one, and refuses another item's review (400, nothing stored)."""
    ticket = claimed("I")
    draft = services.draft_reply(org.edu_liaison, ticket, **REPLY)
    url = f"/api/v1/reply-drafts/{draft.pk}/approve/"
    refused = api_as(org.duty).post(url, {"note": "同意"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "joint_review_required"
    now = timezone.now()
    chosen = review(org, ticket.incident, held_at=now - timedelta(hours=1))
    review(org, ticket.incident, held_at=now - timedelta(minutes=5))
    wrong = api_as(org.duty).post(url, {"note": "同意", "review": 10**9}, format="json")
    assert wrong.status_code == 400 and wrong.json()["errors"]["review"] == ["所引会商研判不属于该舆情。"]
    assert nothing_published(ticket.incident)
    done = api_as(org.duty).post(url, {"note": "同意", "review": chosen.pk}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "approved"
    draft.refresh_from_db()
    assert ReviewedReply.objects.get(reply=draft.reply).review == chosen


def test_page_shows_the_refusal_and_where_to_record_the_review(org, make_incident, client):
    """002 第九条 on the incident page: the office's reply form answers 400 with the clause, the hint and a link to
    the page's 会商研判 section; nothing is published."""
    incident = make_incident(grade="II")
    client.force_login(org.duty)
    data = {f"reply-{name}": value for name, value in REPLY.items()}
    response = client.post(reverse("incident_action", args=[incident.pk, "reply"]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "依据 002 第九条" in page and "登记会商研判" in page and 'href="#joint-review"' in page
    assert nothing_published(incident)
