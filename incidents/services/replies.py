"""Replies: the office's own published replies, and the units' reply drafts with their approval: 回应待审定 →
已回应 (docs/rules.md §2.3, T18/T19, §2.6, §4.6, §9.7, §9.27).

A liaison of the ticket's unit drafts; the approver the incident's grade requires decides. Approval publishes the
reply through _publish_reply, so the reply deadlines are met exactly as for any published reply; a send-back
carries the approver's instruction (批示), which becomes a tracked instruction deadline when it has a time limit
(deadlines.scheduling.on_instruction, as signoff.send_back_incident does) and is met by the unit's revised
draft."""

from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import IllegalTransition, InvalidInput, NotFound, NotPermitted
from deadlines.scheduling import on_instruction, on_reply_published, on_reply_redrafted
from incidents.models import Approver, Grade, GradeSetting, Incident, Reply, ReplyDraft, Ticket
from incidents.reply_checks import Publication, run_checks
from incidents.selectors import visible_reply_drafts
from incidents.services._common import locked_incident, locked_ticket, require, ticket_kinds
from incidents.workflow import REPLY_DRAFT, TICKET
from notifications.notify import notify
from org.access import LEADER, OFFICE, access_for, require_role
from org.recipients import county_leaders, duty_officers, leaders, liaisons

PUBLICATION_URL_ERROR = "请填写有效的链接（以 http:// 或 https:// 开头）。"


def publication_url_ok(url: str) -> bool:
    """Where a reply was published: an http(s) link that fits Reply.url (1000)."""
    try:
        if len(url) > 1000:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True


@transaction.atomic
def publish_reply(
    actor: User,
    incident: Incident | int,
    *,
    kind: str,
    channel: str,
    content: str,
    url: str = "",
    published_at: datetime | None = None,
    cite=None,
    ip: str | None = None,
) -> Reply:
    """Record a reply the office itself published (新闻通稿, 发布会: the single outlet, plan #4 第二十五条); it
    fulfils the reply deadlines. A unit cannot publish on its own (docs/rules.md §9.27: not without the approval the
    grade requires): its draft goes through approval instead (approve_reply below). `cite` is handed to the
    registered reply checks (incidents.reply_checks): followup's 会商研判 to cite (002 第九条), else the latest."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", "单位的回应须拟写回应稿并经审定后发布；只有办公室可以直接登记已发布的回应。")
    url = (url or "").strip()
    if len((channel or "").strip()) > 100:
        raise InvalidInput("发布渠道不能超过 100 个字。", {"channel": ["发布渠道不能超过 100 个字。"]})
    if url and not publication_url_ok(url):
        raise InvalidInput("发布链接无效。", {"url": [PUBLICATION_URL_ERROR]})
    return _publish_reply(
        actor,
        incident,
        kind=kind,
        channel=channel,
        content=content,
        url=url,
        published_at=published_at,
        cite=cite,
        ip=ip,
    )


def _publish_reply(
    actor, incident, *, kind, channel, content, url="", published_at=None, cite=None, ip=None, after_extra=None
):
    """The publication itself, for a caller that has locked the incident and checked the actor: the registered
    reply checks (incidents.reply_checks: they may refuse, and record what the reply cites), the Reply, its audit
    event, and the reply deadlines met (deadlines.scheduling.on_reply_published)."""
    if not incident.is_open:
        raise IllegalTransition(f"当前状态为「{incident.get_status_display()}」，不能登记回应。")
    if kind not in Reply.Kind.values:
        raise InvalidInput("回应类型无效。", {"kind": ["回应类型无效。"]})
    content, channel = (content or "").strip(), (channel or "").strip()
    if not content or not channel:
        raise InvalidInput("请填写回应内容和发布渠道。", {"content": ["必填"], "channel": ["必填"]})
    published_at = published_at or timezone.now()
    if published_at > timezone.now():
        raise InvalidInput("发布时间不能晚于现在。", {"published_at": ["发布时间不能晚于现在。"]})
    after_publish = run_checks(Publication(actor, incident, published_at, cite=cite, ip=ip))
    reply = Reply.objects.create(
        incident=incident,
        kind=kind,
        channel=channel,
        url=url,
        content=content,
        published_at=published_at,
        published_by=actor,
    )
    audit.record(
        actor,
        "reply_published",
        reply,
        after={"kind": kind, "channel": channel, "url": url, "published_at": published_at} | (after_extra or {}),
        ip=ip,
        incident=incident,
    )
    for record in after_publish:
        record(reply)
    on_reply_published(incident, published_at)
    return reply


DRAFT_FIELDS = ("state",)


def _default_reply_approver(grade):
    # 002 第九条: general items the unit's principal leader; high-attention items 会商审定 by the office.
    return Approver.OFFICE if grade in (Grade.I, Grade.II) else Approver.LEADER


def reply_approver(grade: str) -> str:
    """Who approves a reply at this grade (GradeSetting.reply_approver, admin-configurable)."""
    configured = GradeSetting.objects.filter(grade=grade).values_list("reply_approver", flat=True).first()
    return configured or _default_reply_approver(grade)


def reply_approvers() -> dict[str, str]:
    """{grade: approver} for every grade, in one query (the sign-off queue filters by it)."""
    configured = dict(GradeSetting.objects.values_list("grade", "reply_approver"))
    return {g: configured.get(g) or _default_reply_approver(g) for g in Grade.values}


def _approval_kinds(actor, draft, approver):
    access = access_for(actor)
    if approver == Approver.OFFICE:
        # 会商审定: the office, or a county-level leader (who oversees every unit).
        return ({OFFICE} if access.is_office else set()) | ({LEADER} if access.oversees_all else set())
    if approver == Approver.COUNTY:
        # 县领导审定: a county-level leader only; the drafting unit's own leader does not replace them.
        return {LEADER} if access.oversees_all else set()
    # The unit's principal leader: a leader whose units include the drafting unit (county leaders oversee all).
    return {LEADER} if draft.ticket.unit_id in access.leader_unit_ids else set()


def _require_approver(actor, draft, incident, action):
    approver = reply_approver(incident.grade)
    kinds = _approval_kinds(actor, draft, approver)
    if not kinds:
        if approver == Approver.OFFICE:
            raise NotPermitted(f"「{incident.get_grade_display()}」舆情的回应须由办公室会商审定或县领导审定。")
        if approver == Approver.COUNTY:
            raise NotPermitted(f"「{incident.get_grade_display()}」舆情的回应须由县领导审定（002 第九条）。")
        raise NotPermitted(f"该回应稿须由{draft.ticket.unit.name}的领导审定。")
    return require(REPLY_DRAFT, action, kinds)


def _locked_draft(actor: User, draft: ReplyDraft | int) -> ReplyDraft:
    pk = draft.pk if isinstance(draft, ReplyDraft) else draft
    locked = (
        visible_reply_drafts(actor)
        .select_for_update(of=("self",))
        .select_related("ticket__unit", "incident")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound("回应稿不存在或无权查看。")
    return locked


def _clean_draft(kind, channel, content, url):
    channel, content, url = (channel or "").strip(), (content or "").strip(), (url or "").strip()
    errors = {}
    if kind not in Reply.Kind.values:
        errors["kind"] = ["请选择回应类型。"]
    if not channel:
        errors["channel"] = ["请填写发布渠道。"]
    elif len(channel) > 100:
        errors["channel"] = ["发布渠道不能超过 100 个字。"]
    if not content:
        errors["content"] = ["请填写回应内容。"]
    if url and not publication_url_ok(url):
        errors["url"] = [PUBLICATION_URL_ERROR]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(f"回应稿填写有误：{first}", errors)
    return channel, content, url


@transaction.atomic
def draft_reply(
    actor: User, ticket: Ticket | int, *, kind: str, channel: str, content: str, url: str = "", ip: str | None = None
) -> ReplyDraft:
    """拟写回应稿 (docs/rules.md T18/T19): a liaison of the ticket's unit, while the unit works on it (claimed, handling
    or reported back), drafts a reply for approval. Replies come more than once (docs/rules.md §9.8), so several
    drafts may be pending. A revised draft answers the instructions of the unit's sent-back drafts. The approvers
    are told."""
    ticket = locked_ticket(actor, ticket)
    require(TICKET, "draft_reply", ticket_kinds(actor, ticket))
    TICKET.transition("draft_reply", ticket.status)
    channel, content, url = _clean_draft(kind, channel, content, url)
    incident = ticket.incident
    now = timezone.now()
    draft = ReplyDraft.objects.create(
        incident=incident,
        ticket=ticket,
        kind=kind,
        channel=channel,
        url=url,
        content=content,
        drafted_by=actor,
        drafted_at=now,
    )
    audit.record(
        actor,
        "reply_drafted",
        draft,
        after={"state": draft.state, "kind": kind, "channel": channel, "url": url, "unit": ticket.unit.name},
        ip=ip,
        incident=incident,
        ticket=ticket,
    )
    on_reply_redrafted(ticket, now)
    approver = reply_approver(incident.grade)
    if approver == Approver.OFFICE:
        approvers = duty_officers()
    elif approver == Approver.COUNTY:
        approvers = county_leaders()
    else:
        approvers = leaders(ticket.unit)
    notify(
        approvers,
        title=f"回应稿待审定：{incident.title}",
        body=f"{ticket.unit.name}拟写了「{draft.get_kind_display()}」回应稿，请审定。",
        link=reverse("signoff"),
        incident=incident,
        ticket=ticket,
    )
    return draft


@transaction.atomic
def approve_reply(
    actor: User, draft: ReplyDraft | int, *, note: str = "", cite=None, ip: str | None = None
) -> ReplyDraft:
    """审定发布 (002 第九条; docs/rules.md §4.6, §9.27): for grades whose replies a leader approves (by default 一般/较大),
    a leader overseeing the drafting unit; for the office's grades (by default 重大/特别重大, 会商审定), the office
    or a county-level leader. Approval publishes the reply and meets the reply deadlines; the registered reply
    checks apply as to publish_reply (`cite`: the 会商研判 the reply follows, 002 第九条)."""
    draft = _locked_draft(actor, draft)
    incident = Incident.objects.select_for_update().get(pk=draft.incident_id)
    t = _require_approver(actor, draft, incident, "approve_reply")
    REPLY_DRAFT.transition("approve_reply", draft.state)
    note = (note or "").strip()
    reply = _publish_reply(
        actor,
        incident,
        kind=draft.kind,
        channel=draft.channel,
        content=draft.content,
        url=draft.url,
        cite=cite,
        ip=ip,
        after_extra={"draft": draft.pk, "drafted_by": draft.drafted_by_id},
    )
    before = audit.snapshot(draft, DRAFT_FIELDS)
    draft.state, draft.decided_by, draft.decided_at = t.target_from(draft.state), actor, reply.published_at
    draft.decision_note, draft.reply = note, reply
    draft.save()
    audit.record(
        actor,
        "reply_approved",
        draft,
        before=before,
        after=audit.snapshot(draft, DRAFT_FIELDS) | {"reply": reply.pk, "unit": draft.ticket.unit.name},
        reason=note,
        ip=ip,
        incident=incident,
        ticket=draft.ticket,
    )
    return draft


@transaction.atomic
def send_back_reply(
    actor: User, draft: ReplyDraft | int, *, instruction: str, due_at: datetime | None = None, ip: str | None = None
) -> ReplyDraft:
    """退回修改 with an instruction (批示): the same approvers as approve_reply. An instruction with a time limit
    becomes a tracked instruction deadline on the drafting unit's ticket (交办、承办、督办, 002 第八条), met when the
    unit submits its revised draft; the unit's liaisons are told."""
    draft = _locked_draft(actor, draft)
    incident = draft.incident
    t = _require_approver(actor, draft, incident, "send_back_reply")
    REPLY_DRAFT.transition("send_back_reply", draft.state)
    ticket = draft.ticket
    if not TICKET.allows("draft_reply", ticket.status):
        raise IllegalTransition(f"转办单当前状态为「{ticket.get_status_display()}」，单位已不能修改回应稿，不能退回。")
    instruction = (instruction or "").strip()
    if not instruction:
        raise InvalidInput("请填写批示（修改意见）。", {"instruction": ["请填写批示（修改意见）。"]})
    now = timezone.now()
    if due_at is not None and due_at <= now:
        raise InvalidInput("批示办理时限须晚于现在。", {"due_at": ["批示办理时限须晚于现在。"]})
    before = audit.snapshot(draft, DRAFT_FIELDS)
    draft.state, draft.decided_by, draft.decided_at = t.target_from(draft.state), actor, now
    draft.decision_note = instruction
    deadline = None
    if due_at is not None:
        ticket.incident = incident
        draft.instruction_deadline = deadline = on_instruction(ticket, due_at)
    draft.save()
    audit.record(
        actor,
        "reply_sent_back",
        draft,
        before=before,
        after=audit.snapshot(draft, DRAFT_FIELDS) | {"due_at": due_at, "unit": ticket.unit.name},
        reason=instruction,
        ip=ip,
        incident=incident,
        ticket=ticket,
    )
    limit = f"请于 {timezone.localtime(due_at):%Y-%m-%d %H:%M} 前修改后重新报审。" if due_at else "请修改后重新报审。"
    # An SMS carries only the title: the limit and the 批示 come before the incident's title, which may be cut.
    notify(
        liaisons(ticket.unit),
        title=f"回应稿被退回修改：{limit}批示：{instruction}｜{incident.title}",
        body=f"批示：{instruction}。{limit}",
        link=reverse("ticket_detail", args=[ticket.pk]),
        incident=incident,
        ticket=ticket,
        channels=deadline.rule.get("channels", "inbox") if deadline is not None else "inbox",
    )
    return draft
