"""Downloading a report version as its .docx or, for archiving, as PDF (`?format=pdf`). The PDF is
converted once per version and kept next to the .docx: a version never changes."""

from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404

from .models import ReportVersion
from .pdf import ConversionError, convert_to_pdf
from .selectors import visible_reports


@login_required
def download_version(request, pk, number):
    report = get_object_or_404(visible_reports(request.user), pk=pk)  # the one rule of who sees reports
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
