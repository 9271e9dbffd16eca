"""PDF for archiving: a generated report converted by LibreOffice headless, and the download view."""

import datetime as dt
import io
import subprocess
from zoneinfo import ZoneInfo

import pytest

from reporting import pdf
from reporting.models import Report
from reporting.periodic import generate_periodic_report

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def weekly(org):
    return generate_periodic_report("weekly", dt.date(2026, 11, 9), now=dt.datetime(2026, 11, 16, 9, tzinfo=SH))


def pdftotext(data, tmp_path):
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(text.split())  # pdftotext spaces out digits among Chinese characters


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

    monkeypatch.setattr("reporting.version_views.convert_to_pdf", no_second_conversion)
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
    names = ["daily", "special", "supervision", "risk_notice", "weekly", "monthly", "quarterly"]
    for name in names:
        assert (tmp_path / f"{name}.docx").read_bytes().startswith(b"PK")
        assert (tmp_path / f"{name}-1.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "ledger.xlsx").exists() and (tmp_path / "ledger-1.png").exists()
    assert not Incident.objects.exists() and not Report.objects.exists()  # the demo data was rolled back
