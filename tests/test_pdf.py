"""PDF for archiving: a generated report converted by LibreOffice headless, and the download view.

The archived PDF (issue 13) is A4 like the .docx, PDF/A-2b with every font embedded, in the free faces the
standard ones map to on the server (deploy/fontconfig/), and keeps the body's 28 characters a line."""

import datetime as dt
import io
import os
import re
import subprocess
import zipfile
from zoneinfo import ZoneInfo

import pytest

from reporting import pdf
from reporting.documents import render_docx, sample_content
from reporting.models import Report
from reporting.periodic import generate_periodic_report

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def weekly(org):
    return generate_periodic_report("weekly", dt.date(2026, 11, 9), now=dt.datetime(2026, 11, 16, 9, tzinfo=SH))


def pdftotext(data, tmp_path, *options):
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, check=True, text=True).stdout
    return text if options else "".join(text.split())  # pdftotext spaces out digits among Chinese characters


def poppler(tool, data, tmp_path, *options):
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, *options, str(path)], capture_output=True, check=True, text=True).stdout


def page_sizes(data, tmp_path):
    """(width, height) in pt of every page."""
    info = poppler("pdfinfo", data, tmp_path, "-f", "1", "-l", "999")
    return [(float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)]


def fonts(data, tmp_path):
    """{font name without its subset tag: embedded?} as pdffonts lists them."""
    rows = poppler("pdffonts", data, tmp_path).splitlines()[2:]
    # name … emb sub uni object-id generation: the type column may hold spaces, so count from the right
    return {row.split()[0].split("+")[-1]: row.split()[-5] == "yes" for row in rows}


# The free faces standing in for 仿宋/楷体 (Fandol) and 宋体/小标宋/黑体 (Noto CJK; its PostScript names say "jp":
# one CFF serves the SC, TC, JP and KR faces of the collection).
MAPPED_FACES = ("FandolFang-", "FandolKai-", "NotoSerifCJK", "NotoSansCJK")
A4 = (595.3, 841.9)


def periodic(kind):
    if kind == "weekly":  # 简报 (briefing family)
        return generate_periodic_report("weekly", dt.date(2026, 11, 9), now=dt.datetime(2026, 11, 16, 9, tzinfo=SH))
    # 季度通报, a 公文 (official family)
    return generate_periodic_report("quarterly", dt.date(2026, 10, 1), now=dt.datetime(2027, 1, 5, 9, tzinfo=SH))


@pytest.mark.parametrize("kind", ["weekly", "quarterly"])
def test_the_archived_pdf_is_a4_pdfa_in_the_mapped_faces_all_embedded(org, kind, tmp_path):
    report = periodic(kind)
    with report.latest_version.file.open("rb") as f:
        data = pdf.convert_to_pdf(f.read())
    sizes = page_sizes(data, tmp_path)
    assert 1 <= len(sizes) <= 3
    for width, height in sizes:
        assert abs(width - A4[0]) <= 3 and abs(height - A4[1]) <= 3
    used = fonts(data, tmp_path)
    assert used and all(used.values()), used  # every font embedded
    assert all(name.startswith(MAPPED_FACES) for name in used), used  # no WenQuanYi, DejaVu, Liberation …
    assert any(name.startswith("FandolFang-") for name in used)  # the body, 仿宋
    assert any(name.startswith("NotoSerifCJK") and "Bold" in name for name in used)  # the title, 小标宋
    assert report.title in pdftotext(data, tmp_path)
    metadata = poppler("pdfinfo", data, tmp_path, "-meta")
    assert "<pdfaid:part>2</pdfaid:part>" in metadata and "<pdfaid:conformance>B</pdfaid:conformance>" in metadata


def test_the_body_keeps_28_characters_a_line(db, tmp_path):
    content = sample_content("supervision")
    content["sections"][0]["text"] = "舆情" * 60
    data = pdf.convert_to_pdf(render_docx(content))
    lines = [line.strip() for line in pdftotext(data, tmp_path, "-layout").splitlines() if "舆情舆情" in line]
    # first line indented two characters, then full lines, then the rest: 26 + 28 + 28 + 28 + 10
    assert [len(line) for line in lines] == [26, 28, 28, 28, 10]


@pytest.mark.parametrize(
    ("face", "family"),
    [
        ("仿宋_GB2312", "FandolFang"),
        ("仿宋", "FandolFang"),
        ("楷体_GB2312", "FandolKai"),
        ("楷体", "FandolKai"),
        ("方正小标宋简体", "Noto Serif CJK SC:Bold"),
        ("小标宋", "Noto Serif CJK SC:Bold"),
        ("宋体", "Noto Serif CJK SC:Regular"),
        ("黑体", "Noto Sans CJK SC:Regular"),
    ],
)
def test_the_standard_faces_map_to_the_free_fonts_on_the_server(face, family, tmp_path):
    env = {**os.environ, "FONTCONFIG_FILE": str(pdf.fontconfig_file(tmp_path))}
    found = subprocess.run(
        ["fc-match", "--format", "%{family[0]}:%{style[0]}", f"{face}:lang=zh-cn"],
        env=env,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert found.startswith(family)


def test_libreoffice_gets_the_character_grid_as_word_lays_it_out(db):
    docx = render_docx(sample_content("supervision"))
    adjusted = pdf.character_grid_for_libreoffice(docx)
    with zipfile.ZipFile(io.BytesIO(docx)) as before, zipfile.ZipFile(io.BytesIO(adjusted)) as after:
        assert before.namelist() == after.namelist()
        document, styles = after.read("word/document.xml").decode(), after.read("word/styles.xml").decode()
        char_space = int(re.search(r'w:charSpace="(-?\d+)"', before.read("word/document.xml").decode())[1])
    assert 'w:type="linesAndChars"' not in document and 'w:type="lines"' in document
    twips = int(re.search(r'<w:rPrDefault>\s*<w:rPr><w:spacing w:val="(-?\d+)"/>', styles)[1])
    assert twips <= char_space / 4096 * 20 < twips + 1  # the grid's spacing, rounded down
    assert pdf.character_grid_for_libreoffice(adjusted) == adjusted  # no character grid left: unchanged


def test_a_generated_report_converts_to_pdf_with_its_chinese_text(weekly, tmp_path):
    with weekly.latest_version.file.open("rb") as f:
        data = pdf.convert_to_pdf(f.read())
    assert data.startswith(b"%PDF")
    text = pdftotext(data, tmp_path)
    assert weekly.title in text and "一、总体情况" in text


def test_office_downloads_the_pdf_which_is_kept_for_the_next_time(weekly, org, client, monkeypatch, tmp_path):
    client.force_login(org.duty)
    url = f"/reports/{weekly.pk}/versions/1/download/"
    response = client.get(url, {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and weekly.title in pdftotext(body, tmp_path)
    assert ".pdf" in response["Content-Disposition"]

    def no_second_conversion(*args, **kwargs):
        raise AssertionError("converted twice")

    monkeypatch.setattr("reporting.downloads.convert_to_pdf", no_second_conversion)
    assert client.get(url, {"format": "pdf"}).status_code == 200
    docx = client.get(url)
    assert docx.status_code == 200 and b"".join(docx.streaming_content).startswith(b"PK")  # the .docx itself


def test_who_may_download(weekly, org, client):
    url = f"/reports/{weekly.pk}/versions/1/download/"
    client.force_login(org.leader)
    assert client.get(url).status_code == 404  # a draft is the office's until issued
    Report.objects.filter(pk=weekly.pk).update(status=Report.Status.ISSUED)
    assert client.get(url).status_code == 200
    client.force_login(org.edu_liaison)  # a periodic report is for leaders, not for a unit's liaison
    assert client.get(url).status_code == 404
    supervision = Report.objects.create(
        kind=Report.Kind.SUPERVISION, title="督报", unit=org.health, status=Report.Status.ISSUED
    )
    assert client.get(f"/reports/{supervision.pk}/versions/1/download/").status_code == 404  # another unit's
    client.force_login(org.duty)
    assert client.get(f"/reports/{weekly.pk}/versions/9/download/").status_code == 404


def test_without_libreoffice_the_user_is_told(weekly, org, client, monkeypatch):
    monkeypatch.setattr(pdf, "soffice_binary", lambda: None)
    client.force_login(org.duty)
    response = client.get(f"/reports/{weekly.pk}/versions/1/download/", {"format": "pdf"})
    assert response.status_code == 503 and "未安装 LibreOffice" in response.content.decode()


def test_a_hung_conversion_is_killed_after_the_timeout(tmp_path):
    with pytest.raises(pdf.ConversionError, match="超时"):
        pdf._run(["sh", "-c", "sleep 30"], timeout=1, cwd=str(tmp_path))


def test_pdf_pages_render_to_png(weekly, tmp_path):
    with weekly.latest_version.file.open("rb") as f:
        data = pdf.convert_to_pdf(f.read())
    pages = pdf.pdf_to_png_pages(data, tmp_path / "weekly", last=1)
    assert [p.name for p in pages] == ["weekly-1.png"]
    assert pages[0].read_bytes().startswith(b"\x89PNG")


def test_render_samples_writes_every_document_and_leaves_the_database_alone(db, tmp_path):
    from django.core.management import call_command

    from incidents.models import Incident

    call_command("render_samples", out=str(tmp_path), pages=1, stdout=io.StringIO())
    names = ["daily", "special", "special_upward", "supervision", "risk_notice", "weekly", "monthly", "quarterly"]
    for name in names:
        assert (tmp_path / f"{name}.docx").read_bytes().startswith(b"PK")
        assert (tmp_path / f"{name}-1.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "ledger.xlsx").exists() and (tmp_path / "ledger-1.png").exists()
    assert not Incident.objects.exists() and not Report.objects.exists()  # the demo data was rolled back


def last_page_lines(data, tmp_path):
    """The last page's height and its text lines as (y of the line's foot in pt from the page's top, text), top to
    bottom: the words of pdftotext -bbox-layout joined by their foot and x (it splits a line at a tab)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    height, page = re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', html, re.S)[-1]
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)
    lines = {}
    for _x, y, word in sorted(words, key=lambda w: (round(float(w[1])), float(w[0]))):
        lines[round(float(y))] = lines.get(round(float(y)), "") + word
    return float(height), sorted(lines.items())


@pytest.mark.parametrize("kind", ["supervision", "weekly"])
def test_the_closing_block_sits_at_the_foot_of_the_last_page(db, kind, tmp_path):
    """GB/T 9704-2012 7.4: 版记 on the last page, its last element at the page's foot (the 简报's 报/送/发 the same),
    not straight under the 落款: its lines are the last of the type area, the last one's foot at the foot of the
    type area (35 mm above the paper's edge), and the page number below."""
    content = sample_content(kind)
    content["sections"] = [content["sections"][0], content["sections"][2]]  # room for the block on the page
    data = pdf.convert_to_pdf(render_docx(content))
    height, lines = last_page_lines(data, tmp_path)
    type_area_foot = height - 35 / 25.4 * 72
    text = [words for y, words in lines if y <= type_area_foot + 2]
    closing = "2026年12月2日印发" if kind == "supervision" else "发：各乡镇、县直各单位"
    assert closing in text[-1], text
    foot = next(y for y, words in lines if closing in words)
    assert type_area_foot - 20 < foot <= type_area_foot + 2, (foot, type_area_foot)
    first = next(i for i, (_, words) in enumerate(lines) if words.startswith(("抄送", "报：")))
    assert lines[first][0] - lines[first - 1][0] > 45  # set apart from the 落款 or the body, not the next line
