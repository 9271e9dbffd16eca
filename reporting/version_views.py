"""Downloading a report version as its .docx or, for archiving, as PDF (`?format=pdf`). The PDF is
converted once per version and kept next to the .docx: a version never changes."""

from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404

from incidents.access import access_for
from incidents.selectors import visible_incidents

from .models import Report, ReportVersion
from .pdf import ConversionError, convert_to_pdf


def downloadable_reports(user):
    """The office and county-wide leaders: every report. Leaders: the periodic reports and 专报, and what is
    addressed to their units. Liaisons: issued documents addressed to their unit. Never a report on a
    confidential incident the user is not cleared for."""
    access = access_for(user)
    reports = Report.objects.filter(Q(incident__isnull=True) | Q(incident__in=visible_incidents(user)))
    if access.sees_everything:
        return reports
    allowed = Q(pk__in=[])
    if access.is_leader:
        allowed |= Q(kind__in=[*Report.PERIODIC, Report.Kind.SPECIAL]) | Q(unit_id__in=access.leader_unit_ids)
    if access.is_liaison:
        allowed |= Q(unit_id__in=access.liaison_unit_ids, status=Report.Status.ISSUED)
    return reports.filter(allowed)


@login_required
def download_version(request, pk, number):
    report = get_object_or_404(downloadable_reports(request.user), pk=pk)
    version = get_object_or_404(ReportVersion, report=report, number=number)
    stem = f"{report.title}-v{version.number}"
    if request.GET.get("format") != "pdf":
        extension = version.file.name.rsplit(".", 1)[-1]
        return FileResponse(version.file.open("rb"), as_attachment=True, filename=f"{stem}.{extension}")
    pdf_name = version.file.name.rsplit(".", 1)[0] + ".pdf"
    if not default_storage.exists(pdf_name):
        with version.file.open("rb") as source:
            data, extension = source.read(), version.file.name.rsplit(".", 1)[-1]
        try:
            pdf = convert_to_pdf(data, extension=extension)
        except ConversionError as exc:
            return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
        pdf_name = default_storage.save(pdf_name, ContentFile(pdf))
    return FileResponse(default_storage.open(pdf_name, "rb"), as_attachment=True, filename=f"{stem}.pdf")
