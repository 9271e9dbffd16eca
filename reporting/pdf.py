"""PDF for archiving (issue 6): a generated .docx/.xlsx converted by LibreOffice headless, and PDF pages
rendered to PNG (pdftoppm) for the committed samples.

Each conversion runs in its own temporary directory with its own LibreOffice profile
(`-env:UserInstallation`): two conversions sharing the default profile block each other or fail, which
matters with several gunicorn workers and parallel test runs. A hung conversion is killed with its
whole process group after the timeout."""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120  # seconds; the first start of a fresh profile takes a few


class ConversionError(Exception):
    """The document could not be converted; the message is for the user (zh-hans)."""


def soffice_binary():
    return shutil.which("soffice") or shutil.which("libreoffice")


def _run(cmd, *, timeout, cwd):
    process = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "HOME": cwd},  # LibreOffice also writes under $HOME; keep it in the temp dir
    )  # fmt: skip
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ConversionError(f"文档转换超时（{timeout} 秒），请稍后重试。") from None
    return process.returncode, stderr.decode(errors="replace")


def convert_to_pdf(data: bytes, *, extension="docx", timeout=TIMEOUT) -> bytes:
    """The PDF of a .docx (or .xlsx) given as bytes."""
    soffice = soffice_binary()
    if soffice is None:
        raise ConversionError("服务器未安装 LibreOffice，暂不能生成 PDF。")
    with tempfile.TemporaryDirectory(prefix="yuqing-pdf-") as tmp:
        source = Path(tmp) / f"document.{extension}"
        source.write_bytes(data)
        profile = (Path(tmp) / "lo-profile").as_uri()
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
               "--convert-to", "pdf", "--outdir", tmp, str(source)]  # fmt: skip
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
        cmd = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), str(source), str(Path(tmp) / "page")]
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
