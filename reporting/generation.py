"""One path for every compiled report (日报, 周报, 月报, 季度通报): create it numbered, render it, store the .docx as
version 1 and audit it; or regenerate a draft as a new version. The callers compile the content and decide when
(reporting/daily.py, reporting/periodic.py); the numbering, letterhead, rendering and versioning live here only."""

import datetime

from django.db import transaction

from core import audit
from core.errors import Conflict
from reporting import documents
from reporting.models import Report
from reporting.versions import save_version


def create_report(
    kind: str,
    start: datetime.datetime,
    end: datetime.datetime,
    content: dict,
    actor,
    *,
    numbered_at: datetime.datetime,
    dated: datetime.datetime | None = None,
) -> Report:
    """A new report of `kind` for [start, end): its number taken for `numbered_at` (the document's year), its
    letterhead dated `dated` (now when None). Run inside the caller's transaction: a concurrent twin makes the
    insert raise IntegrityError, inside this savepoint, cleanly."""
    with transaction.atomic():
        numbers = documents.take_number(kind, numbered_at)
        content = {**content, **documents.letterhead(kind, numbers, now=dated)}
        report = Report.objects.create(
            kind=kind,
            title=content["title"],
            period_start=start,
            period_end=end,
            content=content,
            created_by=actor,
            **numbers,
        )
    save_version(report, data=documents.render_docx(content), content=content, actor=actor, note="自动汇总生成")
    audit.record(
        actor,
        "report_generated",
        report,
        after={"kind": kind, "title": report.title, "period_start": start, "period_end": end},
    )
    return report


def regenerate_report(report: Report, content: dict, actor, *, dated: datetime.datetime | None = None) -> Report:
    """A draft recompiled: the new content as a new version, the earlier versions kept. An issued report is never
    regenerated."""
    if report.status == Report.Status.ISSUED:
        raise Conflict(f"该{report.get_kind_display()}已签发，不能重新生成。")
    content = {**content, **documents.letterhead(report.kind, documents.number_report(report), now=dated)}
    report.content, report.title = content, content["title"]
    report.save(update_fields=["content", "title"])
    version = save_version(report, data=documents.render_docx(content), content=content, actor=actor, note="重新汇总")
    audit.record(actor, "report_regenerated", report, after={"version": version.number})
    return report
