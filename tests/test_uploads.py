"""Issue 11 §4: attachments. At most UPLOAD_MAX_BYTES, of a type read from the content (not the name), stored
under the extension of that type, refused with a Chinese message and nothing stored (no row, no file), and
always downloaded as an attachment with nosniff."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from openpyxl import Workbook

from core.errors import InvalidInput
from core.models import AuditEvent
from incidents import services, uploads
from incidents.models import Attachment, Feedback, Incident

from .api_support import api_as, relaxed_throttles  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
GIF = b"GIF89a" + bytes(64)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"\n<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


def docx_bytes():
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("核实调查报告")
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def zip_bytes(content_types):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


MACRO_DOCM = zip_bytes(
    '<Types><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
)


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


# --- what the content is --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored_as"),
    [
        ("截图.png", PNG, "截图.png"),
        ("photo.JPG", JPEG, "photo.jpg"),
        ("动图.gif", GIF, "动图.gif"),
        ("a.webp", WEBP, "a.webp"),
        ("通报.pdf", PDF, "通报.pdf"),
        ("报告.docx", docx_bytes(), "报告.docx"),
        ("台账.xlsx", xlsx_bytes(), "台账.xlsx"),
        ("说明.txt", "情况说明\r\n第二行\t完".encode(), "说明.txt"),
        ("gbk.txt", "国标编码的说明".encode("gb18030"), "gbk.txt"),
        # The name does not decide: a real PNG called .html is stored as the PNG it is.
        ("截图.html", PNG, "截图.png"),
        ("no-extension", PDF, "no-extension.pdf"),
        ("../../etc/x.exe", PNG, "x.png"),
    ],
)
def test_allowed_types_are_recognised_by_content_and_named_after_it(name, content, stored_as):
    file = upload(name, content)
    assert uploads.accepted([file])[0].name == stored_as


@pytest.mark.parametrize(
    "content",
    [
        HTML,
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        EXE,
        MACRO_DOCM,
        zip_bytes("<Types/>"),
        b"PK\x03\x04broken zip",
        b"\x00\x01\x02binary\x00",
        b"",
    ],
    ids=["html", "svg", "exe", "docm", "other-zip", "broken-zip", "binary", "empty"],
)
def test_other_content_is_refused_whatever_its_name(content):
    with pytest.raises(InvalidInput) as refused:
        uploads.accepted([upload("截图.png", content)])
    assert "截图.png" in refused.value.message
    assert "未上传" in refused.value.message


def test_the_size_limit_is_a_setting(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    uploads.accepted([upload("ok.txt", b"a" * 1024)])
    with pytest.raises(InvalidInput) as refused:
        uploads.accepted([upload("big.txt", b"a" * 1025)])
    assert refused.value.field_errors == {"files": ["文件过大：每个附件不超过 1 KB。"]}


def test_the_default_limit_is_20_mb(settings):
    assert settings.UPLOAD_MAX_BYTES == 20 * 1024 * 1024
    assert "20 MB" in uploads.too_large_message()


# --- the pages ----------------------------------------------------------------------------------------------


def intake(**extra):
    return {
        "title": "网传某校食堂问题",
        "category": "livelihood",
        "first_seen_at": "2026-01-05T09:00",
        "views": 10,
        "comments": 1,
        "reposts": 0,
        "site_count": 1,
        "media_level": "local",
        **extra,
    }


def test_intake_with_a_screenshot_stores_it_and_it_downloads_as_an_attachment(client, org, media):
    client.force_login(org.duty)
    response = client.post(reverse("incident_create"), intake(screenshot=upload("截图.html", PNG)))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "截图.png"
    assert stored_files(media) == ["截图.png"]
    download = client.get(reverse("attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG


def test_intake_refuses_a_disguised_page_and_stores_nothing(client, org, media):
    client.force_login(org.duty)
    response = client.post(reverse("incident_create"), intake(screenshot=upload("截图.png", HTML)))
    assert response.status_code == 200  # the form again
    assert response.context["form"].errors["screenshot"] == [uploads.NOT_ALLOWED]
    assert "不支持该文件类型" in response.content.decode()
    assert not Incident.objects.exists() and not Attachment.objects.exists() and not AuditEvent.objects.exists()
    assert stored_files(media) == []


def test_intake_refuses_an_oversized_file_without_reading_it_whole(client, org, media, settings):
    settings.UPLOAD_MAX_BYTES = 100 * 1024
    client.force_login(org.duty)
    response = client.post(reverse("incident_create"), intake(screenshot=upload("大图.png", PNG + bytes(300 * 1024))))
    assert response.status_code == 200
    assert response.context["form"].errors["screenshot"] == ["文件过大：每个附件不超过 100 KB。"]
    assert not Incident.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_the_upload_handler_stops_passing_data_on_past_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10
    handler = uploads.SizeLimitUploadHandler()
    handler.new_file("file", "a.png", "image/png", 100)
    assert handler.receive_data_chunk(b"x" * 8, 0) == b"x" * 8
    assert handler.receive_data_chunk(b"x" * 8, 8) is None  # not handed to the memory / temporary-file handlers
    oversize = handler.file_complete(16)
    assert oversize.oversize and oversize.size == 16
    with pytest.raises(Exception, match="文件过大"):
        uploads.check(oversize)


def test_feedback_with_a_bad_attachment_is_refused_and_the_ticket_is_unchanged(client, org, dispatched, media):
    services.claim_ticket(org.edu_liaison, dispatched.lead)
    client.force_login(org.edu_liaison)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("ticket_action", args=[dispatched.lead.pk, "feedback"]),
        {"feedback-kind": "progress", "feedback-content": "正在核实", "feedback-attachment": upload("进展.pdf", EXE)},
    )
    assert response.status_code == 400
    assert uploads.NOT_ALLOWED in response.content.decode()
    assert not Feedback.objects.exists() and not Attachment.objects.exists()
    assert AuditEvent.objects.count() == events
    assert stored_files(media) == []


def test_feedback_with_a_report_document_is_kept(client, org, dispatched, media):
    services.claim_ticket(org.edu_liaison, dispatched.lead)
    client.force_login(org.edu_liaison)
    response = client.post(
        reverse("ticket_action", args=[dispatched.lead.pk, "feedback"]),
        {
            "feedback-kind": "progress",
            "feedback-content": "见附件",
            "feedback-attachment": upload("进展", docx_bytes()),
        },
    )
    assert response.status_code == 302
    assert Feedback.objects.get().attachments.get().name == "进展.docx"


def test_the_service_refuses_before_writing_anything(org, media):
    with pytest.raises(InvalidInput):
        services.report_incident(org.duty, title="网传某事", files=[upload("a.png", PNG), upload("b.png", HTML)])
    assert not Incident.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_the_api_takes_no_file_upload(api_as, org, media):  # noqa: F811
    """The API accepts JSON only: a multipart body (a file) is a 415 with the JSON error body, nothing stored."""
    response = api_as(org.duty).post("/api/incidents/", {"title": "网传某事", "file": upload("a.png", PNG)})
    assert response.status_code == 415
    assert response.json()["detail"]
    assert not Incident.objects.exists() and stored_files(media) == []
