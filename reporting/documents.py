"""Every report's content has one shape, so one renderer writes every .docx and one form edits every
report: a title, a subtitle line, and numbered sections each with editable text and an optional table.

    {"title": str, "subtitle": str,
     "sections": [{"key": str, "heading": str, "text": str, "table": {"headers": [...], "rows": [[...]]}}],
     "figures": {...}}   # machine-readable counts behind the text (tests, dashboards)

Section text is plain: blank lines separate paragraphs."""

from . import docx_writer


def section(key, heading, text="", table=None):
    return {"key": key, "heading": heading, "text": text, "table": table}


def table(headers, rows):
    return {"headers": list(headers), "rows": [list(r) for r in rows]}


def paragraphs(text):
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def render_docx(content):
    """The report's document as .docx bytes, through the shared government-document writer."""
    doc = docx_writer.new_document(content.get("title", ""), content.get("subtitle", ""))
    for part in content.get("sections", []):
        docx_writer.add_heading(doc, part["heading"])
        for text in paragraphs(part.get("text")):
            docx_writer.add_paragraph(doc, text)
        grid = part.get("table")
        if grid and grid.get("rows"):
            docx_writer.add_table(doc, grid["headers"], grid["rows"])
    for line in content.get("closing", []):
        docx_writer.add_paragraph(doc, line)
    return docx_writer.to_bytes(doc)


def with_section_texts(content, texts):
    """A copy of `content` whose section texts are replaced by `texts` (key → text); figures stay."""
    sections = [dict(s, text=texts.get(s["key"], s.get("text", ""))) for s in content.get("sections", [])]
    return {**content, "sections": sections}
