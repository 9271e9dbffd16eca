"""The parts of a document whose shape depends on the content, written as WordprocessingML for the template's
paragraph placeholders ({{p body }}, {{p signature }}) and run placeholder ({{r masthead }}): the sections with
their headings, paragraphs and tables, the 发文机关署名 over the 成文日期, and the 发文机关标志 narrowed to fit
one line. Everything else is the template's (reporting/documents/templates/).

Text goes through reporting.safe_output.printable (what XML cannot carry is dropped, issue 10 §1) and is escaped
by layout.run_xml."""

import re

from markupsafe import Markup

from reporting.documents import layout
from reporting.safe_output import printable

HEADING_STYLE, SUBHEADING_STYLE, BODY_STYLE = "Heading1", "Heading2", "BodyText"
# GB/T 9704-2012 7.3.3: 一、 黑体, （一） 楷体, 1. and （1） 仿宋. A paragraph opening with （一） carries its heading
# run-in, up to the first full stop, in 楷体; a short one on its own is a second-level heading.
SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")
RUN_IN_END = "。"
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
    return layout.paragraph_xml(layout.run_xml(text), style=BODY_STYLE)


def _table_size(columns: int) -> float:
    """4号 for a narrow table, 小四 and 五号 as columns are added, so that a table fits the type area's width."""
    return 14 if columns <= 4 else 12 if columns <= 7 else 10.5


MIN_COLUMN = layout.mm(14)


def _column_widths(headers, rows, width=layout.TEXT_WIDTH, minimum=MIN_COLUMN):
    """Widths in proportion to each column's longest text (capped), so unit names and numbers do not wrap while
    a title column gets the room that is left."""
    weights = []
    for i, header in enumerate(headers):
        longest = max([layout.text_units(clean(header))] + [layout.text_units(clean(r[i])) for r in rows[:200]])
        weights.append(min(max(longest, 2), 24))
    widths = [max(int(width * w / sum(weights)), minimum) for w in weights]
    scale = width / sum(widths)
    return [int(w * scale) for w in widths]


def _cell(text, width, *, face, size, header=False):
    run = layout.run_xml(clean(text), face=face, size=size)
    spacing = '<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
    paragraph = layout.paragraph_xml(run, style="TableText", align="center" if header else None, extra=spacing)
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>{paragraph}</w:tc>'


def table_xml(headers, rows) -> str:
    """A grid table as wide as the type area, its header row repeated on every page."""
    rows = [list(r) for r in rows]
    widths = _column_widths(headers, rows)
    size = _table_size(len(headers))
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
        '<w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar>'
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
                layout.run_xml(issuer), style="Signature", align="right", right=max(0, round(right + gap))
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
