"""Reads of reports. Who sees what (issue 6):
- the office (duty officers) sees every report, drafts included;
- any leader sees issued 日报 and periodic reports (周报/月报/季度通报);
- an issued report's recipients see it (专报 leaders, the distribution list);
- a unit's liaisons and leaders see the issued 督报 and 风险提示函 addressed to their unit, and those recalled
  (marked 已撤回), never a draft.
Anyone else gets 404, even by id; nobody sees a report on a confidential incident they are not cleared for."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from incidents.models import Incident, Ticket
from incidents.selectors import record_confidential_read, visible_incidents
from org.access import AnyUser, access_for
from reporting.models import Report, ReportVersion
from reporting.submissions import SubmissionStatus, submission_status

UNIT_ADDRESSED = (Report.Kind.SUPERVISION, Report.Kind.RISK_NOTICE)


def visible_reports(user: AnyUser) -> QuerySet[Report]:
    access = access_for(user)
    if access.user_id is None:
        return Report.objects.none()
    # A report on a confidential incident is no wider than the incident itself (issue 4 clearance).
    reports = Report.objects.filter(Q(incident__isnull=True) | Q(incident__in=visible_incidents(user)))
    if access.is_office:
        return reports
    addressed = Report.recipients.through.objects.filter(report_id=OuterRef("pk"), user_id=access.user_id)
    condition = Q(Exists(addressed))
    if access.is_leader:
        condition |= Q(kind__in=Report.PERIODIC)
    if access.visible_unit_ids:
        condition |= Q(kind__in=UNIT_ADDRESSED, unit_id__in=access.visible_unit_ids)
    # A recalled 督报/风险提示函 stays readable to those it reached, marked 已撤回: their withdrawal notice links to it.
    return reports.filter(condition, status__in=(Report.Status.ISSUED, Report.Status.RECALLED))


def report_list(user: AnyUser, *, kind: str | None = None, status: str | None = None) -> QuerySet[Report]:
    qs = visible_reports(user).select_related("unit", "issued_by", "incident")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def _record_read(user: AnyUser, report: Report, ip: str | None) -> None:
    """A report on a confidential incident carries its content: reading it is audited like the incident."""
    if report.incident is not None:  # no query: None when incident_id is, else already selected
        record_confidential_read(user, report.incident, ip=ip)


def report_detail(user: AnyUser, pk: int | str, *, ip: str | None = None) -> Report:
    """The report with its versions; Report.DoesNotExist when the user may not see it."""
    report = visible_reports(user).select_related("unit", "incident", "ticket", "issued_by", "created_by").get(pk=pk)
    _record_read(user, report, ip)
    # Display attributes the report page reads, set here; the model declares no such attributes.
    report.version_list = list(report.versions.select_related("created_by").order_by("-number"))  # type: ignore[attr-defined]
    report.recipient_list = list(report.recipients.order_by("username"))  # type: ignore[attr-defined]
    return report


def report_version(user: AnyUser, report_pk: int | str, number: int | str, *, ip: str | None = None) -> ReportVersion:
    """Version `number` of a report the user may see; ReportVersion.DoesNotExist otherwise (one query)."""
    version = ReportVersion.objects.select_related("report__incident").get(
        report__in=visible_reports(user), report_id=report_pk, number=number
    )
    _record_read(user, version.report, ip)
    return version


def daily_submission_status(user: AnyUser, day: datetime.date) -> list[SubmissionStatus]:
    """The collecting units' submissions for `day` as the user may see them: the office every collecting
    unit (who has, has not, late submitted), a liaison the collecting units it submits for, anyone else none."""
    access = access_for(user)
    if not (access.is_office or access.liaison_unit_ids):
        return []
    rows = submission_status(day)
    return rows if access.is_office else [row for row in rows if row.unit.pk in access.liaison_unit_ids]


def supervision_notices(user: AnyUser, ticket: Ticket) -> QuerySet[Report]:
    return visible_reports(user).filter(kind=Report.Kind.SUPERVISION, ticket=ticket).order_by("created_at", "id")


def special_reports(user: AnyUser, incident: Incident) -> QuerySet[Report]:
    return visible_reports(user).filter(kind=Report.Kind.SPECIAL, incident=incident).order_by("created_at", "id")
