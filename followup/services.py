"""Every write of the follow-through (issue 17): permission, validation, the change, its documents and deadlines and
the audit record in one transaction. Only the office (舆情办公室) convenes reviews, reports upward and receives what
the city hands down."""

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core import audit
from core.errors import IllegalTransition, InvalidInput, NotFound
from deadlines.scheduling import (
    on_city_assignment_received,
    on_city_assignment_reported,
    rebase_replies_on_joint_review,
)
from followup import documents as texts
from followup.models import CityAssignment, JointReview, UpperBody, UpwardReport
from followup.selectors import high_attention, signers
from incidents.models import Incident, Reply, Ticket, TicketRole
from incidents.services import dispatch_incident
from incidents.services._common import locked_incident
from incidents.services.replies import publish_reply
from org.access import require_role
from org.models import Unit
from reporting.documents import render_docx
from reporting.documents.numbering import doc_number
from reporting.models import Report, ReportSettings

OFFICE_ONLY = "只有舆情办公室可以进行此操作。"


def _text(value: str, field: str, label: str, errors: dict, *, required: bool = True, limit: int = 5000) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = [f"请填写{label}。"]
    elif len(value) > limit:
        errors[field] = [f"{label}不能超过 {limit} 个字。"]
    return value


def _past(value: datetime | None, field: str, label: str, errors: dict) -> datetime | None:
    if value is None:
        errors[field] = [f"请填写{label}。"]
    elif value > timezone.now():
        errors[field] = [f"{label}不能晚于现在。"]
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise InvalidInput("；".join(e[0] for e in errors.values()), errors)


def _open(incident: Incident, what: str) -> None:
    if not incident.is_open:
        raise IllegalTransition(f"当前状态为「{incident.get_status_display()}」，不能{what}。")


@transaction.atomic
def record_joint_review(
    actor: User,
    incident: Incident | int,
    *,
    held_at: datetime | None,
    units: Sequence[Unit],
    experts: str = "",
    nature: str,
    trend: str,
    risks: str,
    handling: str,
    caliber: str,
    ip: str | None = None,
) -> JointReview:
    """会商研判 of a 重大敏感 item: "对重大敏感舆情，及时组织相关单位会商研判" (002 第七条; 003 三(二); 004 二(四)、五(一)).
    Records who took part (units and experts), when, the judgement of 性质、趋势、风险, the agreed 处置意见 and the
    口径, renders the 会商纪要, and — for an item whose reply is 会商审定 — re-bases the reply deadline on the review:
    "关注度高的，经会商研判后5个工作日内回复" (002 第九条)."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", OFFICE_ONLY)
    _open(incident, "登记会商研判")
    errors: dict[str, list[str]] = {}
    _past(held_at, "held_at", "会商时间", errors)
    if held_at is not None and held_at < incident.first_seen_at:
        errors["held_at"] = ["会商时间不能早于发现舆情的时间。"]
    units = list(units)
    if not units:
        errors["units"] = ["请选择参会单位。"]
    expert_names = [line.strip() for line in (experts or "").splitlines() if line.strip()]
    if any(len(n) > 100 for n in expert_names):
        errors["experts"] = ["每位专家一行，每行不超过 100 个字。"]
    fields = {
        "nature": _text(nature, "nature", "性质研判", errors),
        "trend": _text(trend, "trend", "趋势研判", errors),
        "risks": _text(risks, "risks", "风险研判", errors),
        "handling": _text(handling, "handling", "处置意见", errors),
        "caliber": _text(caliber, "caliber", "回应口径", errors),
    }
    _raise(errors)
    assert held_at is not None
    document = render_docx(
        texts.joint_review_content(
            incident, held_at=held_at, unit_names=[u.name for u in units], experts=expert_names, **fields
        )
    )
    review = JointReview.objects.create(
        incident=incident,
        held_at=held_at,
        experts="\n".join(expert_names),
        document=document,
        recorded_by=actor,
        **fields,
    )
    review.units.set(units)
    audit.record(
        actor,
        "joint_review_recorded",
        review,
        after={"held_at": held_at, "units": [u.name for u in units], "experts": expert_names} | fields,
        ip=ip,
        incident=incident,
    )
    if high_attention(incident):
        rebase_replies_on_joint_review(incident, held_at, actor=actor, ip=ip)
    return review


@transaction.atomic
def publish_reviewed_reply(
    actor: User,
    incident: Incident | int,
    *,
    review: JointReview | int | None,
    kind: str,
    channel: str,
    content: str,
    url: str = "",
    published_at: datetime | None = None,
    ip: str | None = None,
) -> Reply:
    """The office's reply to a high-attention item cites the joint review it follows (002 第九条：经会商研判后回复).
    The rule is followup.citation's check, run by publish_reply on every reply path (incidents.reply_checks): a
    high-attention item's reply without a review is refused; the chosen review (or, with none chosen, the latest held
    before the reply) is cited, audited."""
    return publish_reply(
        actor,
        incident,
        kind=kind,
        channel=channel,
        content=content,
        url=url,
        published_at=published_at,
        cite=review,
        ip=ip,
    )


def highest_upward_sequence(year: int) -> int:
    """The highest number an upward 专报 took in `year` (0 for none): reporting's numbering counts it."""
    return UpwardReport.objects.filter(year=year).aggregate(n=Max("sequence"))["n"] or 0


def take_upward_number(reported_at: datetime) -> dict:
    """The upward 专报's 发文字号 (GB/T 9704-2012 7.2.4; reporting.documents.numbering's form): the administrator's
    专报（上行文）代字 (ReportSettings.number_prefix_special), the year it was sent in 〔〕 and the next number of the
    专报 sent upward that year, counting those the reporting app numbered with the same 代字 too, so the series has no
    duplicates. The settings row is locked while the number is taken, as take_number() does (same lock, so the two
    series never interleave wrongly); the unique (year, sequence) backs it."""
    year = timezone.localtime(reported_at).year
    ReportSettings.current()
    settings = ReportSettings.objects.select_for_update().get(pk=1)
    here = highest_upward_sequence(year)
    issued = (
        Report.objects.filter(kind=Report.Kind.SPECIAL, year=year)
        .exclude(doc_number="")
        .aggregate(n=Max("sequence"))["n"]
        or 0
    )
    sequence = max(here, issued) + 1
    return {
        "year": year,
        "sequence": sequence,
        "doc_number": doc_number(settings.number_prefix_special, year, sequence),
    }


@transaction.atomic
def record_upward_report(
    actor: User,
    incident: Incident | int,
    *,
    body: UpperBody | int | None,
    signer: User | int | None,
    reason: str,
    reported_at: datetime | None,
    ip: str | None = None,
) -> UpwardReport:
    """Report an item upward: "属地在本区、责任主体不在本区的舆情，报市委办公厅、市委网宣办" (000 三); important items to
    the city 网信办 (004 二(三)3). The 专报 goes as a 上行文 whose 签发人 is the leader chosen here (a county or
    office leader), rendered and kept with the record."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", OFFICE_ONLY)
    errors: dict[str, list[str]] = {}
    body_pk = body.pk if isinstance(body, UpperBody) else body
    upper = UpperBody.objects.filter(pk=body_pk, is_active=True).first() if body_pk else None
    if upper is None:
        errors["body"] = ["请选择报送的上级单位。"]
    signer_pk = signer.pk if isinstance(signer, User) else signer
    chosen = next((u for u in signers() if u.pk == signer_pk), None)
    if chosen is None:
        errors["signer"] = ["签发人须为县领导或办公室领导。"]
    reason = _text(reason, "reason", "报送事由", errors)
    _past(reported_at, "reported_at", "报送时间", errors)
    _raise(errors)
    assert upper is not None and chosen is not None and reported_at is not None
    numbers = take_upward_number(reported_at)
    document = render_docx(
        texts.upward_report_content(
            incident,
            body_name=upper.name,
            signer=chosen,
            reason=reason,
            reported_at=reported_at,
            doc_number=numbers["doc_number"],
        )
    )
    report = UpwardReport.objects.create(
        incident=incident,
        body=upper,
        reported_at=reported_at,
        signer=chosen,
        reason=reason,
        document=document,
        recorded_by=actor,
        **numbers,
    )
    audit.record(
        actor,
        "upward_report_recorded",
        report,
        after={
            "body": upper.name,
            "signer": texts._name(chosen),
            "reported_at": reported_at,
            "reason": reason,
            "doc_number": numbers["doc_number"],
        },
        ip=ip,
        incident=incident,
    )
    return report


@transaction.atomic
def receive_city_assignment(
    actor: User,
    incident: Incident | int,
    *,
    body: UpperBody | int | None,
    reference: str,
    received_at: datetime | None,
    city_due_at: datetime | None,
    ip: str | None = None,
) -> CityAssignment:
    """市级交办: an item the city hands down, with its number and the city's own time limit. The report back to the
    city becomes a deadline of its own (市级交办反馈时限, swept like every deadline), and the city's limit is the
    explicit limit of the dispatch (000 三.2：有明确时间要求的，必须按照规定时间落实到位; dispatch_city_assignment)."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", OFFICE_ONLY)
    _open(incident, "登记市级交办")
    errors: dict[str, list[str]] = {}
    body_pk = body.pk if isinstance(body, UpperBody) else body
    upper = UpperBody.objects.filter(pk=body_pk, is_active=True).first() if body_pk else None
    if upper is None:
        errors["body"] = ["请选择交办的上级单位。"]
    reference = _text(reference, "reference", "市级交办编号", errors, limit=100)
    _past(received_at, "received_at", "接收时间", errors)
    if city_due_at is None:
        errors["city_due_at"] = ["请填写市级反馈时限。"]
    elif city_due_at <= timezone.now():
        errors["city_due_at"] = ["市级反馈时限必须晚于现在。"]
    if CityAssignment.objects.filter(incident=incident).exists():
        errors["reference"] = ["该舆情已登记市级交办。"]
    _raise(errors)
    assert upper is not None and received_at is not None and city_due_at is not None
    deadline = on_city_assignment_received(incident, received_at, city_due_at)
    assignment = CityAssignment.objects.create(
        incident=incident,
        body=upper,
        reference=reference,
        received_at=received_at,
        city_due_at=city_due_at,
        deadline=deadline,
        recorded_by=actor,
    )
    audit.record(
        actor,
        "city_assignment_received",
        assignment,
        after={"body": upper.name, "reference": reference, "received_at": received_at, "city_due_at": city_due_at},
        ip=ip,
        incident=incident,
    )
    return assignment


def dispatch_city_assignment(
    actor: User,
    incident: Incident | int,
    *,
    lead: Unit,
    assists: Sequence[Unit] = (),
    instructions: str = "",
    ip: str | None = None,
) -> list[Ticket]:
    """Dispatch a 市级交办 item with the city's limit as the explicit limit of every ticket (000 三.2)."""
    with transaction.atomic():
        assignment = CityAssignment.objects.filter(incident=incident).first()
        if assignment is None:
            raise NotFound("该舆情没有市级交办。")
        assignments = [(lead, TicketRole.LEAD)] + [(u, TicketRole.ASSIST) for u in assists if u != lead]
        return dispatch_incident(
            actor,
            incident,
            assignments=assignments,
            due_at=assignment.city_due_at,
            instructions=instructions or f"市级交办（{assignment.reference}），请按市级时限办理。",
            ip=ip,
        )


@transaction.atomic
def report_back_to_city(
    actor: User, incident: Incident | int, *, content: str, reported_at: datetime | None, ip: str | None = None
) -> CityAssignment:
    """The report back to the city on a 市级交办 item: meets its 市级交办反馈时限 (late if past the city's limit)."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", OFFICE_ONLY)
    assignment = CityAssignment.objects.select_for_update().filter(incident=incident).first()
    if assignment is None:
        raise NotFound("该舆情没有市级交办。")
    if assignment.reported_back_at is not None:
        raise IllegalTransition("已向市里反馈，不能重复反馈。")
    errors: dict[str, list[str]] = {}
    content = _text(content, "content", "反馈内容", errors)
    _past(reported_at, "reported_at", "反馈时间", errors)
    if reported_at is not None and reported_at < assignment.received_at:
        errors["reported_at"] = ["反馈时间不能早于接收时间。"]
    _raise(errors)
    assert reported_at is not None
    assignment.reported_back_at, assignment.report_back = reported_at, content
    assignment.save(update_fields=["reported_back_at", "report_back"])
    on_city_assignment_reported(assignment.deadline_id, reported_at)
    audit.record(
        actor,
        "city_assignment_reported",
        assignment,
        after={"reported_back_at": reported_at, "content": content, "on_time": reported_at <= assignment.city_due_at},
        ip=ip,
        incident=incident,
    )
    return assignment


__all__ = [
    "dispatch_city_assignment",
    "publish_reviewed_reply",
    "receive_city_assignment",
    "record_joint_review",
    "record_upward_report",
    "report_back_to_city",
]
