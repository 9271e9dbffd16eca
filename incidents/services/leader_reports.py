"""报告领导: the reports to the leaders the office or the lead unit records (docs/rules.md §9.25)."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import InvalidInput, NotPermitted
from deadlines.scheduling import on_leader_reported
from incidents.models import Incident, LeaderReport, TicketRole
from incidents.services._common import locked_incident, office_kinds
from org.access import LIAISON, access_for


def _lead_unit_kinds(actor, incident):
    access = access_for(actor)
    kinds = office_kinds(actor)
    lead = incident.tickets.open().filter(role=TicketRole.LEAD).first()
    if lead is not None and lead.unit_id in access.liaison_unit_ids:
        kinds.add(LIAISON)
    return kinds


def may_record_leader_report(actor: User, incident: Incident) -> bool:
    """Whether `actor` may record a report to the leaders on `incident` (the office, or the lead unit's liaison)."""
    return bool(_lead_unit_kinds(actor, incident))


@transaction.atomic
def record_leader_report(
    actor: User,
    incident: Incident | int,
    *,
    channel: str,
    reported_to: str,
    note: str = "",
    reported_at: datetime | None = None,
    ip: str | None = None,
) -> LeaderReport:
    """报告领导: by the system, phone, SMS or paper (docs/rules.md §9.25); fulfils the report-to-leaders deadline
    (002 第八条: within 2 hours; 重大敏感 via the office within 2 hours; 001 #4 第十三条: 30 minutes for a 快报).
    A report made before the incident was seen cannot be: the time must lie between discovery and now."""
    incident = locked_incident(actor, incident)
    if not _lead_unit_kinds(actor, incident):
        raise NotPermitted("只有办公室或主办单位联络员可以登记报告领导情况。")
    if channel not in LeaderReport.Channel.values:
        raise InvalidInput("报告方式无效。", {"channel": ["报告方式无效。"]})
    reported_to = (reported_to or "").strip()
    if not reported_to:
        raise InvalidInput("请填写报告对象。", {"reported_to": ["请填写报告对象。"]})
    if len(reported_to) > 200:
        raise InvalidInput("报告对象不能超过 200 个字。", {"reported_to": ["报告对象不能超过 200 个字。"]})
    note = (note or "").strip()
    reported_at = reported_at or timezone.now()
    if reported_at > timezone.now():
        raise InvalidInput("报告时间不能晚于现在。", {"reported_at": ["报告时间不能晚于现在。"]})
    if reported_at < incident.first_seen_at:
        raise InvalidInput("报告时间不能早于发现时间。", {"reported_at": ["报告时间不能早于舆情发现时间。"]})
    report = LeaderReport.objects.create(
        incident=incident,
        channel=channel,
        reported_to=reported_to,
        note=note,
        reported_at=reported_at,
        reported_by=actor,
    )
    audit.record(
        actor,
        "leader_reported",
        report,
        after={"channel": channel, "reported_to": reported_to, "reported_at": reported_at},
        ip=ip,
        incident=incident,
    )
    on_leader_reported(incident, reported_at)
    return report
