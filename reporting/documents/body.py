"""The parts of a document whose shape depends on the content, written as WordprocessingML for the template's
paragraph placeholders ({{p body }}, {{p signature }}) and run placeholder ({{r masthead }}): the sections with
their headings, paragraphs and tables, the 发文机关署名 over the 成文日期, and the 发文机关标志 narrowed to fit
one line. Everything else is the template's (reporting/documents/templates/).

Text goes through reporting.safe_output.printable (what XML cannot carry is dropped, issue 10 §1) and is escaped
by layout.run_xml."""

import math
import re

from markupsafe import Markup

from reporting.documents import layout
from reporting.safe_output import printable

HEADING_STYLE, SUBHEADING_STYLE, BODY_STYLE = "Heading1", "Heading2", "BodyText"
# GB/T 9704-2012 7.3.3: 一、 黑体, （一） 楷体, 1. and （1） 仿宋. A paragraph opening with （一） carries its heading
# run-in, up to the first full stop, in 楷体; a short one on its own is a second-level heading.
SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")
RUN_IN_END = "。"
LIST_ITEM = re.compile(r"^(\d+[.．、]|（\d+）)")
SUBHEADING_MAX = 30


def clean(value) -> str:
    return printable("" if value is None else str(value))


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _body_paragraph(text: str) -> str:
    if SUBHEADING.match(text):
        if len(text) <= SUBHEADING_MAX and RUN_IN_END not in text[:-1]:
            return layout.paragraph_xml(layout.run_xml(text), style=SUBHEADING_STYLE)
        head, stop, rest = text.partition(RUN_IN_END)
        if stop:
            runs = layout.run_xml(head + stop, face=layout.KAITI) + layout.run_xml(rest)
            return layout.paragraph_xml(runs, style=BODY_STYLE)
    # An item of a list (1. …) often carries an id (YQ20261130-00001) a line cannot break in: set flush left, so
    # that the line before it is not spread out with wide gaps to fill the measure.
    align = "left" if LIST_ITEM.match(text) else None
    return layout.paragraph_xml(layout.run_xml(text), style=BODY_STYLE, align=align)


# The table's faces: 4号 (14 pt) where the columns fit, else 小四 (12 pt), else 五号 (10.5 pt), as offices set a
# table in a 公文 (docs/document-formats.md). A "short" cell (a grade, a count, a percentage, an id, a unit's name)
# is never wrapped: its column is as wide as its widest short cell at the size chosen; a longer text (a title)
# wraps in the room that is left.
TABLE_SIZES = (14, 12, 10.5)
SHORT = 16  # characters: a cell up to this long is kept on one line
LONG_MIN = 8  # characters a line at least in a column of longer texts
CELL_MARGIN = 80  # twips, left and right of a cell's text
CELL_SPACE = 40  # twips (2 pt) cell margin above and below the text, so that glyphs keep off the rules
SLACK = 60  # twips per column for the faces' own widths (a digit is a little over half a character)
MIN_COLUMN = layout.mm(14)


def _natural(units: float, size: float) -> int:
    return round(units * size * 20) + 2 * CELL_MARGIN + SLACK


def _layout(headers, rows, width=layout.TEXT_WIDTH):
    """(font size, column widths in twips) for a table as wide as the type area: the largest size at which every
    short cell fits its column on one line, the long columns sharing what is left in proportion to their text."""
    columns = []
    for i, header in enumerate(headers):
        cells = [layout.text_units(clean(r[i])) for r in rows[:200]]
        head = math.ceil(layout.text_units(clean(header)) / 2)  # a header may take two lines
        short = [u for u in cells if u <= SHORT]
        longest = max(cells, default=0)
        long = longest > SHORT  # a column of texts (titles): every cell of it may wrap
        wanted = max(head, LONG_MIN) if long else max([head, *short])
        columns.append((wanted, long, max(min(longest, 24), head, 2)))
    for size in TABLE_SIZES:
        fixed = [max(_natural(short, size), MIN_COLUMN) for short, _, _ in columns]
        flexible = [i for i, (_, long, _) in enumerate(columns) if long]
        spare = width - sum(w for i, w in enumerate(fixed) if i not in flexible)
        weights = sum(columns[i][2] for i in flexible)
        grown = {i: max(fixed[i], int(spare * columns[i][2] / weights)) for i in flexible}
        widths = [grown.get(i, w) for i, w in enumerate(fixed)]
        if sum(widths) <= width:
            if not flexible:  # all short: the room left goes to every column alike
                widths = [w + (width - sum(widths)) // len(widths) for w in widths]
            return size, widths
    # Too many columns even at 五号: widths in proportion to each column's text, short cells may wrap.
    size = TABLE_SIZES[-1]
    widths = [max(int(width * c[2] / sum(c[2] for c in columns)), MIN_COLUMN // 2) for c in columns]
    scale = width / sum(widths)
    return size, [int(w * scale) for w in widths]


def _cell(text, width, *, face, size, header=False):
    run = layout.run_xml(clean(text), face=face, size=size)
    spacing = '<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
    paragraph = layout.paragraph_xml(run, style="TableText", align="center" if header else None, extra=spacing)
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>{paragraph}</w:tc>'


def table_xml(headers, rows) -> str:
    """A grid table as wide as the type area, its header row repeated on every page."""
    rows = [list(r) for r in rows]
    size, widths = _layout(headers, rows)
    border = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{layout.BLACK}"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    head = "".join(_cell(h, w, face=layout.HEITI, size=size, header=True) for h, w in zip(headers, widths, strict=True))
    body = "".join(
        "<w:tr>"
        + "".join(_cell(v, w, face=layout.FANGSONG, size=size) for v, w in zip(r, widths, strict=True))
        + "</w:tr>"
        for r in rows
    )
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="{CELL_SPACE}" w:type="dxa"/><w:left w:w="{CELL_MARGIN}" w:type="dxa"/>'
        f'<w:bottom w:w="{CELL_SPACE}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        f"<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>{body}</w:tbl>"
    )


def body_xml(sections) -> Markup:
    """The numbered sections: heading (一、 黑体), paragraphs (仿宋, first line indented two characters), table."""
    parts = []
    for part in sections:
        if part.get("heading"):
            parts.append(layout.paragraph_xml(layout.run_xml(clean(part["heading"])), style=HEADING_STYLE))
        parts.extend(_body_paragraph(clean(text)) for text in paragraphs(part.get("text")))
        grid = part.get("table")
        if grid and grid.get("rows"):
            parts.append(table_xml(grid["headers"], grid["rows"]))
    if not parts:
        parts.append(layout.paragraph_xml("", style=BODY_STYLE))
    return Markup("".join(parts))


def signature_xml(issuer: str, date: str) -> Markup:
    """7.3.5.1: the 成文日期 right-aligned four characters from the right edge, the 发文机关署名 centred on it
    above. Both are right-aligned, the 署名 indented by half the difference of their widths."""
    issuer, date = clean(issuer), clean(date)
    gap = (layout.text_units(date) - layout.text_units(issuer)) * layout.CHAR / 2
    right = 4 * layout.CHAR
    lines = []
    if issuer:
        lines.append(
            layout.paragraph_xml(
                layout.run_xml(issuer),
                style="Signature",
                align="right",
                right=max(0, round(right + gap)),
                extra="<w:keepNext/>",  # the 署名 is not parted from its date by a page break
            )
        )
    lines.append(layout.paragraph_xml(layout.run_xml(date), style="Signature", align="right", right=right))
    return Markup("".join(lines))


def masthead_xml(text: str, family: str) -> Markup:
    """The 发文机关标志 / the 简报's name on one line: narrowed (character width, as offices set a long 红头)
    when it would not fit the type area at the template's size."""
    text = clean(text)
    size = layout.MASTHEAD_PT[family]
    wanted = layout.text_units(text) * size * 20
    scale = max(50, int(100 * layout.TEXT_WIDTH / wanted)) if wanted > layout.TEXT_WIDTH else None
    return Markup(layout.run_xml(text, scale=scale))
