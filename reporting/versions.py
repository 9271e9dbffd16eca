"""Storing a report's generated document as a new version. Called only from reporting services, inside
their transaction; earlier versions are kept (issue 6: "regenerating … keeps a version history").

A document file exists only with its database row (issue 11 §5). The file is written inside the service's
transaction, before the row; if the row is not saved the file is deleted at once, and a file whose
transaction rolled back later or whose process was killed (no Python runs then) is removed by
remove_orphan_files, hourly and before every backup, once it is older than any transaction could be."""

import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Max

from reporting.models import ReportVersion

DOCX = "docx"
REPORTS_DIR = "reports"
ORPHAN_AGE = timedelta(hours=1)  # far longer than a report's transaction; younger files may still commit


def save_version(report, *, data, content, actor=None, note="", extension=DOCX):
    """Write `data` (the document's bytes) as the report's next version and return it."""
    last = report.versions.aggregate(n=Max("number"))["n"] or 0
    version = ReportVersion(report=report, number=last + 1, content=content, note=note, created_by=actor)
    version.file.save(f"{report.kind}-{report.pk}-v{last + 1}.{extension}", ContentFile(data), save=False)
    try:
        version.save()
    except BaseException:
        version.file.delete(save=False)
        raise
    return version


def remove_orphan_files(*, older_than=ORPHAN_AGE):
    """Delete report documents (and their PDFs) no ReportVersion row refers to, once older than `older_than`;
    returns their names relative to MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    if not (root / REPORTS_DIR).is_dir():
        return []
    stems = {name.rsplit(".", 1)[0] for name in ReportVersion.objects.values_list("file", flat=True)}
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for path in sorted((root / REPORTS_DIR).rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_file() and name.rsplit(".", 1)[0] not in stems and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(name)
    return removed
