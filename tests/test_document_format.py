"""Every kind of document, generated through the services that make it and read back with python-docx, against
GB/T 9704-2012 (公文) and the 简报 layout of docs/document-formats.md (issue 13): A4, margins and type area
within ±1 mm, body and title faces and sizes, the fixed line pitch, page numbers (odd right, even left), the 版头
or masthead and 期号, the 版记 or 报送 block, dates without zero padding, the 密级 of a confidential item, the
issuing office as author and zh-CN as the language."""

import datetime as dt
import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docxtpl import DocxTemplate

from core.errors import InvalidInput
from incidents import services as incident_services
from incidents.models import TicketRole
from reporting import documents, services
from reporting.daily import generate_daily_report
from reporting.documents import body, layout
from reporting.models import Report, ReportSettings, RiskTopic
from reporting.periodic import generate_periodic_report

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)  # a Wednesday; the 2nd shows any zero padding
TODAY = "2026年12月2日"
ISSUER = "示范县网络舆情工作领导小组办公室"
TOLERANCE = Mm(1)
OFFICIAL = {"supervision", "risk_notice", "quarterly", "special_upward"}


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def office(org):
    ReportSettings.current()
    ReportSettings.objects.filter(pk=1).update(issuer=ISSUER, copy_to="县委宣传部", briefing_send_to="县委网信办")
    return org


@pytest.fixture
def major(office, make_incident):
    incident = make_incident("网传某镇化工厂泄漏", grade="II", subject_unit=office.town, views=1200)
    (lead,) = incident_services.dispatch_incident(office.duty, incident, assignments=[(office.edu, TicketRole.LEAD)])
    return incident, lead


def docx_of(report):
    with report.versions.order_by("-number").first().file.open("rb") as f:
        return f.read()


def generate(kind, office, major):
    incident, lead = major
    if kind == "daily":
        return generate_daily_report(dt.date(2026, 12, 1), now=NOW)
    if kind in ("weekly", "monthly", "quarterly"):
        first = {"weekly": dt.date(2026, 11, 23), "monthly": dt.date(2026, 11, 1), "quarterly": dt.date(2026, 7, 1)}
        return generate_periodic_report(kind, first[kind], now=NOW)
    if kind in ("special", "special_upward"):
        ReportSettings.objects.filter(pk=1).update(special_upward=kind == "special_upward", signer="李明")
        return services.create_special_report(office.duty, incident)
    if kind == "supervision":
        return services.issue_supervision_notice(
            office.duty, lead, reason="逾期未反馈", due_at=NOW + dt.timedelta(days=1)
        )
    topic = RiskTopic.objects.create(name="校园安全", keywords="化工", unit=office.edu, threshold=1)
    return services.issue_risk_notice(office.duty, topic)


def within(value, millimetres):
    return abs(value - Mm(millimetres)) <= TOLERANCE


def fonts(style):
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:ascii")), fonts.get(qn("w:eastAsia"))


def check_page(doc):
    """GB/T 9704-2012 5.2: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm."""
    page = doc.sections[0]
    assert within(page.page_width, 210) and within(page.page_height, 297)
    assert within(page.top_margin, 37) and within(page.left_margin, 28)
    assert within(page.right_margin, 26) and within(page.bottom_margin, 35)
    assert within(page.page_width - page.left_margin - page.right_margin, 156)
    assert within(page.page_height - page.top_margin - page.bottom_margin, 225)
    grid = page._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars" and int(grid.get(qn("w:linePitch"))) == 579  # 28.95 pt


def check_type(doc):
    """3号仿宋 body on a fixed 28.95 pt line (22 lines a page), 2号小标宋 title centred, 一、 黑体, （一） 楷体."""
    normal = doc.styles["Normal"]
    assert fonts(normal) == ("仿宋_GB2312", "仿宋") and normal.font.size == Pt(16)
    spacing = normal.paragraph_format
    assert spacing.line_spacing_rule == WD_LINE_SPACING.EXACTLY and abs(spacing.line_spacing - Pt(28.95)) < Pt(0.05)
    assert int(225 / 25.4 * 72 / spacing.line_spacing.pt) == 22
    lang = normal.element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    title = doc.styles["Title"]
    assert fonts(title) == ("方正小标宋简体", "方正小标宋简体") and title.font.size == Pt(22)
    assert title.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert fonts(doc.styles["Heading 1"])[0] == "黑体" and fonts(doc.styles["Heading 2"]) == ("楷体_GB2312", "楷体")
    headings = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings and all(re.match(r"^[一二三四五六七八九十]+、", p.text) for p in headings)


def check_page_numbers(doc):
    """7.5: "— 1 —" in 4号宋体, odd pages right and even pages left, a PAGE field in each footer."""
    assert doc.settings.odd_and_even_pages_header_footer
    page = doc.sections[0]
    for footer, alignment in (
        (page.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (page.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        assert not footer.is_linked_to_previous
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == alignment
        assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
    assert doc.styles["Footer"].font.size == Pt(14) and fonts(doc.styles["Footer"])[1] == "宋体"


def check_properties(data, doc):
    assert doc.core_properties.author == ISSUER and doc.core_properties.language == "zh-CN"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            assert b"python-docx" not in package.read(name), name


def check_dates(doc):
    text = "\n".join(p.text for p in doc.paragraphs)
    assert TODAY in text
    assert not re.search(r"\d{4}年0\d月|月0\d日", text)


def bottom_border(paragraph):
    border = paragraph._p.pPr.find(qn("w:pBdr"))
    return None if border is None else border.find(qn("w:bottom"))


def closing_block(doc):
    """The 版记 / 报送 block: the last table, floating at the foot of the type area, thick first and last rule,
    thin rules between (7.4.1)."""
    block = doc.tables[-1]
    props = block._tbl.tblPr
    position = props.find(qn("w:tblpPr"))
    assert position.get(qn("w:tblpYSpec")) == "bottom" and position.get(qn("w:vertAnchor")) == "margin"
    # placed from the page's edge at the left margin: LibreOffice floats it then (a table as wide as the type area
    # placed from the margin it sets inline, under the 落款)
    assert position.get(qn("w:horzAnchor")) == "page" and within(Twips(int(position.get(qn("w:tblpX")))), 28)
    borders = props.find(qn("w:tblBorders"))
    sizes = {side: int(borders.find(qn(f"w:{side}")).get(qn("w:sz"))) for side in ("top", "bottom", "insideH")}
    assert sizes == {"top": 8, "bottom": 8, "insideH": 6}  # 0.35 mm and 0.25 mm, in eighths of a point
    return [row.cells[0].text for row in block.rows]


def check_official(doc, report, kind):
    texts = [p.text for p in doc.paragraphs]
    masthead = next(p for p in doc.paragraphs if p.style.name == "发文机关标志")
    assert masthead.text == ISSUER and str(doc.styles["发文机关标志"].font.color.rgb) == "FF0000"
    assert masthead.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    prefix = {
        "supervision": "县网舆督",
        "risk_notice": "县网舆函",
        "quarterly": "县网舆通",
        "special_upward": "县网舆报",
    }
    number = f"{prefix[kind]}〔2026〕{report.sequence}号"
    assert report.doc_number == number and report.content["doc_number"] == number
    line = next(p for p in doc.paragraphs if p.text.startswith(number))
    rule = bottom_border(line)
    assert rule.get(qn("w:color")) == "FF0000" and int(rule.get(qn("w:space"))) == 11  # 4 mm under the number
    assert line.paragraph_format.left_indent in (None, 0) and line.paragraph_format.right_indent in (None, 0)
    if kind == "special_upward":  # 上行文: number left (空一字), 签发人 right
        assert line.text == f"{number}\t签发人：李明"
        assert line.paragraph_format.first_line_indent == Pt(16)
        signer = [r for r in line.runs if r.text == "李明"][0]
        assert signer.font.name == "楷体_GB2312"
    else:
        assert line.text == number and line.alignment == WD_ALIGN_PARAGRAPH.CENTER
    index = texts.index(line.text)
    assert texts[index + 1 : index + 3] == ["", ""] and doc.paragraphs[index + 3].style.name == "Title"  # 空二行
    recipient = next(p for p in doc.paragraphs[index:] if p.text.endswith("："))
    assert recipient.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY)
    assert recipient.paragraph_format.first_line_indent in (None, 0) and recipient.text == (
        report.content["main_recipient"] + "："
    )
    office_line, date_line = [p for p in doc.paragraphs if p.style.name == "Signature"]
    assert (office_line.text, date_line.text) == (ISSUER, TODAY)
    assert date_line.alignment == WD_ALIGN_PARAGRAPH.RIGHT and date_line.paragraph_format.right_indent == Pt(64)
    rows = closing_block(doc)
    assert rows == ["　抄送：县委宣传部", f"　{ISSUER}\t{TODAY}印发　"]


def check_briefing(doc, report, kind):
    texts = [p.text for p in doc.paragraphs]
    masthead = next(p for p in doc.paragraphs if p.style.name == "简报报头")
    assert masthead.text == Report.Kind(kind).label and str(doc.styles["简报报头"].font.color.rgb) == "FF0000"
    assert report.sequence and report.total_sequence and report.year == 2026
    issue = f"第{report.sequence}期（总第{report.total_sequence}期）"
    assert texts[texts.index(masthead.text) + 1] == issue
    compiler = next(p for p in doc.paragraphs if p.text.startswith(ISSUER + "\t"))
    assert compiler.text == f"{ISSUER}\t{report.content['date']}"
    assert bottom_border(compiler).get(qn("w:color")) == "FF0000"
    rows = closing_block(doc)
    assert rows[0].startswith("　报：") and "　送：县委网信办" in rows


KINDS = ["daily", "weekly", "monthly", "special", "special_upward", "quarterly", "supervision", "risk_notice"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_document_is_laid_out_as_offices_issue_it(kind, office, major):
    report = generate(kind, office, major)
    data = docx_of(report)
    doc = Document(io.BytesIO(data))
    check_page(doc)
    check_type(doc)
    check_page_numbers(doc)
    check_properties(data, doc)
    if kind in OFFICIAL:
        check_official(doc, report, kind)
        check_dates(doc)
    else:
        check_briefing(doc, report, kind)
        if kind != "daily":  # the 日报 is dated by its period's day (1 December)
            check_dates(doc)


def test_numbers_run_per_kind_and_year_without_padding(office, major):
    """发文字号 sequence per kind and year (7.2.4); a 简报's 期号 restarts with the year, its 总期号 does not."""
    _, lead = major
    first = services.issue_supervision_notice(office.duty, lead, reason="一", due_at=NOW + dt.timedelta(days=1))
    second = services.issue_supervision_notice(office.duty, lead, reason="二", due_at=NOW + dt.timedelta(days=1))
    topic = RiskTopic.objects.create(name="校园安全", keywords="化工", unit=office.edu, threshold=1)
    notice = services.issue_risk_notice(office.duty, topic)
    assert [first.doc_number, second.doc_number, notice.doc_number] == [
        "县网舆督〔2026〕1号",
        "县网舆督〔2026〕2号",
        "县网舆函〔2026〕1号",
    ]
    december = generate_daily_report(dt.date(2026, 12, 1), now=NOW)
    with time_machine.travel(dt.datetime(2027, 1, 2, 10, tzinfo=SH), tick=False):
        january = generate_daily_report(dt.date(2027, 1, 1))
    assert (december.year, december.sequence, december.total_sequence) == (2026, 1, 1)
    assert (january.year, january.sequence, january.total_sequence) == (2027, 1, 2)
    again = generate_daily_report(dt.date(2026, 12, 1), now=NOW + dt.timedelta(hours=1))  # regenerated: same number
    assert (again.pk, again.sequence) == (december.pk, 1)


def test_the_prefix_is_the_office_setting(office, major):
    ReportSettings.objects.filter(pk=1).update(number_prefix_supervision="示网督")
    notice = services.issue_supervision_notice(office.duty, major[1], reason="一", due_at=NOW + dt.timedelta(days=1))
    assert notice.doc_number == "示网督〔2026〕1号"
    assert "示网督〔2026〕1号" in [p.text for p in Document(io.BytesIO(docx_of(notice))).paragraphs]


def test_a_confidential_item_carries_its_copy_number_and_classification(office, make_incident):
    """7.2.1 / 7.2.2: 份号 (six digits) and 密级, 3号黑体, top left, on a document carrying a confidential item;
    none on an ordinary one."""
    secret = make_incident("某局干部收受礼金", grade="II", is_confidential=True)
    plain = make_incident("某校门口道路积水", grade="II")
    marked = Document(io.BytesIO(docx_of(services.create_special_report(office.duty, secret))))
    assert [p.text for p in marked.paragraphs[:2]] == ["000001", "内部 / 敏感"]
    style = marked.paragraphs[1].style
    assert style.name == "份号密级" and fonts(style)[1] == "黑体" and style.font.size == Pt(16)
    assert style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
    ordinary = Document(io.BytesIO(docx_of(services.create_special_report(office.duty, plain))))
    assert [p.text for p in ordinary.paragraphs[:2]] == ["", ""]


def test_urgency_and_attachment_note_where_set(db):
    """7.2.3 紧急程度 under the 密级; 7.3.4 附件说明 one line below the body, two characters in."""
    content = documents.sample_content("supervision")
    doc = Document(io.BytesIO(documents.render_docx(content)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:3] == ["000001", "内部 / 敏感", "加急"]
    note = next(p for p in doc.paragraphs if p.text.startswith("附件："))
    assert texts[texts.index(note.text) - 1] == "" and note.style.name == "Body Text"
    bare = Document(io.BytesIO(documents.render_docx({**content, "urgency": "", "attachment_note": ""})))
    assert not any(p.text.startswith("附件") for p in bare.paragraphs) and bare.paragraphs[2].text == ""


@pytest.mark.parametrize("kind", sorted(documents.FAMILY))
def test_every_shipped_template_renders_its_sample_and_uses_only_known_placeholders(kind, db):
    template = documents.shipped_template(kind)
    names = DocxTemplate(io.BytesIO(template)).get_undeclared_template_variables()
    assert names <= documents.PLACEHOLDERS[documents.FAMILY[kind]]
    text = "\n".join(
        p.text for p in Document(io.BytesIO(documents.render_docx(documents.sample_content(kind)))).paragraphs
    )
    assert "{{" not in text and "{%" not in text


def test_no_automatic_space_between_chinese_and_latin_text(db):
    """2026年11月30日 is set as typed (Word): autoSpaceDE/autoSpaceDN off in the Normal style, which every style of
    the template is based on."""
    doc = Document(io.BytesIO(documents.render_docx(documents.sample_content("supervision"))))
    ppr = doc.styles["Normal"]._element.pPr
    assert ppr.find(qn("w:autoSpaceDE")).get(qn("w:val")) == "0"
    assert ppr.find(qn("w:autoSpaceDN")).get(qn("w:val")) == "0"


def test_table_columns_fit_their_short_cells_and_cells_keep_off_the_rules(db):
    """Ids, grades, units and percentages stay on one line: each column of short cells is as wide as its widest
    at the size chosen (4号, else 小四, else 五号); a title column wraps in what is left; cell text has space above
    and below."""
    headers = ["编号", "标题", "等级", "主办单位", "状态"]
    rows = [
        ["YQ20261130-00004", "网传某小学食堂饭菜变质，家长群热议引发关注", "Ⅰ级 特别重大", "县卫生健康委", "处置中"]
    ]
    size, widths = body._layout(headers, rows)
    assert size in (14, 12) and sum(widths) <= 8845
    for column in (0, 2, 3, 4):
        needed = layout.text_units(rows[0][column]) * size * 20 + 2 * body.CELL_MARGIN
        assert widths[column] >= needed, (column, widths[column], needed)
    assert widths[1] >= 8 * size * 20  # the title: eight characters a line at least
    xml = body.table_xml(headers, rows)
    assert f'<w:top w:w="{body.CELL_SPACE}" w:type="dxa"/>' in xml and body.CELL_SPACE > 0
    assert f'<w:sz w:val="{round(size * 2)}"/>' in xml


def test_a_list_item_is_set_flush_left(db):
    """A line before an id no line can break in is not spread with wide gaps: list items are flush left."""
    xml = body.body_xml(
        [
            documents.section(
                "a", "一、重点舆情", "1. 【Ⅲ级 较大】网传城关镇拆迁补偿不公（YQ20261130-00010）。\n\n正文。"
            )
        ]
    )
    items = re.findall(r"<w:p>.*?</w:p>", str(xml))
    assert '<w:jc w:val="left"/>' in items[1] and "<w:jc" not in items[2]


def test_the_office_marks_a_notice_urgent_when_issuing_it(office, major, client):
    """紧急程度 (GB/T 9704-2012 7.2.3) is chosen on the 督报 form and printed at the top left of the 版头; anything but
    特急/加急 is refused and nothing is issued."""
    incident, lead = major
    client.force_login(office.duty)
    due = (NOW + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        f"/reports/supervision/new/{lead.pk}/", {"reason": "逾期未反馈", "due_at": due, "urgency": "特提"}
    )
    assert refused.status_code in (200, 400) and not Report.objects.filter(kind=Report.Kind.SUPERVISION).exists()
    with pytest.raises(InvalidInput):
        services.issue_supervision_notice(
            office.duty, lead, reason="一", due_at=NOW + dt.timedelta(days=1), urgency="快"
        )
    client.post(f"/reports/supervision/new/{lead.pk}/", {"reason": "逾期未反馈", "due_at": due, "urgency": "特急"})
    report = Report.objects.get(kind=Report.Kind.SUPERVISION)
    texts = [p.text for p in Document(io.BytesIO(docx_of(report))).paragraphs if p.text.strip()]
    assert "特急" in texts[:3]
