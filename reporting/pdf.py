"""PDF for archiving (issue 6): a generated .docx/.xlsx converted by LibreOffice headless, and PDF pages
rendered to PNG (pdftoppm) for the committed samples.

Each conversion runs in its own temporary directory with its own LibreOffice profile
(`-env:UserInstallation`): two conversions sharing the default profile block each other or fail, which
matters with several gunicorn workers and parallel test runs. A hung conversion is killed with its
whole process group after the timeout (issue 11 §5), which settings keep below the web worker's
(PDF_TIMEOUT < WEB_TIMEOUT), so the user gets this module's message and not a killed worker. At most
PDF_MAX_CONCURRENT conversions run at once on a host (a lock file per slot, shared by every gunicorn
process): a further request is told to retry at once instead of tying up another web worker."""

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings

BUSY = "服务器正在生成其他 PDF，请稍后重试。"


class ConversionError(Exception):
    """The document could not be converted; the message is for the user (zh-hans)."""


def soffice_binary():
    return shutil.which("soffice") or shutil.which("libreoffice")


def _run(cmd, *, timeout, cwd):
    process = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "HOME": cwd},  # LibreOffice also writes under $HOME; keep it in the temp dir
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
    slots = Path(tempfile.gettempdir()) / "yuqing-pdf-slots"
    slots.mkdir(exist_ok=True)
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


def convert_to_pdf(data: bytes, *, extension="docx", timeout=None) -> bytes:
    """The PDF of a .docx (or .xlsx) given as bytes."""
    soffice = soffice_binary()
    if soffice is None:
        raise ConversionError("服务器未安装 LibreOffice，暂不能生成 PDF。")
    timeout = timeout or settings.PDF_TIMEOUT
    with conversion_slot(), tempfile.TemporaryDirectory(prefix="yuqing-pdf-") as tmp:
        source = Path(tmp) / f"document.{extension}"
        source.write_bytes(data)
        profile = (Path(tmp) / "lo-profile").as_uri()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(source),
        ]
        code, stderr = _run(cmd, timeout=timeout, cwd=tmp)
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
