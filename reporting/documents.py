"""Every report's content has one shape, so one renderer writes every .docx and one form edits every
report: a title, a subtitle line, and numbered sections each with editable text and an optional table.

    {"title": str, "subtitle": str,
     "sections": [{"key": str, "heading": str, "text": str, "table": {"headers": [...], "rows": [[...]]}}],
     "figures": {...},   # machine-readable counts behind the text (tests, dashboards)
     "closing": [str]}   # optional 落款 lines (issuing office, date), right-aligned

Section text is plain: blank lines separate paragraphs."""

from django.utils import timezone

from incidents.clearance import CLASSIFICATION
from org.models import Unit
from reporting import docx_writer
from reporting.models import ReportSettings

# Tables wider than this go on a landscape page (the 通报's assessment table, ledgers).
PORTRAIT_MAX_COLUMNS = 7


def section(key, heading, text="", table=None):
    return {"key": key, "heading": heading, "text": text, "table": table}


def classification(incident):
    """The 密级 of a document that carries `incident` in full: "内部 / 敏感" for a confidential one, whose readers
    are those cleared for it (reporting.selectors), so that a printed copy says how it must be handled (issue 11 §1;
    docs/rules.md §8, #5 六(三) 严守工作秘密). Merged into a content dict."""
    return {"classification": CLASSIFICATION} if incident is not None and incident.is_confidential else {}


def table(headers, rows):
    return {"headers": list(headers), "rows": [list(r) for r in rows]}


def paragraphs(text):
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def closing(now=None):
    """落款: the issuing office as configured (ReportSettings.issuer), else the first 舆情办公室 in the unit
    tree, and the date."""
    office = ReportSettings.current().issuer.strip() or (
        Unit.objects.filter(is_office=True, is_active=True).order_by("path").values_list("name", flat=True).first()
    )
    return [office or "舆情工作领导小组办公室", timezone.localtime(now or timezone.now()).strftime("%Y年%m月%d日")]


def _is_wide(content):
    return any(
        len((s.get("table") or {}).get("headers", [])) > PORTRAIT_MAX_COLUMNS for s in content.get("sections", [])
    )


def render_docx(content):
    """The report's document as .docx bytes, through the shared government-document writer."""
    doc = docx_writer.new_document(
        content.get("title", ""),
        content.get("subtitle", ""),
        landscape=_is_wide(content),
        classification=content.get("classification", ""),
    )
    for part in content.get("sections", []):
        docx_writer.add_heading(doc, part["heading"])
        for text in paragraphs(part.get("text")):
            docx_writer.add_paragraph(doc, text)
        grid = part.get("table")
        if grid and grid.get("rows"):
            docx_writer.add_table(doc, grid["headers"], grid["rows"])
    docx_writer.add_closing(doc, content.get("closing", []))
    return docx_writer.to_bytes(doc)


def with_section_texts(content, texts):
    """A copy of `content` whose section texts are replaced by `texts` (key → text); figures stay."""
    sections = [dict(s, text=texts.get(s["key"], s.get("text", ""))) for s in content.get("sections", [])]
    return {**content, "sections": sections}
