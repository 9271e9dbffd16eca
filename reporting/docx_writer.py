"""A thin layer over python-docx in the house style of government documents: 方正小标宋-like title,
仿宋 body, 黑体 headings, tables with a header row. Every report builder writes through it so that all
documents look alike and Chinese text gets an East Asian font (python-docx sets only the Latin one)."""

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"


def _set_font(run, name, size=None, bold=None):
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def new_document(title, subtitle=""):
    """A document with its centred title (二号, about 22 pt) and an optional subtitle line (issuer, date)."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.font.size = Pt(14)
    heading = doc.add_heading(level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(heading.add_run(title), TITLE_FONT, 22, True)
    if subtitle:
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(line.add_run(subtitle), BODY_FONT, 14)
    return doc


def add_heading(doc, text, level=1):
    """Numbered section headings are written by the caller (一、二、…) as the house style wants."""
    heading = doc.add_heading(level=level)
    _set_font(heading.add_run(text), HEADING_FONT, 16 if level == 1 else 14, True)
    return heading


def add_paragraph(doc, text, bold=False):
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters
    _set_font(paragraph.add_run(text), BODY_FONT, 14, bold)
    return paragraph


def add_table(doc, headers, rows):
    """A grid table; `rows` are sequences of cell values (rendered with str). Returns the table."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, 11, True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, 11)
    return table


def to_bytes(doc):
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
