"""The downloads the pages and the API both serve, built once: a report version as .docx or, for archiving, as
PDF (converted once per version and kept next to the .docx: a version never changes), and the ledger (台账)."""

import datetime
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import timezone

from org.access import AnyUser, access_for
from org.models import Unit
from reporting.assessment import quarter_of
from reporting.ledger import build_ledger
from reporting.models import ReportVersion
from reporting.pdf import convert_to_pdf

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def version_file_response(version: ReportVersion) -> FileResponse:
    """The version's document as an attachment named after the report."""
    extension = str(version.file.name).rsplit(".", 1)[-1]
    content_type = DOCX_CONTENT_TYPE if extension == "docx" else None  # not left to the host's mime.types
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=f"{version.report.title}-v{version.number}.{extension}",
        content_type=content_type,
    )


def version_pdf_response(version: ReportVersion) -> FileResponse:
    """The version as PDF, converted on the first request and kept; reporting.pdf.ConversionError when LibreOffice
    cannot convert it (the page answers 503 text, the API 503 problem+json)."""
    name = str(version.file.name)
    pdf_name = name.rsplit(".", 1)[0] + ".pdf"
    if not default_storage.exists(pdf_name):
        with version.file.open("rb") as source:
            data, extension = source.read(), name.rsplit(".", 1)[-1]
        pdf_name = default_storage.save(pdf_name, ContentFile(convert_to_pdf(data, extension=extension)))
    return FileResponse(
        default_storage.open(pdf_name, "rb"),
        as_attachment=True,
        filename=f"{version.report.title}-v{version.number}.pdf",
        content_type="application/pdf",
    )


def ledger_unit_ids(user: AnyUser) -> list[int] | None:
    """None for everything, else the ids of the units whose rows this user may download: the office and
    county-wide leaders get every unit, a unit leader the units under them, a liaison its own unit."""
    access = access_for(user)
    if access.sees_everything:
        return None
    if not (access.is_leader or access.is_liaison):
        raise PermissionDenied("仅办公室、领导和联络员可下载台账。")
    return list(access.visible_unit_ids)


def ledger_units(allowed: list[int] | None) -> QuerySet[Unit]:
    """The units a ledger may be cut to, for the scope ledger_unit_ids() gave."""
    if allowed is None:
        return Unit.objects.filter(is_active=True, is_office=False, parent__isnull=False)
    return Unit.objects.filter(pk__in=allowed)


def ledger_response(user: AnyUser, cleaned: dict, period: tuple, allowed: list[int] | None) -> HttpResponse:
    """The ledger .xlsx for a valid LedgerForm's cleaned data and period, within the user's scope (the caller has
    checked that a chosen unit is inside it)."""
    unit_id = cleaned["unit"]
    unit_ids = [unit_id] if unit_id is not None else (None if allowed is None else sorted(allowed))
    start, end = period
    data = build_ledger(start=start, end=end, unit_ids=unit_ids, grade=cleaned["grade"] or None, user=user)
    response = HttpResponse(data, content_type=XLSX)
    name = f"舆情台账_{cleaned['start']:%Y%m%d}-{cleaned['end']:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def default_ledger_days() -> dict[str, datetime.date]:
    """The form's default period: this quarter, its last day included."""
    start, end = quarter_of(timezone.localdate())
    return {"start": start.date(), "end": (end - datetime.timedelta(days=1)).date()}
