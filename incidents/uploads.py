"""What an attachment may be (issue 11 §4, 等保 2.0 入侵防范 / 数据完整性; ASVS V12.1–V12.5).

A screenshot of a post or a unit's 核实调查报告 is an image, a PDF, a Word or Excel document or plain text. The
type is read from the content (its magic bytes; for .docx/.xlsx the package's [Content_Types].xml), never from the
name, and the stored name is given the extension of the type found, so a page saved as 截图.png or a script named
报告.pdf is refused, and a real PNG named 截图.html is stored as 截图.png. Each file is at most UPLOAD_MAX_BYTES.
Refusal happens before anything is written: no row, no file in MEDIA_ROOT.

The name shown and downloaded under is the one given here (Attachment.original_name, kept before the storage adds
its own suffix to a taken name, issue 14), sent as RFC 5987 filename* for a Chinese name.

Images are not re-encoded (Pillow is not a dependency). Only the kinds a browser renders without running anything,
the images and PDF, may be shown inline (a thumbnail, the preview of issue 18: ?inline=1); everything else answers
Content-Disposition: attachment. Always with the content type of the checked kind and X-Content-Type-Options:
nosniff (incidents.views.attachment_download, SecurityMiddleware)."""

import codecs
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.deconstruct import deconstructible

from core.errors import InvalidInput
from core.text import first_control_character


@dataclass(frozen=True)
class Kind:
    label: str
    extension: str
    content_type: str


PNG = Kind("PNG 图片", ".png", "image/png")
JPEG = Kind("JPEG 图片", ".jpg", "image/jpeg")
GIF = Kind("GIF 图片", ".gif", "image/gif")
WEBP = Kind("WebP 图片", ".webp", "image/webp")
PDF = Kind("PDF 文档", ".pdf", "application/pdf")
DOCX = Kind("Word 文档", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = Kind("Excel 表格", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
TEXT = Kind("纯文本", ".txt", "text/plain")
KINDS = (PNG, JPEG, GIF, WEBP, PDF, DOCX, XLSX, TEXT)
BY_EXTENSION = {kind.extension: kind for kind in KINDS} | {".jpeg": JPEG}

ALLOWED_WORDS = "图片（PNG、JPEG、GIF、WebP）、PDF、Word（.docx）、Excel（.xlsx）或纯文本（.txt）"
UPLOAD_HELP = f"{ALLOWED_WORDS}，按文件内容识别类型；每个不超过 {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB"
NOT_ALLOWED = f"不支持该文件类型（按文件内容识别，而非文件名）。仅可上传{ALLOWED_WORDS}。"

# The part of an Office package that says what it is, and the main part's type each kind must declare. The
# macro-enabled variants (.docm/.xlsm) declare another type and are refused with everything else.
_OOXML_MAIN = {
    DOCX: b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"',
    XLSX: b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"',
}
_CONTENT_TYPES_MAX = 1024 * 1024  # a real [Content_Types].xml is a few KB; a larger one is not read (zip bomb)
_HEAD = 16
# Markup is active content, not plain text: a page, an SVG or XML saved under any name is refused.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe", b"<object")


def max_bytes():
    return settings.UPLOAD_MAX_BYTES


def size_words(limit):
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"


def too_large_message():
    return f"文件过大：每个附件不超过 {size_words(max_bytes())}。"


def _office_kind(file):
    """DOCX or XLSX if the zip package declares that main part, else None (also for a damaged zip)."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            declared = package.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError, ValueError):
        return None
    if b"<!DOCTYPE" in declared or b"<!ENTITY" in declared:
        return None
    found = [kind for kind, marker in _OOXML_MAIN.items() if marker in declared]
    return found[0] if len(found) == 1 else None


def _is_text(file):
    """UTF-8 (with or without BOM) or GB18030 text without control characters other than tab and line breaks,
    and not markup; read in chunks through an incremental decoder, so a large file is never held whole."""
    file.seek(0)
    start = file.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_MARKUP):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        file.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in file.chunks():
                if b"\x00" in chunk or first_control_character(decoder.decode(chunk).replace("\x0c", "")):
                    return False  # binary, whatever it decodes as
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return True
    return False


def detect(file):
    """The Kind the content of `file` shows, or None. Leaves the file at its start."""
    file.seek(0)
    head = file.read(_HEAD)
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return GIF
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"PK\x03\x04"):
            return _office_kind(file)
        if not head:
            return None
        return TEXT if _is_text(file) else None
    finally:
        file.seek(0)


def check(file):
    """The file's Kind; ValidationError (in Chinese) if it is too large or of a type not allowed."""
    if getattr(file, "oversize", False) or (file.size or 0) > max_bytes():
        raise ValidationError(too_large_message(), code="too_large")
    if not file.size:
        raise ValidationError("文件为空。", code="empty")
    kind = detect(file)
    if kind is None:
        raise ValidationError(NOT_ALLOWED, code="type")
    return kind


def stored_name(file, kind):
    """The upload's own name (without any directory part) with the extension of the kind found."""
    stem = PurePath((file.name or "").replace("\\", "/")).stem.strip() or "附件"
    return f"{stem[:80]}{kind.extension}"


def content_type_for(name):
    """The content type a stored attachment is downloaded with: that of its (checked) extension."""
    kind = BY_EXTENSION.get(PurePath(name).suffix.lower())
    return kind.content_type if kind else "application/octet-stream"


def accepted(files):
    """For the services: every file checked before anything is written, each renamed to the extension of the kind
    its content shows; InvalidInput naming the first file refused (nothing stored)."""
    files = list(files)
    for file in files:
        try:
            kind = check(file)
        except ValidationError as exc:
            reason = exc.messages[0]
            raise InvalidInput(
                f"附件「{PurePath(file.name or '').name}」未上传：{reason}", {"files": [reason]}
            ) from None
        file.name = stored_name(file, kind)
    return files


@deconstructible
class UploadValidator:
    """On a form's FileField: the same check, shown next to the field."""

    def __call__(self, file):
        check(file)

    def __eq__(self, other):
        return isinstance(other, UploadValidator)


validate_upload = UploadValidator()


class OversizeUpload(UploadedFile):
    """What a field receives for a file past UPLOAD_MAX_BYTES: its name and the bytes counted, no content."""

    oversize = True

    def __init__(self, name, received):
        super().__init__(file=io.BytesIO(b""), name=name, content_type="application/octet-stream", size=received)


class SizeLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts each file's bytes; past UPLOAD_MAX_BYTES the rest is not handed to
    the memory or temporary-file handlers (no disk filled by one request) and the field gets an OversizeUpload,
    which the validators refuse with the size message."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return raw_data if self.received <= max_bytes() else None

    def file_complete(self, file_size):
        if self.received > max_bytes():
            return OversizeUpload(self.file_name, self.received)
        return None
