"""The page, the grid and the faces every document shares (GB/T 9704-2012 §5, §7; docs/document-formats.md),
and the few WordprocessingML pieces the templates and the body are built from.

Measures are twips (1/20 pt; 1 mm = 56.693 twips) as WordprocessingML stores them."""

import re
from xml.sax.saxutils import escape, quoteattr

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def mm(value: float) -> int:
    return round(value * 1440 / 25.4)


def pt(value: float) -> int:
    return round(value * 20)


# GB/T 9704-2012 5.2.1 (A4) and 5.2.2 (天头 37 mm ± 1 mm, 订口 28 mm ± 1 mm, 版心 156 mm × 225 mm).
PAGE_WIDTH, PAGE_HEIGHT = mm(210), mm(297)
TOP, LEFT = mm(37), mm(28)
RIGHT, BOTTOM = mm(210 - 28 - 156), mm(297 - 37 - 225)
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT
HEADER_DISTANCE = mm(15)
# 7.5 页码: 4号 digits with a 一字线 either side, the 一字线 7 mm below the type area (35 − 7 = 28 mm above the
# page's foot); the footer line is FOOTER_LINE high, so its middle sits there when the footer starts 25 mm up.
FOOTER_LINE = pt(16.8)
FOOTER_DISTANCE = mm(28) - FOOTER_LINE // 2

# 5.2.3 / 7.1: 3号 (16 pt) body, 22 lines of 28 characters. Line pitch 225 mm / 22 ≈ 28.95 pt (579 twips, as
# Chinese offices' Word templates have it); the character pitch is the type area's width / 28, which Word stores
# as the difference to the 16 pt em in 1/4096 pt (rounded so that 28 characters fit, not 27).
LINES, CHARS = 22, 28
LINE_PITCH = 579
CHAR_SPACE = -842
# The same pitch for readers that give a glyph wider than the grid two cells (LibreOffice): the body's characters
# are set 0.25 pt closer (w:spacing, twentieths of a point), 15.75 pt each, so 28 fit the line either way.
TRACKING = -5

BODY_PT, TITLE_PT, PAGE_NUMBER_PT, NOTE_PT = 16, 22, 14, 14
CHAR = pt(BODY_PT)  # one character of the body, the unit of 空一字 / 空二字
MASTHEAD_PT = {"official": 36, "briefing": 42}

# Faces as offices have them installed (docs/document-formats.md): the ascii/hAnsi name is the GB2312 face,
# the East Asian face the one every Windows has; the font table names the other as the alternative.
FANGSONG = ("仿宋_GB2312", "仿宋")
KAITI = ("楷体_GB2312", "楷体")
HEITI = ("黑体", "黑体")
XIAOBIAOSONG = ("方正小标宋简体", "方正小标宋简体")
SONGTI = ("宋体", "宋体")
ALT_NAMES = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}

RED = "FF0000"
BLACK = "000000"
# 7.4.1 版记中的分隔线: first and last 0.35 mm (about 1 pt), middle 0.25 mm (about 0.75 pt); sizes in 1/8 pt.
THICK_RULE, THIN_RULE = 8, 6
RED_RULE = 12  # the 版头's red rule (the standard gives its colour and length only)
RED_RULE_GAP = 11  # pt between the 发文字号 and the red rule under it: 4 mm (7.2.4 / 7.2.6)


def text_units(text: str) -> float:
    """The width of `text` in body characters: CJK, full-width marks and the Chinese faces' symbols (— “ ” Ⅰ …) one,
    Latin letters and digits half."""
    return sum(0.5 if ord(c) < 0x2000 else 1 for c in text)


def fonts_xml(face: tuple[str, str]) -> str:
    latin, east_asian = face
    return f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asian}" w:cs="{latin}" w:hint="eastAsia"/>'


def run_xml(text: str, *, face=None, size=None, color=None, bold=None, scale=None) -> str:
    """A run of plain text; `text` is escaped here (the only way text enters the XML)."""
    props = []
    if face:
        props.append(fonts_xml(face))
    if bold is not None:
        props.append(f'<w:b w:val="{1 if bold else 0}"/><w:bCs w:val="{1 if bold else 0}"/>')
    if color:
        props.append(f'<w:color w:val="{color}"/>')
    if scale:
        props.append(f'<w:w w:val="{scale}"/>')
    if size:
        props.append(f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>')
    rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""
    pieces = re.split(r"(\t|\n)", text)
    inner = "".join(
        "<w:tab/>" if p == "\t" else "<w:br/>" if p == "\n" else f'<w:t xml:space="preserve">{escape(p)}</w:t>'
        for p in pieces
        if p
    )
    return f"<w:r>{rpr}{inner}</w:r>"


def paragraph_xml(runs: str, *, style=None, align=None, right=None, left=None, first_line=None, extra="") -> str:
    props = []
    if style:
        props.append(f"<w:pStyle w:val={quoteattr(style)}/>")
    props.append(extra)
    indent = {"w:left": left, "w:right": right, "w:firstLine": first_line}
    attrs = " ".join(f'{k}="{v}"' for k, v in indent.items() if v is not None)
    if attrs:
        props.append(f"<w:ind {attrs}/>")
    if align:
        props.append(f'<w:jc w:val="{align}"/>')
    return f"<w:p><w:pPr>{''.join(props)}</w:pPr>{runs}</w:p>"
