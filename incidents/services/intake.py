"""Intake: logging a collected item (采集报送, docs/rules.md T1/T2), the idempotent intake of monitoring
platforms (issue 4), and merging a duplicate into another incident."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput
from deadlines.scheduling import on_tickets_ended
from incidents import search, uploads
from incidents.models import Attachment, Incident, SourceLink
from incidents.selectors import visible_incidents
from incidents.services._common import locked_incident, move_incident, move_ticket, office_kinds, require
from incidents.workflow import INCIDENT
from org.access import require_role

REPORT_FIELDS = (
    "title",
    "summary",
    "category",
    "subject_unit",
    "location",
    "posted_at",
    "first_seen_at",
    "views",
    "comments",
    "reposts",
    "site_count",
    "media_level",
    "is_historical",
    "is_confidential",
)


@transaction.atomic
def report_incident(
    actor: User,
    *,
    links: Iterable[dict[str, Any]] = (),
    files: Iterable[File] = (),
    ip: str | None = None,
    external_id: str | None = None,
    **fields: Any,
) -> Incident:
    """Log a collected item (采集报送, docs/rules.md T1/T2). Duty officers and unit liaisons may report."""
    require_role(actor, ("is_office", "is_liaison"), "只有值班员或联络员可以报送舆情。")
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{', '.join(sorted(unknown))}")
    title = (fields.get("title") or "").strip()
    if not title:
        raise InvalidInput("请填写标题。", {"title": ["请填写标题。"]})
    files = uploads.accepted(files)  # size and type by content, before anything is written (issue 11 §4)
    incident = Incident(reported_by=actor, reported_at=timezone.now(), external_id=external_id or None, **fields)
    incident.title = title
    if incident.first_seen_at and incident.first_seen_at > timezone.now():
        raise InvalidInput("发现时间不能晚于现在。", {"first_seen_at": ["发现时间不能晚于现在。"]})
    incident.save()
    for link in links:
        SourceLink.objects.create(incident=incident, **link)
    for f in files:
        Attachment.objects.create(incident=incident, file=f, uploaded_by=actor)
    search.refresh(incident)
    audit.record(
        actor,
        "report",
        incident,
        after=audit.snapshot(incident, ("status", "title") + REPORT_FIELDS[2:]),
        ip=ip,
        incident=incident,
    )
    return incident


def _existing_by_external_id(actor, external_id):
    pk = Incident.objects.filter(external_id=external_id).values_list("pk", flat=True).first()
    if pk is None:
        return None
    incident = visible_incidents(actor).filter(pk=pk).first()
    if incident is None:
        # Say only that the number is taken: nothing about the incident the caller may not see.
        raise Conflict("该外部编号已被占用，不能重复报送，请联系办公室。", {"external_id": ["该外部编号已被占用。"]})
    return incident


@transaction.atomic
def report_incident_once(
    actor: User, *, external_id: str, ip: str | None = None, **fields: Any
) -> tuple[Incident, bool]:
    """Idempotent intake for monitoring platforms (issue 4): the platform's own id (e.g. "weibo:12345")
    makes a repeated push return the incident already logged, `(incident, False)`, instead of a duplicate.
    A number taken by an incident the caller may not see is a Conflict that reveals nothing else."""
    require_role(actor, ("is_office", "is_liaison"), "只有值班员或联络员可以报送舆情。")
    existing = _existing_by_external_id(actor, external_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return report_incident(actor, external_id=external_id, ip=ip, **fields), True
    except IntegrityError:
        # A concurrent push of the same item committed first; the unique index decided, answer as a repeat.
        existing = _existing_by_external_id(actor, external_id)
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def merge_incident(
    actor: User, incident: Incident | int, *, into: Incident | int, reason: str = "", ip: str | None = None
) -> Incident:
    """Merge a duplicate into another incident: its open tickets are cancelled and its links move over."""
    incident = locked_incident(actor, incident)
    require(INCIDENT, "merge", office_kinds(actor))
    INCIDENT.transition("merge", incident.status)
    target = visible_incidents(actor).filter(pk=into.pk if isinstance(into, Incident) else into).first()
    if target is None:
        raise InvalidInput("合并目标不存在。", {"into": ["合并目标不存在。"]})
    if target.pk == incident.pk:
        raise InvalidInput("不能合并到自身。", {"into": ["不能合并到自身。"]})
    if not target.is_open:
        raise InvalidInput("只能合并到未办结的舆情。", {"into": ["只能合并到未办结的舆情。"]})
    for ticket in incident.tickets.open().select_related("unit", "incident"):
        move_ticket(actor, ticket, "cancel", reason=f"舆情已合并至 {target.number}", ip=ip)
    known = set(target.links.values_list("url", flat=True))
    for link in incident.links.all():
        if link.url not in known:
            SourceLink.objects.create(
                incident=target, platform=link.platform, url=link.url, first_seen_at=link.first_seen_at
            )
    search.refresh(target)  # the links it received are searched as its own
    incident.merged_into = target
    move_incident(actor, incident, "merge", reason=reason, ip=ip, after_extra={"merged_into": target.number})
    audit.record(
        actor, "merge_received", target, after={"merged": incident.number}, reason=reason, ip=ip, incident=target
    )
    on_tickets_ended(incident)
    return incident
