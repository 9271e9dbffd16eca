"""Storing a report's generated document as a new version. Called only from reporting services, inside
their transaction; earlier versions are kept (issue 6: "regenerating … keeps a version history")."""

from django.core.files.base import ContentFile
from django.db.models import Max

from .models import ReportVersion

DOCX = "docx"


def save_version(report, *, data, content, actor=None, note="", extension=DOCX):
    """Write `data` (the document's bytes) as the report's next version and return it."""
    last = report.versions.aggregate(n=Max("number"))["n"] or 0
    version = ReportVersion(report=report, number=last + 1, content=content, note=note, created_by=actor)
    version.file.save(f"{report.kind}-{report.pk}-v{last + 1}.{extension}", ContentFile(data), save=False)
    version.save()
    return version
