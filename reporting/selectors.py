"""Reads of reports. Who sees what (issue 6):
- the office (duty officers) sees every report, drafts included;
- any leader sees issued 日报 and periodic reports (周报/月报/季度通报);
- an issued report's recipients see it (专报 leaders, the distribution list);
- a unit's liaisons and leaders see the issued 督报 and 风险提示函 addressed to their unit.
Anyone else gets 404, even by id; nobody sees a report on a confidential incident they are not cleared for."""

from django.db.models import Exists, OuterRef, Q

from incidents.selectors import record_confidential_read, visible_incidents
from org.access import access_for
from reporting.models import Report, ReportVersion
from reporting.submissions import submission_status

UNIT_ADDRESSED = (Report.Kind.SUPERVISION, Report.Kind.RISK_NOTICE)


def visible_reports(user):
    access = access_for(user)
    if access.user_id is None:
        return Report.objects.none()
    # A report on a confidential incident is no wider than the incident itself (issue 4 clearance).
    reports = Report.objects.filter(Q(incident__isnull=True) | Q(incident__in=visible_incidents(user)))
    if access.is_office:
        return reports
    addressed = Report.recipients.through.objects.filter(report_id=OuterRef("pk"), user_id=user.pk)
    condition = Q(Exists(addressed))
    if access.is_leader:
        condition |= Q(kind__in=Report.PERIODIC)
    if access.visible_unit_ids:
        condition |= Q(kind__in=UNIT_ADDRESSED, unit_id__in=access.visible_unit_ids)
    return reports.filter(condition, status=Report.Status.ISSUED)


def report_list(user, *, kind=None, status=None):
    qs = visible_reports(user).select_related("unit", "issued_by", "incident")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def _record_read(user, report, ip):
    """A report on a confidential incident carries its content: reading it is audited like the incident."""
    if report.incident_id:
        record_confidential_read(user, report.incident, ip=ip)


def report_detail(user, pk, *, ip=None):
    """The report with its versions; Report.DoesNotExist when the user may not see it."""
    report = visible_reports(user).select_related("unit", "incident", "ticket", "issued_by", "created_by").get(pk=pk)
    _record_read(user, report, ip)
    report.version_list = list(report.versions.select_related("created_by").order_by("-number"))
    report.recipient_list = list(report.recipients.order_by("username"))
    return report


def report_version(user, report_pk, number, *, ip=None):
    """Version `number` of a report the user may see; ReportVersion.DoesNotExist otherwise (one query)."""
    version = ReportVersion.objects.select_related("report__incident").get(
        report__in=visible_reports(user), report_id=report_pk, number=number
    )
    _record_read(user, version.report, ip)
    return version


def daily_submission_status(user, day):
    """The collecting units' submissions for `day` as the user may see them: the office every collecting
    unit (who has, has not, late submitted), a liaison the collecting units it submits for, anyone else none."""
    access = access_for(user)
    if not (access.is_office or access.liaison_unit_ids):
        return []
    rows = submission_status(day)
    return rows if access.is_office else [row for row in rows if row.unit.pk in access.liaison_unit_ids]


def supervision_notices(user, ticket):
    return visible_reports(user).filter(kind=Report.Kind.SUPERVISION, ticket=ticket).order_by("created_at", "id")


def special_reports(user, incident):
    return visible_reports(user).filter(kind=Report.Kind.SPECIAL, incident=incident).order_by("created_at", "id")
