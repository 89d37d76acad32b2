"""PDF parsing speed on real born-digital reports, with and without OCR, beside plain PyMuPDF text
extraction of the same pages; and the OCR resolution Tesseract needs, measured on the shared scan.

The reports are ../shared/pdfs' NSM annual reports and Prop. 8 S; the section is skipped (and says
so) when that folder is absent. Parsing runs in this process, as the parse worker runs it; without OCR each figure is the
best of three runs, with OCR one run.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import pymupdf
from rich.console import Console

from ingest.ocr import ocr_languages, quality
from ingest.pdf_reader import read_pdf
from kb.bench.measure import print_table
from settings import Settings

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pdfs"
REPORTS = ("no_nsm_risiko_2020.pdf", "no_nsm_risiko_2021.pdf", "no_nsm_risiko_2025.pdf", "no_prop_8S_2021-2022.pdf")
SCAN = "scan_c02-22_huckfinn_image_only.pdf"


def _plain(data: bytes) -> int:
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        for page in doc:
            page.get_text()
        return doc.page_count


def _timed(work, repeat: int = 1) -> tuple[float, object]:
    """The best of `repeat` runs (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - started)
    return best, out


def bench_pdf_parsing(settings: Settings, console: Console) -> None:
    files = [SHARED / name for name in REPORTS if (SHARED / name).exists()]
    if not files:
        console.print(f"pdf parsing: skipped ({SHARED} is absent)")
        return
    with_ocr = settings.ingest
    without = with_ocr.model_copy(update={"ocr": with_ocr.ocr.model_copy(update={"enabled": False})})
    read_pdf(files[0].read_bytes(), files[0].name, without)  # load word lists and fonts once, outside the timings
    rows, totals = [], [0, 0.0, 0.0, 0.0]
    for path in files:
        data = path.read_bytes()
        plain_s, pages = _timed(partial(_plain, data), repeat=3)
        off_s, _ = _timed(partial(read_pdf, data, path.name, without), repeat=3)
        on_s, parsed = _timed(partial(read_pdf, data, path.name, with_ocr))
        ocr_line = next((w for w in parsed.warnings if w.startswith("OCR:")), "no page needed OCR")
        rows.append([path.name, pages, f"{pages / plain_s:.0f}", f"{pages / off_s:.0f}", f"{pages / on_s:.1f}", ocr_line[:90]])
        totals = [totals[0] + pages, totals[1] + plain_s, totals[2] + off_s, totals[3] + on_s]
    pages = totals[0]
    rows.append(["all", pages, f"{pages / totals[1]:.0f}", f"{pages / totals[2]:.0f}", f"{pages / totals[3]:.1f}", ""])
    print_table(
        "PDF parsing, pages/s (targets: ≥ 80 without OCR, ≥ 10 with OCR)",
        ["file", "pages", "plain get_text (baseline)", "ours, OCR off", "ours, OCR on", "OCR"],
        rows,
        console,
    )
    _bench_dpi(settings, console)


def _bench_dpi(settings: Settings, console: Console) -> None:
    path = SHARED / SCAN
    languages = ocr_languages(settings.ingest.ocr.language)
    if not path.exists() or languages is None:
        console.print("ocr resolution: skipped (no scan or no Tesseract)")
        return
    rows = []
    with pymupdf.open(path) as doc:
        page = doc[0]
        for dpi in (150, 200, 300):
            seconds, text = _timed(lambda dpi=dpi: page.get_text(textpage=page.get_textpage_ocr(language=languages, dpi=dpi, full=True)))
            q = quality(text)
            rows.append([dpi, f"{seconds:.2f}", q.tokens, q.known, f"{q.token_share:.2f}"])
    print_table(f"OCR resolution on {SCAN}", ["dpi", "seconds", "tokens", "known words", "known share"], rows, console)
