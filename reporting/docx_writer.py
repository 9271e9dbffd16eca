"""A thin layer over python-docx in the house style of government documents: 方正小标宋-like title,
仿宋 body, 黑体 headings, tables with a header row. Every report builder writes through it so that all
documents look alike and Chinese text gets an East Asian font (python-docx sets only the Latin one)."""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reporting.safe_output import printable

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"


def _add_text(paragraph, text, name, size=None, bold=None):
    """The one place text enters a document: cleaned of what XML cannot carry (python-docx raises on a control
    character stored before input refused them, issue 10 §1), with its font."""
    return _set_font(paragraph.add_run(printable("" if text is None else str(text))), name, size, bold)


def _set_font(run, name, size=None, bold=None):
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    return run


BLACK = RGBColor(0, 0, 0)
MIN_COLUMN_CM = 1.6


def _official_styles(doc):
    """Word's built-in Title/Heading styles are blue and the title has a rule under it; official documents
    are black and plain. The styles stay (readers and tests find headings by style), only their look changes."""
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        style.font.color.rgb = BLACK
        border = style.element.pPr.find(qn("w:pBdr")) if style.element.pPr is not None else None
        if border is not None:
            style.element.pPr.remove(border)


def _landscape(doc):
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width


def new_document(title, subtitle="", *, landscape=False, classification=""):
    """A document with its centred title (二号, about 22 pt) and an optional subtitle line (issuer, date).
    Landscape for wide tables (ledgers, assessment tables). A `classification` (密级, e.g. "内部 / 敏感") is the
    first line, top left and bold, where a reader of an official document looks for it (GB/T 9704-2012 7.2.3)."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.font.size = Pt(14)
    _official_styles(doc)
    if landscape:
        _landscape(doc)
    if classification:
        _add_text(doc.add_paragraph(), classification, BODY_FONT, 14, True)
    heading = doc.add_heading(level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_text(heading, title, TITLE_FONT, 22, True)
    if subtitle:
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_text(line, subtitle, BODY_FONT, 14)
    return doc


def add_heading(doc, text, level=1):
    """Numbered section headings are written by the caller (一、二、…) as the house style wants."""
    heading = doc.add_heading(level=level)
    _add_text(heading, text, HEADING_FONT, 16 if level == 1 else 14, True)
    return heading


def add_paragraph(doc, text, bold=False):
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters
    _add_text(paragraph, text, BODY_FONT, 14, bold)
    return paragraph


def add_closing(doc, lines):
    """The 落款 (issuing office, date), right-aligned under the body."""
    for line in lines:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _add_text(paragraph, line, BODY_FONT, 14)


def _column_widths(doc, headers, rows):
    """Widths in proportion to each column's longest text (capped), so unit names and numbers do not wrap
    while a title column gets the room that is left."""
    section = doc.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    weights = []
    for i, header in enumerate(headers):
        longest = max([len(str(header))] + [len("" if r[i] is None else str(r[i])) for r in rows[:200]])
        weights.append(min(max(longest, 2), 24))
    total = sum(weights)
    widths = [max(int(usable * w / total), Cm(MIN_COLUMN_CM)) for w in weights]
    scale = usable / sum(widths) if sum(widths) > usable else 1
    return [int(w * scale) for w in widths]


def add_table(doc, headers, rows):
    """A grid table; `rows` are sequences of cell values (rendered with str). Returns the table."""
    rows = [list(r) for r in rows]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _column_widths(doc, headers, rows)
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _add_text(cell.paragraphs[0], text, HEADING_FONT, 11, True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _add_text(cell.paragraphs[0], value, BODY_FONT, 11)
    for column, width in zip(table.columns, widths, strict=True):
        for cell in column.cells:  # Word reads the cell widths, LibreOffice the column's
            cell.width = width
        column.width = width
    return table


def to_bytes(doc):
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
