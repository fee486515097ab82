"""Open a document the way its readers do: LibreOffice (Debian's libreoffice-calc / -writer) converts it to PDF
headless, poppler's pdftotext reads the PDF's text and pdftoppm renders its first page to a PNG kept under
var/test-artifacts/ (the screenshot a reviewer looks at).

Each conversion gets its own LibreOffice profile directory, so tests running at once never share its lock.
Under CI=true a missing LibreOffice or poppler is a failure (`make test` installs them), never a skip.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import REPO

ARTIFACTS = REPO / "var" / "test-artifacts"
TOOLS = ("soffice", "pdftotext", "pdftoppm")


def require_office() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (Debian: libreoffice-calc libreoffice-writer poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def to_pdf(document: Path, timeout: float = 180) -> Path:
    """``document`` (xlsx, docx, …) converted by LibreOffice headless; the PDF beside it in a new directory."""
    require_office()
    out = Path(tempfile.mkdtemp(prefix="office-"))
    profile = out / "profile"
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(out), str(document)]  # fmt: skip
    env = {**os.environ, "HOME": str(out)}
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    pdf = out / f"{document.stem}.pdf"
    if proc.returncode != 0 or not pdf.exists():
        said = f"{proc.stdout}{proc.stderr}"
        raise AssertionError(f"LibreOffice could not open {document.name}: rc {proc.returncode}\n{said}")
    return pdf


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text as pdftotext lays it out (pages ``first``..``last``, 1-based; all by default)."""
    require_office()
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    proc = subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def first_page_png(pdf: Path, name: str, dpi: int = 80) -> Path:
    """The first page rendered to var/test-artifacts/NAME.png (kept for review); its path."""
    require_office()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / name
    command = ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    png = stem.with_suffix(".png")
    assert png.stat().st_size > 1000, f"{png} is (nearly) empty"
    return png
