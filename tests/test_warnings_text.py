"""Ingest warnings shown in Norwegian: the shapes the readers write, from real and built PDFs."""

from __future__ import annotations

import pytest

from app_pages.warnings import warning_text
from ingest.ocr import OcrResult, summary


def _ocr_summary() -> str:
    results = [OcrResult(p, "no text layer", "read") for p in range(1, 16)]
    results += [OcrResult(16, "unreadable text (fonts without Unicode mapping)", "read"), OcrResult(17, "no text layer", "image_without_text")]
    results += [OcrResult(18, "no text layer", "no_text"), OcrResult(19, "unreadable text (fonts without Unicode mapping)", "worse_than_layer")]
    return summary(results)


@pytest.mark.parametrize(
    "warning, norwegian",
    [
        (None, "16 side(r) lest med OCR (15 uten tekstlag, 1 med uleselig tekst (skrift uten Unicode-tabell); sidene 1, 2, 3"),
        ("the file was damaged and repaired by MuPDF", "filen var skadet og ble reparert av MuPDF"),
        ("2 attached file(s) not ingested", "2 vedlagt(e) fil(er) er ikke lagt inn"),
        ("contains JavaScript, which is never run", "inneholder JavaScript, som aldri kjøres"),
        ("page 3 has no text layer; OCR is not available (tesseract is not installed)", "side 3: uten tekstlag; OCR er ikke tilgjengelig (tesseract is not installed)"),
    ],
)
def test_known_warnings_are_worded_in_norwegian(warning, norwegian):
    shown = warning_text(warning or _ocr_summary())
    assert norwegian in shown
    assert "page(s)" not in shown and " more" not in shown


def test_every_part_of_an_ocr_summary_is_worded():
    shown = warning_text(_ocr_summary())
    assert shown.startswith("OCR: 16 side(r) lest med OCR")
    assert "og 4 til" in shown  # "and 4 more" pages
    assert "1 bildeside(r) uten tekst er ikke lest (sidene 17)" in shown
    assert "1 side(r) der OCR ikke fant tekst (sidene 18)" in shown
    assert "tekstlaget er beholdt" in shown


def test_an_unknown_warning_keeps_its_words_escaped():
    assert warning_text("something <new> happened") == "something &lt;new&gt; happened"
    assert "&lt;b&gt;" in warning_text("page 2 has no text layer; OCR is not available (<b>boom</b>)")
