"""会商研判 (issue 17): the office convenes a review of a 重大敏感 item (002 第七条; 003 三(二); 004 二(四)、五(一)),
recorded on the incident (audited) and as a 会商纪要; a high-attention item's reply runs "经会商研判后5个工作日"
(002 第九条): its deadline is re-based on the review, and the reply must cite it."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from core.errors import InvalidInput, NotFound, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineKind
from followup import services
from followup.models import JointReview, ReviewedReply
from incidents import services as incident_services
from incidents.models import Feedback, Reply, TicketRole

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


def review_fields(org, **over):
    fields = {
        "held_at": MONDAY + timedelta(days=3, hours=1),
        "units": [org.edu, org.health],
        "experts": "张某（某大学新闻学院教授）\n李某（律师）",
        "nature": "属实的食品安全投诉，涉及未成年人",
        "trend": "转发量仍在上升，或引发线下聚集",
        "risks": "若处置迟缓，可能引发对监管部门的质疑",
        "handling": "教育局牵头，卫健委配合，48小时内完成抽检",
        "caliber": "以事实为准，公布抽检结果，不作推测",
    }
    return fields | over


@pytest.fixture
def reported(org, make_incident):
    """A 重大 (II) item dispatched on Monday, its 核实调查报告 in on Tuesday: the reply deadline (5wd) runs."""
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(grade="II")
        lead, _ = incident_services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
        incident_services.claim_ticket(org.edu_liaison, lead)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        incident_services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="核实情况属实")
    incident.refresh_from_db()
    return incident


def reply_deadline(incident):
    return Deadline.objects.open().get(incident=incident, kind=DeadlineKind.REPLY)


def test_review_recorded_audited_and_the_reply_deadline_rebased(org, reported):
    """002 第七条, 002 第九条: the review is recorded with its judgement and 口径; the reply deadline (5 working days)
    now runs from the review, the old one cancelled, the change audited."""
    before = reply_deadline(reported)
    assert before.started_at == MONDAY + timedelta(days=1)
    with time_machine.travel(MONDAY + timedelta(days=3, hours=2), tick=False):
        review = services.record_joint_review(org.duty, reported, **review_fields(org))
    assert review.caliber.startswith("以事实为准")
    assert {u.name for u in review.units.all()} == {"教育局", "卫健委"}
    assert review.experts.splitlines() == ["张某（某大学新闻学院教授）", "李某（律师）"]
    after = reply_deadline(reported)
    assert after.pk != before.pk and after.started_at == review.held_at
    # Thursday 10:00 + 5 working days: the next Thursday, end of the working day.
    assert after.due_at.date() == (MONDAY + timedelta(days=10)).date()
    assert Deadline.objects.get(pk=before.pk).state == Deadline.State.CANCELLED
    actions = set(AuditEvent.objects.filter(incident=reported).values_list("action", flat=True))
    assert {"joint_review_recorded", "deadline_rebased"} <= actions


def test_minutes_document_reads_back(org, reported):
    """002 第七条: the review is kept as a 会商纪要 (.docx): the judgement, the handling and the 口径 are in it."""
    with time_machine.travel(MONDAY + timedelta(days=3, hours=2), tick=False):
        review = services.record_joint_review(org.duty, reported, **review_fields(org))
    text = "\n".join(p.text for p in Document(io.BytesIO(bytes(review.document))).paragraphs)
    assert "会商纪要" in text
    for phrase in ("教育局、卫健委", "张某（某大学新闻学院教授）", "性质研判", "转发量仍在上升", "不作推测"):
        assert phrase in text


def test_only_the_office_records_a_review(org, reported):
    """002 第七条: the office (舆情办公室) organises the review; a unit's liaison cannot record one."""
    with time_machine.travel(MONDAY + timedelta(days=3, hours=2), tick=False), pytest.raises(NotPermitted):
        services.record_joint_review(org.edu_liaison, reported, **review_fields(org))
    assert not JointReview.objects.exists()


def test_invalid_review_changes_nothing(org, reported):
    """002 第七条: participants, judgement and 口径 are required, the time not in the future; nothing changes."""
    before = reply_deadline(reported)
    with time_machine.travel(MONDAY + timedelta(days=3, hours=2), tick=False), pytest.raises(InvalidInput) as err:
        services.record_joint_review(
            org.duty,
            reported,
            **review_fields(org, units=[], caliber=" ", held_at=MONDAY + timedelta(days=5)),
        )
    assert set(err.value.field_errors) == {"units", "caliber", "held_at"}
    assert err.value.field_errors["caliber"] == ["请填写回应口径。"]
    assert not JointReview.objects.exists()
    assert reply_deadline(reported).pk == before.pk
    assert not AuditEvent.objects.filter(action="joint_review_recorded").exists()


def test_ordinary_item_keeps_its_reply_deadline(org, make_incident):
    """002 第九条: only a high-attention item's reply runs from the review; a 一般 (IV) item's 3-working-day reply
    from the report stays as it was."""
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(grade="IV")
        lead, _ = incident_services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
        incident_services.claim_ticket(org.edu_liaison, lead)
        incident_services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已核实")
    before = reply_deadline(incident)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        services.record_joint_review(org.duty, incident, **review_fields(org, held_at=MONDAY + timedelta(hours=3)))
    assert reply_deadline(incident).pk == before.pk


def test_reply_must_cite_the_review(org, reported):
    """002 第九条: a high-attention item is replied to after the joint review: a reply that cites none is refused
    (nothing published); one citing the review is published, meets the reply deadline and keeps the citation."""
    reply = {"kind": Reply.Kind.RESULT, "channel": "政务微博", "content": "经核查，抽检合格。"}
    with time_machine.travel(MONDAY + timedelta(days=3, hours=2), tick=False):
        with pytest.raises(InvalidInput) as err:
            services.publish_reviewed_reply(org.duty, reported, review=None, **reply)
        assert "002 第九条" in err.value.message
        assert not Reply.objects.exists()
        review = services.record_joint_review(org.duty, reported, **review_fields(org))
    with time_machine.travel(MONDAY + timedelta(days=4), tick=False):
        published = services.publish_reviewed_reply(org.duty, reported, review=review, **reply)
    assert ReviewedReply.objects.get(reply=published).review == review
    assert not Deadline.objects.open().filter(incident=reported, kind=DeadlineKind.REPLY).exists()


def test_reply_cannot_cite_another_incidents_review(org, reported, make_incident):
    """002 第九条: the review cited must be this item's."""
    with time_machine.travel(MONDAY, tick=False):
        other = make_incident(title="另一条舆情", grade="II")
    with time_machine.travel(MONDAY + timedelta(days=3, hours=2), tick=False):
        foreign = services.record_joint_review(org.duty, other, **review_fields(org))
        with pytest.raises(InvalidInput):
            services.publish_reviewed_reply(
                org.duty, reported, review=foreign, kind=Reply.Kind.RESULT, channel="微博", content="回应"
            )
    assert not Reply.objects.exists()


def test_a_review_of_an_unseen_incident_is_a_404(org, reported):
    """002 第七条 / unit isolation: a liaison of another unit cannot even find the incident."""
    with pytest.raises((NotFound, NotPermitted)):
        services.record_joint_review(org.police_liaison, reported, **review_fields(org))


def test_page_records_a_review_and_shows_the_caliber_by_the_reply_form(client, org, reported):
    """002 第七条, 002 第九条: the office records the review on the page; the 口径 is shown next to the reply form;
    a reply without the review is refused on the form (400, Chinese, nothing published)."""
    client.force_login(org.duty)
    url = reverse("followup_page", args=[reported.pk])
    with time_machine.travel(MONDAY + timedelta(days=3, hours=2), tick=False):
        assert client.get(url).status_code == 200
        bad = client.post(
            reverse("followup_act", args=[reported.pk, "reply"]),
            {"kind": "result", "channel": "微博", "content": "回应"},
        )
        assert bad.status_code == 400 and "002 第九条" in bad.content.decode()
        assert not Reply.objects.exists()
        fields = review_fields(org)
        data = {k: v for k, v in fields.items() if k != "units"} | {
            "units": [org.edu.pk, org.health.pk],
            "held_at": "2026-11-26T10:00",
        }
        response = client.post(reverse("followup_act", args=[reported.pk, "review"]), data)
        assert response.status_code == 302
        page = client.get(url).content.decode()
        doc = client.get(reverse("followup_review_document", args=[JointReview.objects.get().pk]))
    assert 'data-testid="reply-caliber"' in page and "不作推测" in page
    assert doc.status_code == 200 and doc.content[:2] == b"PK"


def test_page_is_not_found_for_an_unseen_incident(client, org, reported):
    """002 第七条 / unit isolation: another unit's liaison gets a 404, not the review."""
    client.force_login(org.police_liaison)
    assert client.get(reverse("followup_page", args=[reported.pk])).status_code == 404
