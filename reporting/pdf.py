"""PDF for archiving (issue 6): a generated .docx/.xlsx converted by LibreOffice headless, and PDF pages
rendered to PNG (pdftoppm) for the committed samples.

Each conversion runs in its own temporary directory with its own LibreOffice profile
(`-env:UserInstallation`): two conversions sharing the default profile block each other or fail, which
matters with several gunicorn workers and parallel test runs. A hung conversion is killed with its
whole process group after the timeout (issue 11 §5), which settings keep below the web worker's
(PDF_TIMEOUT < WEB_TIMEOUT), so the user gets this module's message and not a killed worker. At most
PDF_MAX_CONCURRENT conversions run at once on a host (a lock file per slot, shared by every gunicorn
process): a further request is told to retry at once instead of tying up another web worker.

The faces the documents name (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体) are not on a Linux server:
LibreOffice is given the map in deploy/fontconfig/ to the free fonts deploy/fontconfig/install-fonts installs
(issue 13), and exports PDF/A-2b with every font embedded."""

import contextlib
import fcntl
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

BUSY = "服务器正在生成其他 PDF，请稍后重试。"

# The faces a GB/T 9704 document names (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312 …) mapped to the free fonts
# deploy/fontconfig/install-fonts puts on the server (issue 13).
FONT_MAP = Path(settings.BASE_DIR) / "deploy" / "fontconfig" / "61-yuqing-gbt9704.conf"
SYSTEM_FONTCONFIG = os.environ.get("FONTCONFIG_FILE", "/etc/fonts/fonts.conf")  # the configuration in force
# The PDF export (立卷归档): PDF/A-2b, the archival profile, which requires every font embedded (LibreOffice embeds
# subsets of the fonts it uses; EmbedStandardFonts also embeds any of the 14 PDF base fonts a reader would otherwise
# substitute). The page size is the document's own (A4).
PDF_OPTIONS = {
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "EmbedStandardFonts": {"type": "boolean", "value": "true"},
}
EXPORT_FILTER = {"docx": "writer_pdf_Export", "xlsx": "calc_pdf_Export"}


class ConversionError(Exception):
    """The document could not be converted; the message is for the user (zh-hans)."""


def soffice_binary():
    return shutil.which("soffice") or shutil.which("libreoffice")


def _run(cmd, *, timeout, cwd, env=None):
    process = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # LibreOffice also writes under $HOME; keep it in the temp dir
        env={**os.environ, "HOME": cwd, **(env or {})},
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):  # the group may have exited just now
            os.killpg(process.pid, signal.SIGKILL)  # soffice forks: killing the parent alone leaves them
        process.communicate()
        raise ConversionError(f"文档转换超时（{timeout} 秒），请稍后重试。") from None
    return process.returncode, stderr.decode(errors="replace")


def _take_slot():
    slots = Path(settings.PDF_SLOT_DIR or tempfile.gettempdir()) / "yuqing-pdf-slots"
    slots.mkdir(parents=True, exist_ok=True)
    for number in range(max(settings.PDF_MAX_CONCURRENT, 1)):
        handle = open(slots / f"slot-{number}.lock", "w")  # noqa: SIM115 (kept open while the slot is held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return handle
    return None


@contextlib.contextmanager
def conversion_slot():
    """Hold one of PDF_MAX_CONCURRENT slots for the duration, waiting at most PDF_SLOT_WAIT seconds, else
    raise ConversionError(BUSY). The lock is the kernel's (flock): a killed process releases its slot."""
    deadline = time.monotonic() + settings.PDF_SLOT_WAIT
    while (handle := _take_slot()) is None:
        if time.monotonic() >= deadline:
            raise ConversionError(BUSY)
        time.sleep(0.2)
    try:
        yield
    finally:
        handle.close()  # releases the lock


def fontconfig_file(directory: Path) -> Path:
    """A fonts.conf for LibreOffice: the system's configuration, then the map of the document faces. Given through
    FONTCONFIG_FILE, so the map needs no root and follows the code's version."""
    path = directory / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{escape(SYSTEM_FONTCONFIG)}</include>\n'
        f'  <include ignore_missing="yes">{escape(str(FONT_MAP))}</include>\n'
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return path


LINES_AND_CHARS = re.compile(r'(<w:docGrid\b[^>]*?\bw:type=")linesAndChars(")')
CHAR_SPACE = re.compile(r'<w:docGrid\b[^>]*?\bw:charSpace="(-?\d+)"')
DEFAULT_RUN = re.compile(r"<w:rPrDefault>\s*<w:rPr>(?P<props>.*?)</w:rPr>", re.S)


def character_grid_for_libreoffice(docx: bytes) -> bytes:
    """The .docx with its character grid (docGrid linesAndChars, GB/T 9704's 28 characters a line) as LibreOffice
    lays it out like Word: a line grid and, on every run, the grid's spacing (charSpace, 1/4096 pt, rounded down
    so that 28 characters still fit).

    LibreOffice 7.4 (Debian 12's) pads every run of digits or Latin letters to the next cell of a character grid,
    which Word does not: "2026年10月1日" comes out as "2026 年10 月1 日" with gaps of up to a character (tdf#149089,
    changed in later releases for Word documents). A line grid with the same spacing lays the text out as Word
    does on every version. The .docx the office downloads is untouched; only the copy LibreOffice converts."""
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
        infos = source.infolist()
    document = parts.get("word/document.xml", b"").decode("utf-8")
    styles = parts.get("word/styles.xml", b"").decode("utf-8")
    space = CHAR_SPACE.search(document) if LINES_AND_CHARS.search(document) else None
    default_run = DEFAULT_RUN.search(styles)
    if space is None or default_run is None or "<w:spacing " in default_run["props"]:
        return docx
    twips = math.floor(int(space[1]) / 4096 * 20)  # 1/20 pt, rounded down: never a character less on a line
    parts["word/document.xml"] = LINES_AND_CHARS.sub(r"\1lines\2", document).encode("utf-8")
    at = default_run.start("props")
    parts["word/styles.xml"] = (styles[:at] + f'<w:spacing w:val="{twips}"/>' + styles[at:]).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in infos:
            target.writestr(info, parts[info.filename])
    return out.getvalue()


def convert_to_pdf(data: bytes, *, extension="docx", timeout=None) -> bytes:
    """The PDF of a .docx (or .xlsx) given as bytes: its own page size, the document faces mapped to the server's
    fonts (FONT_MAP), every font embedded, PDF/A-2b."""
    soffice = soffice_binary()
    if soffice is None:
        raise ConversionError("服务器未安装 LibreOffice，暂不能生成 PDF。")
    timeout = timeout or settings.PDF_TIMEOUT
    with conversion_slot(), tempfile.TemporaryDirectory(prefix="yuqing-pdf-") as tmp:
        source = Path(tmp) / f"document.{extension}"
        source.write_bytes(character_grid_for_libreoffice(data) if extension == "docx" else data)
        profile = (Path(tmp) / "lo-profile").as_uri()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            f"pdf:{EXPORT_FILTER[extension]}:{json.dumps(PDF_OPTIONS, separators=(',', ':'))}",
            "--outdir",
            tmp,
            str(source),
        ]
        env = {"FONTCONFIG_FILE": str(fontconfig_file(Path(tmp)))}
        code, stderr = _run(cmd, timeout=timeout, cwd=tmp, env=env)
        target = Path(tmp) / "document.pdf"
        if not target.exists():
            raise ConversionError(f"文档转换失败（LibreOffice 退出码 {code}）：{stderr.strip()[:200]}")
        return target.read_bytes()


def pdf_to_png_pages(pdf: bytes, out_prefix: Path, *, first=1, last=2, dpi=60, timeout=60) -> list[Path]:
    """Render pages first..last of a PDF to `<out_prefix>-<n>.png`; returns the files written."""
    out_prefix = Path(out_prefix)
    with tempfile.TemporaryDirectory(prefix="yuqing-png-") as tmp:
        source = Path(tmp) / "document.pdf"
        source.write_bytes(pdf)
        cmd = [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            str(first),
            "-l",
            str(last),
            str(source),
            str(Path(tmp) / "page"),
        ]
        code, stderr = _run(cmd, timeout=timeout, cwd=tmp)
        pages = sorted(Path(tmp).glob("page-*.png"))
        if not pages:
            raise ConversionError(f"PDF 渲染失败（pdftoppm 退出码 {code}）：{stderr.strip()[:200]}")
        written = []
        for number, page in enumerate(pages, start=first):
            target = out_prefix.with_name(f"{out_prefix.name}-{number}.png")
            shutil.move(page, target)
            written.append(target)
        return written
