"""Helpers shared by the notice and dossier tests: the scenario's constants and looking at PDFs as a
person would (poppler's pdftoppm, pdftotext, pdffonts), and at DOCX files through LibreOffice."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # a Monday
VALID_ID = "11010519491231002X"
# 昇 and 堃 are outside GB2312: a 仿宋_GB2312 font would lack them; the fallback must draw them.
NAME = "李昇堃"
PHONE = "13800138000"
REPLY = {"outcome": "support", "text": "经现场核查，物业公司收取地面停车费未经业主大会同意，已责令其于3月31日前全部退还。",
         "basis": "《物业管理条例》第五十条、《示范省物业管理条例》第四十二条。"}


# ---- looking at files ------------------------------------------------------------------------

def run(*args: str, cwd=None, timeout=120) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, cwd=cwd, timeout=timeout).stdout


def pdf_text(path: Path) -> str:
    return run("pdftotext", "-enc", "UTF-8", str(path), "-")


def flat(text: str) -> str:
    """Text without whitespace or page-number footers (— 2 —), so sentences across lines compare."""
    text = re.sub(r"—\s*\d+\s*—", "", text)
    return re.sub(r"\s+", "", text)


def pdf_fonts(path: Path) -> list[dict]:
    """pdffonts rows: name, type, emb."""
    lines = run("pdffonts", str(path)).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # columns: name type [encoding] emb sub uni object ID
        emb = parts[-5]
        rows.append({"name": parts[0], "emb": emb, "line": line})
    return rows


def png_pages(pdf: Path, out_dir: Path, dpi: int = 50) -> list[Path]:
    prefix = out_dir / pdf.stem
    run("pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix))
    return sorted(out_dir.glob(f"{pdf.stem}-*.png")) or sorted(out_dir.glob(f"{pdf.stem}*.png"))


def ink(png: Path) -> tuple[float, float]:
    """(share of non-white pixels, share of red pixels) of a page image."""
    from PIL import Image

    with Image.open(png) as im:
        data = im.convert("RGB").tobytes()
    total = len(data) // 3
    dark = red = 0
    for i in range(0, len(data), 3):
        r, g, b = data[i], data[i + 1], data[i + 2]
        if r + g + b < 600:
            dark += 1
            if r > 150 and g < 90 and b < 90:
                red += 1
    return dark / total, red / total


LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


def docx_to_pdf(paths: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Convert DOCX files with LibreOffice headless (one run for all, own profile so runs never collide)."""
    if not LIBREOFFICE:
        pytest.fail("LibreOffice is not installed: run `make browser` "
                    "(apt-get install libreoffice-writer-nogui) to render DOCX notices in the tests")
    with tempfile.TemporaryDirectory(prefix="xf-lo-") as profile:
        run(LIBREOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, paths), timeout=300)
    return {p: out_dir / (p.stem + ".pdf") for p in paths}


def docx_text(data: bytes) -> str:
    import io

    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


def stored_text(doc) -> tuple[str, str]:
    """(PDF text through pdftotext, DOCX text) of an issued document's stored files, both flattened."""
    with doc.pdf.open("rb") as f:
        pdf = f.read()
    with doc.docx.open("rb") as f:
        docx = f.read()
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(pdf)
        tmp.flush()
        text = pdf_text(Path(tmp.name))
    assert "\ufffd" not in text, "replacement character: a glyph could not be mapped"
    return flat(text), flat(docx_text(docx))


def assert_printed(doc, *sentences: str, absent: tuple[str, ...] = ()) -> None:
    """Every sentence reads whole in both the PDF and the DOCX of `doc`; none of `absent` appears."""
    for text in stored_text(doc):
        for sentence in sentences:
            assert flat(sentence) in text, f"{doc.kind}: missing {sentence!r}"
        for word in absent:
            assert flat(word) not in text, f"{doc.kind}: should not print {word!r}"
