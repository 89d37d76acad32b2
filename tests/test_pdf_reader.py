"""The PDF reader on PDFs built with PyMuPDF and on real PDFs written by others."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pdf_reader import ocr_languages, read_pdf
from ingest.records import IngestError, ParsedDocument
from settings import IngestSettings

from .pdf_factory import FOOTER, HEADER, TOC_ENTRIES, encrypted_pdf, image_only_pdf, report_pdf, toc_and_photo_pdf

CFG = IngestSettings()
OCR = ocr_languages(CFG.ocr.language)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ParsedDocument:
    path = report_pdf(tmp_path_factory.mktemp("pdf") / "rapport.pdf")
    return read_pdf(path.read_bytes(), path.name, CFG)


def block_starting(doc: ParsedDocument, prefix: str):
    return next(b for b in doc.blocks if doc.text[b.start : b.end].startswith(prefix))


def test_running_header_footer_and_page_numbers_are_gone(report: ParsedDocument):
    assert HEADER not in report.text
    assert FOOTER not in report.text
    assert "\n\n1\n\n" not in report.text and not report.text.endswith("\n3")


def test_two_columns_are_read_left_then_right(report: ParsedDocument):
    left = report.text.index("Groruddalssatsingen var et tiårig samarbeid mellom staten")
    right = report.text.index("Oslo Sør-satsinga ble evaluert i 2017.")
    assert left < right
    assert "Målet var å forbedre miljø- og leveforhold" in report.text  # no right-column words in between


def test_hyphenation_is_repaired_and_real_hyphens_stay(report: ParsedDocument):
    assert "den norske velferdspolitikken i de mest utsatte" in report.text
    assert "Evalueringen fant at innsatsen styrket nærmiljøet" in report.text
    assert "Oslo Sør-satsinga" in report.text and "miljø- og leveforhold" in report.text


def test_headings_from_font_size_give_section_paths(report: ParsedDocument):
    block = block_starting(report, "Groruddalssatsingen var")
    assert block.section == ("1 Innledning", "1.1 Bakgrunn for satsingen")
    later = block_starting(report, "Gratis kjernetid")
    assert later.section == ("2 Resultater", "2.1 Sysselsetting")


def test_physical_pages_and_printed_labels(report: ParsedDocument):
    block = block_starting(report, "Groruddalssatsingen var")
    assert [page for _, page in block.pages] == [2]
    labels = {page.number: page.label for page in report.pages}
    assert labels[1] == "i" and labels[2] == "1" and labels[3] == "2"


@pytest.mark.skipif(OCR is None, reason="Tesseract with Norwegian data is not installed")
def test_image_only_page_is_read_by_ocr(report: ParsedDocument):
    assert "bydelene i Groruddalen" in report.text
    block = block_starting(report, "Denne siden er et bilde")
    assert [page for _, page in block.pages] == [4]
    assert any(w.startswith("OCR: 1 page(s) read by OCR (1 with no text layer; pages 4)") for w in report.warnings)


@pytest.mark.skipif(OCR is None, reason="Tesseract with Norwegian data is not installed")
def test_a_table_of_contents_is_text_and_a_photo_page_is_left_alone(tmp_path: Path):
    """Dot leaders and page numbers are a normal text layer: not OCR'd; a full-page picture without
    text gets a quick look, not a full OCR, and adds nothing to the text."""
    path = toc_and_photo_pdf(tmp_path / "rapport.pdf")
    doc = read_pdf(path.read_bytes(), path.name, CFG)
    assert all(f"{title} " in doc.text for title, _ in TOC_ENTRIES[:3])
    assert [w for w in doc.warnings if w.startswith("OCR:")] == ["OCR: 1 image page(s) without text left alone (pages 5)"]
    assert not [b for b in doc.blocks if any(page == 5 for _, page in b.pages)]


def test_text_layers_are_judged_by_their_words():
    from ingest.ocr import layer_readable

    assert layer_readable("1.2 Mandat og metode ........................................ 6 2 Erfaringer fra bydelene ...... 9")
    assert layer_readable("2019 2020 2021 12,4 13,1 14,0 (25) 1 345 1 402 %")  # a table of numbers
    assert layer_readable("Oslo kommune og staten samarbeidde om eit handlingsprogram for Oslo indre aust.")  # nynorsk
    assert layer_readable("Omradesatsingen i Oslo ser er evaluert pa oppdrag fra Oslo kommune og staten.")  # OCR lost æøå
    assert not layer_readable('"7+%- 0(, 3&!" #5$ %7+')  # glyph codes of a font without a Unicode mapping
    assert not layer_readable("Wkh vwdwh dqg wkh pxqlflsdolwb djuhhg rq d qhz surjudpph iru wkh glvwulfw")  # shifted letters


def test_image_only_page_without_ocr_is_reported(tmp_path: Path):
    cfg = IngestSettings(ocr={"enabled": False})
    path = image_only_pdf(tmp_path / "skannet.pdf")
    with pytest.raises(IngestError) as error:
        read_pdf(path.read_bytes(), path.name, cfg)
    assert "skannet.pdf" in str(error.value)
    assert "page 1 has no text layer; OCR is not available" in str(error.value)


def test_encrypted_pdf_needs_its_password(tmp_path: Path):
    path = encrypted_pdf(tmp_path / "hemmelig.pdf")
    with pytest.raises(IngestError, match="encrypted PDF that needs a password"):
        read_pdf(path.read_bytes(), path.name, CFG)
    with pytest.raises(IngestError, match="password in catalog.yaml is wrong"):
        read_pdf(path.read_bytes(), path.name, CFG, password="feil")
    doc = read_pdf(path.read_bytes(), path.name, CFG, password="hemmelig")
    assert "Fortrolig notat om områdeløft i Bergen." in doc.text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"<!DOCTYPE html><html><body>Ikke en PDF</body></html>", "not a PDF: the file holds HTML"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a PDF: the file holds ZIP archive"),
    ],
)
def test_files_that_are_not_pdfs(data: bytes, reason: str):
    with pytest.raises(IngestError, match=reason):
        read_pdf(data, "falsk.pdf", CFG)


def test_truncated_pdf_is_repaired_and_reported(tmp_path: Path):
    """MuPDF repairs a cut-off file silently; the reader says so and keeps what it read."""
    data = report_pdf(tmp_path / "hel.pdf", with_scan=False).read_bytes()
    doc = read_pdf(data[: len(data) // 2], "avkuttet.pdf", CFG)
    assert doc.warnings[0] == "the file was damaged and repaired by MuPDF"
    assert "Evaluering av områdesatsing" in doc.text


# Real PDFs written by others (../shared/pdfs); skipped where that folder is absent.


def test_real_norwegian_proposition(shared_pdf):
    path = shared_pdf("no_prop_8S_2021-2022.pdf")
    doc = read_pdf(path.read_bytes(), path.name, CFG)
    assert "\u00ad" not in doc.text
    assert "høye utgifter til oppvarming av boligen" in doc.text  # soft hyphen "utgif-ter"
    assert "Kommunal- og moderniseringsdepartementet" in doc.text
    heading = block_starting(doc, "3 Tilråding")
    assert heading.kind == "heading"
    assert doc.found_metadata["title"] == "Prop. 8 S (2021–2022)"


def test_real_two_column_paper_keeps_columns_apart(shared_pdf):
    path = shared_pdf("en_tracemonkey_pldi09_2col.pdf")
    doc = read_pdf(path.read_bytes(), path.name, CFG)
    assert "Dynamic languages such as JavaScript are more difficult to compile than statically typed ones." in doc.text


def test_real_owner_password_only_file_is_not_rejected(shared_pdf):
    path = shared_pdf("enc_owner_password_only_rc4.pdf")
    assert read_pdf(path.read_bytes(), path.name, CFG).text.strip()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("enc_user_password_test_backup4all.pdf", "encrypted PDF that needs a password"),
        ("bad_fuzzed_unopenable_poppler-742.pdf", "cannot open the PDF"),
        ("bad_fuzzed_repaired_blank_pdfbox-3148.pdf", "no text found: the file was damaged and repaired"),
    ],
)
def test_real_bad_files_give_a_reason(shared_pdf, name: str, reason: str):
    path = shared_pdf(name)
    with pytest.raises(IngestError, match=reason):
        read_pdf(path.read_bytes(), path.name, CFG)


def test_real_user_password_file_opens_with_its_password(shared_pdf):
    path = shared_pdf("enc_user_password_test_backup4all.pdf")
    doc = read_pdf(path.read_bytes(), path.name, CFG, password="test")
    assert len(doc.text) > 200


def test_real_junk_text_layer_is_detected(shared_pdf):
    path = shared_pdf("font_truetype_no_unicode_mapping.pdf")
    cfg = IngestSettings(ocr={"enabled": False})
    with pytest.raises(IngestError, match="unreadable text"):
        read_pdf(path.read_bytes(), path.name, cfg)
