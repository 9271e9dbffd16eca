"""Downloading a report version as its .docx or, for archiving, as PDF (`?format=pdf`). The PDF is
converted once per version and kept next to the .docx: a version never changes."""

from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse

from core.http import client_ip
from reporting.models import ReportVersion
from reporting.pdf import ConversionError, convert_to_pdf
from reporting.selectors import report_version

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def version_file_response(version):
    """The version's document as an attachment named after the report (the browser and GET /api/reports/…)."""
    extension = version.file.name.rsplit(".", 1)[-1]
    content_type = DOCX_CONTENT_TYPE if extension == "docx" else None  # not left to the host's mime.types
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=f"{version.report.title}-v{version.number}.{extension}",
        content_type=content_type,
    )


@login_required
def download_version(request, pk, number):
    try:
        version = report_version(request.user, pk, number, ip=client_ip(request))  # the one rule of who sees reports
    except ReportVersion.DoesNotExist:
        raise Http404("文档不存在或无权查看。") from None
    report = version.report
    stem = f"{report.title}-v{version.number}"
    if request.GET.get("format") != "pdf":
        return version_file_response(version)
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
