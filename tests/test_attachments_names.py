"""Issue 14 and 18: attachments under the name they were uploaded as (not progress_8ThhdnH.txt), images as
thumbnails, images and PDF shown in the browser (inline) and everything else downloaded, with nosniff kept."""

import importlib
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents import services
from incidents.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
TEXT = "已约谈食堂负责人，整改进展如下。".encode()

backfill_migration = importlib.import_module("incidents.migrations.0012_attachment_original_name")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def feedback_with(org, dispatched, *files):
    services.claim_ticket(org.edu_liaison, dispatched.lead)
    return services.submit_feedback(
        org.edu_liaison, dispatched.lead, kind="progress", content="进展", files=list(files)
    )


def test_the_original_name_is_kept_when_the_storage_renames_a_taken_name(org, dispatched, media):
    feedback_with(org, dispatched, upload("进展说明.txt", TEXT))
    services.submit_feedback(
        org.edu_liaison, dispatched.lead, kind="progress", content="再报", files=[upload("进展说明.txt", TEXT)]
    )
    first, second = Attachment.objects.order_by("id")
    assert first.display_name == second.display_name == "进展说明.txt"
    assert second.name != "进展说明.txt"  # the storage's own name, e.g. 进展说明_8ThhdnH.txt
    # The checked type still decides the extension (a PNG named .html is a .png).
    feedback = services.submit_feedback(
        org.edu_liaison, dispatched.lead, kind="progress", content="截图", files=[upload("截图.html", PNG)]
    )
    assert feedback.attachments.get().display_name == "截图.png"


def test_download_uses_the_original_chinese_name_rfc_5987(client, org, dispatched, media):
    feedback_with(org, dispatched, upload("进展说明.txt", TEXT))
    feedback_with_second = services.submit_feedback(
        org.edu_liaison, dispatched.lead, kind="progress", content="再报", files=[upload("进展说明.txt", TEXT)]
    )
    attachment = feedback_with_second.attachments.get()
    client.force_login(org.duty)
    response = client.get(reverse("attachment_download", args=[attachment.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('进展说明.txt')}" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    # Text is never shown inline, even when asked.
    asked = client.get(reverse("attachment_download", args=[attachment.pk]) + "?inline=1")
    assert asked["Content-Disposition"].startswith("attachment;") and asked["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("name", "content", "content_type"), [("现场.png", PNG, "image/png"), ("通报.pdf", PDF, "application/pdf")]
)
def test_images_and_pdf_preview_inline_with_nosniff(client, org, dispatched, media, name, content, content_type):
    feedback = feedback_with(org, dispatched, upload(name, content))
    attachment = feedback.attachments.get()
    client.force_login(org.duty)
    response = client.get(reverse("attachment_download", args=[attachment.pk]) + "?inline=1")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert quote(name) in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_pages_show_a_thumbnail_with_the_original_name_as_alt(client, org, dispatched, media):
    feedback = feedback_with(org, dispatched, upload("现场照片.png", PNG), upload("进展说明.txt", TEXT))
    image, text = feedback.attachments.order_by("id")
    client.force_login(org.duty)
    for url in (
        reverse("incident_detail", args=[dispatched.incident.pk]),
        reverse("ticket_detail", args=[dispatched.lead.pk]),
    ):
        page = client.get(url).content.decode()
        src = reverse("attachment_download", args=[image.pk]) + "?inline=1"
        assert f'<img src="{src}" alt="现场照片.png"' in page
        assert "进展说明.txt" in page and text.name not in page.replace("进展说明.txt", "")
        assert 'style="' not in page


def test_a_reader_who_may_not_see_the_ticket_gets_no_preview(client, org, dispatched, media):
    feedback = feedback_with(org, dispatched, upload("现场.png", PNG))
    client.force_login(org.police_liaison)
    url = reverse("attachment_download", args=[feedback.attachments.get().pk]) + "?inline=1"
    assert client.get(url).status_code == 404


def test_the_migration_backfills_existing_rows_from_the_stored_name(org, dispatched, media):
    feedback = feedback_with(org, dispatched, upload("progress.txt", TEXT))
    attachment = feedback.attachments.get()
    Attachment.objects.filter(pk=attachment.pk).update(
        original_name="", file="attachments/2026/11/progress_8ThhdnH.txt"
    )
    apps = SimpleNamespace(get_model=lambda app, model: Attachment)
    backfill_migration.backfill(apps, None)
    attachment.refresh_from_db()
    assert attachment.original_name == "progress.txt"
