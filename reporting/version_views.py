"""Downloading a report version as its .docx or, for archiving, as PDF (`?format=pdf`)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from core.http import client_ip
from reporting.downloads import version_file_response, version_pdf_response
from reporting.models import ReportVersion
from reporting.pdf import ConversionError
from reporting.selectors import report_version


@login_required
def download_version(request, pk, number):
    try:
        version = report_version(request.user, pk, number, ip=client_ip(request))  # the one rule of who sees reports
    except ReportVersion.DoesNotExist:
        raise Http404("文档不存在或无权查看。") from None
    if request.GET.get("format") != "pdf":
        return version_file_response(version)
    try:
        return version_pdf_response(version)
    except ConversionError as exc:
        return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
