"""Builds the shipped templates (reporting/documents/templates/<kind>.docx) from the layout in layout.py:
`manage.py build_document_templates` . The .docx files are
committed; rebuild them after changing the layout and commit them again.

Each template is an ordinary Word document an office can open, restyle (its own 红头) and upload in its place:
page and grid (GB/T 9704-2012 5.2), styles (body 仿宋 3号 on a 28.95 pt line, 一、 黑体, （一） 楷体, title 2号
小标宋), page numbers "— 1 —" outside (7.5), and the 版头/版记 (official) or masthead/报送 block (briefing) with
docxtpl placeholders (documents.PLACEHOLDERS). docs/document-formats.md explains each element."""

import io
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from lxml import etree

from reporting import documents
from reporting.documents import layout
from reporting.documents.layout import CHAR, TEXT_WIDTH, W_NS, fonts_xml, paragraph_xml, run_xml

TEMPLATES = Path(__file__).resolve().parent / "templates"
NSDECL = f'xmlns:w="{W_NS}"'
W = f"{{{W_NS}}}"


def _lang():
    return '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'


def _rpr(face=None, size=None, *, color=layout.BLACK, bold=False, lang=False, tracking=None):
    parts = [fonts_xml(face)] if face else []
    parts.append(f'<w:b w:val="{int(bold)}"/><w:bCs w:val="{int(bold)}"/>')
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if tracking is not None:
        parts.append(f'<w:spacing w:val="{tracking}"/>')
    if size:
        parts.append(f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>')
    if lang:
        parts.append(_lang())
    return f"<w:rPr>{''.join(parts)}</w:rPr>"


def _spacing(line=layout.LINE_PITCH, rule="exact", before=0):
    return f'<w:spacing w:before="{before}" w:after="0" w:line="{line}" w:lineRule="{rule}"/>'


FIRST_LINE_2 = f'<w:ind w:firstLineChars="200" w:firstLine="{2 * CHAR}"/>'
NO_GRID = '<w:snapToGrid w:val="0"/>'
# No automatic space between Chinese and Latin letters or digits (Word's and LibreOffice's default adds a quarter
# em): "2026年11月30日" is set as typed, as in a 公文 (the grid already spaces the characters evenly).
NO_AUTO_SPACE = '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'

# styleId, name, basedOn, next, pPr children (in schema order), rPr
STYLES = [
    (
        "Normal",
        "Normal",
        None,
        None,
        '<w:widowControl w:val="0"/>' + NO_AUTO_SPACE + _spacing() + '<w:jc w:val="both"/>',
        _rpr(layout.FANGSONG, layout.BODY_PT, lang=True, tracking=layout.TRACKING),
    ),
    ("BodyText", "Body Text", "Normal", "BodyText", FIRST_LINE_2 + '<w:jc w:val="both"/>', ""),
    (
        "Heading1",
        "heading 1",
        "Normal",
        "BodyText",
        "<w:keepNext/>" + FIRST_LINE_2 + '<w:outlineLvl w:val="0"/>',
        _rpr(layout.HEITI, layout.BODY_PT),
    ),
    (
        "Heading2",
        "heading 2",
        "Normal",
        "BodyText",
        "<w:keepNext/>" + FIRST_LINE_2 + '<w:outlineLvl w:val="1"/>',
        _rpr(layout.KAITI, layout.BODY_PT),
    ),
    (
        "Title",
        "Title",
        "Normal",
        "Normal",
        NO_GRID + '<w:jc w:val="center"/>',
        _rpr(layout.XIAOBIAOSONG, layout.TITLE_PT),
    ),
    ("Subtitle", "Subtitle", "Normal", "Normal", '<w:jc w:val="center"/>', _rpr(layout.KAITI, layout.BODY_PT)),
    (
        "Masthead",
        "发文机关标志",
        "Normal",
        "Normal",
        NO_GRID
        + _spacing(layout.pt(layout.MASTHEAD_PT["official"]), before=layout.mm(35) - 3 * layout.LINE_PITCH)
        + '<w:jc w:val="center"/>',
        _rpr(layout.XIAOBIAOSONG, layout.MASTHEAD_PT["official"], color=layout.RED),
    ),
    (
        "BriefingMasthead",
        "简报报头",
        "Normal",
        "Normal",
        NO_GRID
        + _spacing(layout.pt(layout.MASTHEAD_PT["briefing"] * 1.25), before=layout.LINE_PITCH)
        + '<w:jc w:val="center"/>',
        _rpr(layout.XIAOBIAOSONG, layout.MASTHEAD_PT["briefing"], color=layout.RED),
    ),
    ("HeaderMark", "份号密级", "Normal", "Normal", '<w:jc w:val="left"/>', _rpr(layout.HEITI, layout.BODY_PT)),
    ("Signature", "Signature", "Normal", "Signature", '<w:jc w:val="right"/>', ""),
    (
        "TableText",
        "表格文字",
        "Normal",
        "TableText",
        NO_GRID + _spacing(240, "auto") + '<w:jc w:val="left"/>',
        _rpr(None, 12, color=None),
    ),
    ("Note", "版记", "Normal", "Note", NO_GRID + '<w:jc w:val="left"/>', _rpr(layout.FANGSONG, layout.NOTE_PT)),
    (
        "Footer",
        "footer",
        "Normal",
        "Footer",
        NO_GRID + _spacing(layout.FOOTER_LINE),
        _rpr(layout.SONGTI, layout.PAGE_NUMBER_PT),
    ),
]


def _style_xml(style_id, name, based_on, next_id, ppr, rpr):
    parts = [f'<w:name w:val="{name}"/>']
    if based_on:
        parts.append(f'<w:basedOn w:val="{based_on}"/>')
    if next_id:
        parts.append(f'<w:next w:val="{next_id}"/>')
    parts.append("<w:qFormat/>")
    parts.append(f"<w:pPr>{ppr}</w:pPr>")
    if rpr:
        parts.append(rpr)
    default = ' w:default="1"' if style_id == "Normal" else ""
    return f'<w:style {NSDECL} w:type="paragraph"{default} w:styleId="{style_id}">{"".join(parts)}</w:style>'


def _styles(doc):
    styles = doc.styles.element
    defaults = styles.find(f"{W}docDefaults")
    rpr_default = defaults.find(f"{W}rPrDefault")
    for child in list(rpr_default):
        rpr_default.remove(child)
    rpr_default.append(
        parse_xml(
            _rpr(layout.FANGSONG, layout.BODY_PT, color=None, lang=True).replace("<w:rPr>", f"<w:rPr {NSDECL}>", 1)
        )
    )
    ids = {s[0] for s in STYLES}
    for old in styles.findall(f"{W}style"):
        if old.get(f"{W}styleId") in ids or old.get(f"{W}styleId") in ("TitleChar", "Heading1Char", "Heading2Char"):
            styles.remove(old)
    for spec in STYLES:
        styles.append(parse_xml(_style_xml(*spec)))


def _fonts(doc):
    """The faces with their alternatives (Word substitutes 仿宋 where 仿宋_GB2312 is not installed)."""
    part = next(rel.target_part for rel in doc.part.rels.values() if rel.reltype == RT.FONT_TABLE)
    tree = etree.fromstring(part.blob)
    names = {f.get(f"{W}name") for f in tree.findall(f"{W}font")}
    for face in (layout.FANGSONG, layout.KAITI, layout.HEITI, layout.XIAOBIAOSONG, layout.SONGTI):
        for name in dict.fromkeys(face):
            if name in names:
                continue
            font = etree.SubElement(tree, f"{W}font", {f"{W}name": name})
            if name in layout.ALT_NAMES:
                etree.SubElement(font, f"{W}altName", {f"{W}val": layout.ALT_NAMES[name]})
            etree.SubElement(font, f"{W}charset", {f"{W}val": "86"})  # GB2312
            etree.SubElement(font, f"{W}family", {f"{W}val": "modern"})
            etree.SubElement(font, f"{W}pitch", {f"{W}val": "fixed"})
            names.add(name)
    part._blob = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(doc):
    section = doc.sections[0]
    sect = section._sectPr
    for child in list(sect):
        sect.remove(child)
    sect.append(parse_xml(f'<w:pgSz {NSDECL} w:w="{layout.PAGE_WIDTH}" w:h="{layout.PAGE_HEIGHT}"/>'))
    sect.append(
        parse_xml(
            f'<w:pgMar {NSDECL} w:top="{layout.TOP}" w:right="{layout.RIGHT}" w:bottom="{layout.BOTTOM}" '
            f'w:left="{layout.LEFT}" w:header="{layout.HEADER_DISTANCE}" w:footer="{layout.FOOTER_DISTANCE}" w:gutter="0"/>'
        )
    )
    sect.append(parse_xml(f'<w:cols {NSDECL} w:space="425"/>'))
    sect.append(
        parse_xml(
            f'<w:docGrid {NSDECL} w:type="linesAndChars" w:linePitch="{layout.LINE_PITCH}" '
            f'w:charSpace="{layout.CHAR_SPACE}"/>'
        )
    )
    doc.settings.odd_and_even_pages_header_footer = True
    # 7.5: odd pages right, even pages left, one character in from the edge of the type area.
    for footer, align, indent in ((section.footer, "right", "right"), (section.even_page_footer, "left", "left")):
        footer.is_linked_to_previous = False
        element = footer._element
        for child in list(element):
            element.remove(child)
        field = (
            run_xml("— ")
            + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            + '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + run_xml("1")
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            + run_xml(" —")
        )
        xml = paragraph_xml(field, style="Footer", align=align, **{indent: layout.pt(layout.PAGE_NUMBER_PT)})
        element.append(parse_xml(xml.replace("<w:p>", f"<w:p {NSDECL}>", 1)))


def _p(text="", style=None, **kwargs):
    return paragraph_xml(run_xml(text) if text else "", style=style, **kwargs)


def _tag(tag):
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}, {{p … }}): replaced whole when rendered."""
    return paragraph_xml(run_xml(tag))


def _rules_block(rows):
    """The 版记 / 报送 block (GB/T 9704-2012 7.4.1): a table as wide as the type area, thick first and last rule,
    thin rules between, text set 空一字 with a full-width space. It floats to the foot of the type area of the
    page it ends on, the last page (7.4: 版记的最后一个要素置于最后一页最下方): w:tblpPr at the bottom of the
    margin, placed horizontally from the page's edge at the left margin. LibreOffice (7.4) makes a floating table a
    frame only when text could flow beside it; one as wide as the type area placed from the margin it sets inline,
    right under the 落款, while one placed from the page's edge it floats as Word does. A row of only a {%tr … %}
    tag is removed when rendered."""
    borders = (
        f'<w:top w:val="single" w:sz="{layout.THICK_RULE}" w:space="0" w:color="{layout.BLACK}"/>'
        '<w:left w:val="nil"/>'
        f'<w:bottom w:val="single" w:sz="{layout.THICK_RULE}" w:space="0" w:color="{layout.BLACK}"/>'
        '<w:right w:val="nil"/>'
        f'<w:insideH w:val="single" w:sz="{layout.THIN_RULE}" w:space="0" w:color="{layout.BLACK}"/>'
        '<w:insideV w:val="nil"/>'
    )
    tabs = f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs>'
    cells = []
    for row in rows:
        if isinstance(row, tuple):  # (left, right) on one line
            runs = run_xml(f"　{row[0]}") + "<w:r><w:tab/></w:r>" + run_xml(f"{row[1]}　")
            paragraph = paragraph_xml(runs, style="Note", extra=tabs)
        elif row.startswith("{%"):
            paragraph = _tag(row)
        else:
            paragraph = paragraph_xml(run_xml(f"　{row}"), style="Note")
        cells.append(f'<w:tr><w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH}" w:type="dxa"/></w:tcPr>{paragraph}</w:tc></w:tr>')
    return (
        f"<w:tbl {NSDECL}><w:tblPr>"
        '<w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="0" w:bottomFromText="0" '
        'w:vertAnchor="margin" w:horzAnchor="page" '
        f'w:tblpX="{layout.LEFT}" w:tblpYSpec="bottom"/>'
        '<w:tblOverlap w:val="never"/>'
        f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
        f'</w:tblPr><w:tblGrid><w:gridCol w:w="{TEXT_WIDTH}"/></w:tblGrid>{"".join(cells)}</w:tbl>'
    )


def _tab_line(left_runs, right_runs, *, style, position, extra_before="", first_line=None, left=None, right=None):
    tabs = f'<w:tabs><w:tab w:val="right" w:pos="{position}"/></w:tabs>'
    return paragraph_xml(
        left_runs + "<w:r><w:tab/></w:r>" + right_runs,
        style=style,
        extra=extra_before + tabs,
        first_line=first_line,
        left=left,
        right=right,
    )


def _red_rule(size, gap):
    return f'<w:pBdr><w:bottom w:val="single" w:sz="{size}" w:space="{gap}" w:color="{layout.RED}"/></w:pBdr>'


def official_body(*, upward=False):
    if upward:  # 7.2.4 / 7.2.5: 发文字号 left and 签发人 right, each one character in
        number = _tab_line(
            run_xml("{{ doc_number }}"),
            run_xml("签发人：") + run_xml("{{ signer }}", face=layout.KAITI),
            style="Normal",
            position=TEXT_WIDTH - CHAR,
            extra_before=_red_rule(layout.RED_RULE, layout.RED_RULE_GAP),
            first_line=CHAR,
        )
    else:  # 7.2.4: centred, two lines below the 发文机关标志
        number = paragraph_xml(
            run_xml("{{ doc_number }}"), align="center", extra=_red_rule(layout.RED_RULE, layout.RED_RULE_GAP)
        )
    parts = [
        _p("{{ copy_number }}", "HeaderMark"),  # 7.2.1 份号
        _p("{{ classification }}", "HeaderMark"),  # 7.2.2 密级和保密期限
        _p("{{ urgency }}", "HeaderMark"),  # 7.2.3 紧急程度
        paragraph_xml(run_xml("{{r masthead }}"), style="Masthead"),  # 7.2.4 发文机关标志, 35 mm below the top
        _p(),
        _p(),
        number,
        _p(),
        _p(),
        _p("{{ title }}", "Title"),  # 7.3.1 标题, two lines below the red rule
        _tag("{%p if subtitle %}"),
        _p("{{ subtitle }}", "Subtitle"),
        _tag("{%p endif %}"),
        _tag("{%p if main_recipient %}"),  # 7.3.2 主送机关, one line below the title, flush left
        _p(),
        _p("{{ main_recipient }}：", "Normal"),
        _tag("{%p endif %}"),
        _tag("{{p body }}"),  # 7.3.3 正文
        _tag("{%p if attachment_note %}"),  # 7.3.4 附件说明, one line below the body, two characters in
        _p(),
        _p("附件：{{ attachment_note }}", "BodyText"),
        _tag("{%p endif %}"),
        _p(),
        _tag("{{p signature }}"),  # 7.3.5.1 发文机关署名 and 成文日期
    ]
    rows = [
        "{%tr if copy_to %}",  # 7.4.2 抄送机关, one character in
        "抄送：{{ copy_to }}",
        "{%tr endif %}",
        ("{{ printed_by }}", "{{ printed_on }}"),  # 7.4.3 印发机关 left and 印发日期 right, one character in
    ]
    return parts, rows


def briefing_body():
    parts = [
        _p("{{ copy_number }}", "HeaderMark"),
        _p("{{ classification }}", "HeaderMark"),
        paragraph_xml(run_xml("{{r masthead }}"), style="BriefingMasthead"),
        paragraph_xml(
            run_xml("第{{ issue_number }}期{% if total_issue_number %}（总第{{ total_issue_number }}期）{% endif %}"),
            align="center",
        ),
        _p(),
        _tab_line(
            run_xml("{{ compiler }}", face=layout.KAITI),
            run_xml("{{ date }}", face=layout.KAITI),
            style="Normal",
            position=TEXT_WIDTH,
            extra_before=_red_rule(24, 4),
        ),
        _p(),
        _p("{{ title }}", "Title"),
        _tag("{%p if subtitle %}"),
        _p("{{ subtitle }}", "Subtitle"),
        _tag("{%p endif %}"),
        _p(),
        _tag("{{p body }}"),
    ]
    rows = [
        "报：{{ report_to }}",
        "{%tr if send_to %}",
        "送：{{ send_to }}",
        "{%tr endif %}",
        "{%tr if issue_to %}",
        "发：{{ issue_to }}",
        "{%tr endif %}",
    ]
    return parts, rows


def build(family: str, *, upward: bool = False) -> bytes:
    doc = Document()
    _styles(doc)
    _fonts(doc)
    _page(doc)
    body = doc.element.body
    sect = body.sectPr
    for child in list(body):
        if child is not sect:
            body.remove(child)
    parts, rows = official_body(upward=upward) if family == "official" else briefing_body()
    for xml in [*parts, _rules_block(rows), _p()]:
        sect.addprevious(parse_xml(xml.replace("<w:p>", f"<w:p {NSDECL}>", 1) if xml.startswith("<w:p>") else xml))
    props = doc.core_properties
    props.author = props.last_modified_by = props.title = props.subject = props.comments = props.keywords = ""
    props.category, props.language, props.revision = "", "zh-CN", 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build_all(directory: Path = TEMPLATES) -> list[Path]:
    """Write every kind's template; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, family in documents.FAMILY.items():
        path = directory / f"{kind}.docx"
        path.write_bytes(build(family, upward=kind == documents.UPWARD_SPECIAL))
        written.append(path)
    return written
