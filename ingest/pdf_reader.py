"""PDF files -> ParsedDocument: pages, printed labels, paragraphs, headings, OCR.

Traps handled (see ../shared/pdfs/README.md for the files that showed them):
- `needs_pass` is read once, before `authenticate()`; metadata is read only after;
- an owner-password-only file opens normally and is not rejected;
- a silently repaired file is reported, and "opened but no text" is its own error;
- text that renders but extracts as junk (no Unicode mapping) is detected by its
  letter and word shapes, not by language detection, and OCR'd when possible;
- pages that are only images are OCR'd with Tesseract when it is installed.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace

import pymupdf

from ingest.assemble import assemble
from ingest.headings import looks_like_title, numbered_level
from ingest.ocr import OcrJob, layer_readable, ocr_languages, quality, run_ocr, summary
from ingest.pdf_layout import Line, drop_running, page_lines, reading_order, running_lines
from ingest.records import Block, IngestError, ParsedDocument
from ingest.textclean import join_lines, normalize_chars, vocabulary
from settings import IngestSettings

_BULLET = re.compile(r"^(?:[•·▪●○◦■➢►\-–]\s|\(?[0-9a-z]{1,2}[.)]\s)")
_SENTENCE_END = re.compile(r"[.!?:]$")
_NOTE_START = re.compile(r"^(\d{1,3})\s+\S")  # a footnote: small type that opens with its number
pymupdf.TOOLS.mupdf_display_errors(False)  # damaged files are reported by us, once


def open_pdf(data: bytes, path: str, password: str | None) -> pymupdf.Document:
    """Open a PDF or raise IngestError naming what is wrong with the file."""
    if not data:
        raise IngestError(path, "empty file (0 bytes)", "empty")
    head = data[:1024].lstrip()
    if b"%PDF-" not in head:
        kind = "HTML" if head[:15].lower().startswith((b"<!doctype", b"<html")) else "ZIP archive" if head.startswith(b"PK") else "unknown data"
        raise IngestError(path, f"not a PDF: the file holds {kind}", "not_pdf", {"kind": kind})
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for damaged files
        raise IngestError(path, f"cannot open the PDF, the file is damaged or truncated ({exc})", "damaged", {"detail": str(exc)}) from exc
    needs_password = doc.needs_pass  # read once, before authenticate (PyMuPDF trap)
    if needs_password and not (password and doc.authenticate(password)):
        doc.close()
        hint = "the password in catalog.yaml is wrong" if password else "add its `password:` to catalog.yaml"
        raise IngestError(path, f"encrypted PDF that needs a password ({hint})", "wrong_password" if password else "encrypted")
    if doc.page_count == 0:
        raise IngestError(path, "the PDF has no pages", "no_pages")
    return doc


@dataclass
class PageText:
    number: int
    label: str | None
    height: float
    lines: list[Line]


@dataclass
class PdfScan:
    pages: list[PageText] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ocr_pages: int = 0
    ocr_seconds: float = 0.0


PageJob = tuple[PageText, str, float]  # a page to OCR, why, and its layer's known-word share


def scan_pages(doc: pymupdf.Document, path: str, cfg: IngestSettings, data: bytes, password: str | None) -> PdfScan:
    """Text lines of every page without running headers and footers; OCR where the layer is bad."""
    scan = PdfScan()
    started = time.monotonic()
    for page in doc:
        _check_time(started, cfg, path)
        scan.pages.append(PageText(page.number + 1, page.get_label() or None, page.rect.height, page_lines(page)))
    running = running_lines([p.lines for p in scan.pages], [p.height for p in scan.pages])
    jobs: list[PageJob] = []
    for page_text, page in zip(scan.pages, doc, strict=True):
        page_text.lines = drop_running(page_text.lines, page_text.height, running)
        text = " ".join(line.text for line in page_text.lines)
        if layer_readable(text) or (not text.strip() and not page.get_images()):
            continue  # readable, or a blank page
        layer = quality(text).word_share if text.strip() else 0.0
        jobs.append((page_text, "unreadable text (fonts without Unicode mapping)" if text.strip() else "no text layer", layer))
    if jobs:
        _ocr_into(scan, jobs, cfg, data, password, running, started, path)
    return scan


def _ocr_into(
    scan: PdfScan, jobs: list[PageJob], cfg: IngestSettings, data: bytes, password: str | None, running: set[tuple[str, int]], started: float, path: str
) -> None:
    languages = ocr_languages(cfg.ocr.language) if cfg.ocr.enabled else None
    if languages is None:
        why = "install tesseract-ocr-nor" if cfg.ocr.enabled else "turned off: ingest.ocr.enabled"
        for page_text, reason, _ in jobs:
            scan.warnings.append(f"page {page_text.number} has {reason}; OCR is not available ({why})")
            page_text.lines = []
        return
    _check_time(started, cfg, path)
    born_digital = len(jobs) <= len(scan.pages) / 2  # most pages carry a readable layer: probe before reading
    by_number = {page_text.number: page_text for page_text, _, _ in jobs}
    ocr_started = time.monotonic()
    results = run_ocr(data, password, [OcrJob(p.number, reason, layer, born_digital) for p, reason, layer in jobs], cfg.ocr, languages)
    scan.ocr_seconds = time.monotonic() - ocr_started
    scan.ocr_pages = sum(1 for r in results if r.status == "read")
    for result in results:
        page_text = by_number[result.page]
        if result.status == "read":
            page_text.lines = drop_running(list(result.lines), page_text.height, running)
        elif result.status != "worse_than_layer":
            page_text.lines = []
    scan.warnings.append(summary(results))


def _check_time(started: float, cfg: IngestSettings, path: str) -> None:
    if time.monotonic() - started > cfg.timeout_s:
        raise IngestError(path, f"parsing took longer than {cfg.timeout_s:.0f} s (ingest.timeout_s)", "timeout", {"seconds": cfg.timeout_s})


def active_content(doc: pymupdf.Document, max_objects: int = 50_000) -> list[str]:
    """Say what the PDF carries besides its text: attachments and JavaScript are
    never extracted or run, but a user should know they are there."""
    found = []
    attachments = doc.embfile_count()
    if attachments:
        found.append(f"{attachments} attached file(s) not ingested")
    for xref in range(1, min(doc.xref_length(), max_objects)):
        try:
            source = doc.xref_object(xref, compressed=True)
        except (RuntimeError, ValueError):
            continue
        if "/JavaScript" in source or "/JS" in source:
            found.append("contains JavaScript, which is never run")
            break
    return found


def _body_size(pages: list[PageText]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _is_heading(line: Line, body: float) -> bool:
    if not looks_like_title(line.text, max_words=18) or _BULLET.match(line.text):
        return False
    return line.size >= body * 1.15 or (line.bold and line.size >= body - 0.3)


def _continues(prev: Line, line: Line, left: float, right: float) -> bool:
    """Whether `line` continues the paragraph whose last line is `prev`."""
    if _BULLET.match(line.text) or abs(line.size - prev.size) > 1.0:
        return False
    ends_sentence = bool(_SENTENCE_END.search(prev.text))
    if prev.page != line.page or prev.column != line.column:
        return not ends_sentence and (line.text[:1].islower() or prev.text.endswith(("-", "\u00ad")))
    if line.y0 - prev.y1 > 0.6 * max(prev.height, line.height):
        return False
    if ends_sentence and (line.x0 > left + 0.8 * line.size or prev.x1 < right - 0.15 * (right - left)):
        return False  # first-line indent, or a short last line
    return True


class _BlockBuilder:
    """Groups ordered lines into heading and paragraph blocks."""

    def __init__(self, body: float, toc: dict[str, int], vocab: Counter[str]):
        self.body, self.toc, self.vocab = body, toc, vocab
        self.blocks: list[Block] = []
        self.lines: list[Line] = []
        self.kind = "paragraph"
        self.styles: list[tuple[float, bool]] = []

    def add(self, line: Line) -> None:
        kind = "heading" if _is_heading(line, self.body) else "paragraph"
        if self.kind == "heading" and self.lines:
            kind = "heading" if self._same_block(line) else kind  # wrapped heading lines
        if self.lines and kind == self.kind and self._same_block(line):
            self.lines.append(line)
            return
        self.flush()
        self.kind, self.lines = kind, [line]

    def _same_block(self, line: Line) -> bool:
        prev = self.lines[-1]
        if self.kind == "heading":
            same_style = (prev.size, prev.bold) == (line.size, line.bold)
            return same_style and prev.page == line.page and line.y0 - prev.y1 < 0.8 * line.size and len(self.lines) < 4
        left = min(ln.x0 for ln in self.lines if ln.column == line.column) if prev.column == line.column else line.x0
        right = max(ln.x1 for ln in self.lines if ln.column == prev.column)
        return _continues(prev, line, left, right)

    def flush(self) -> None:
        if not self.lines:
            return
        text = join_lines([ln.text for ln in self.lines], self.vocab)
        marks = self._page_marks(text)
        if self.kind == "heading" and len(text.split()) <= 20 and not text.endswith("."):
            self.blocks.append(Block("heading", text, level=self._level(text), pages=marks))
        elif _NOTE_START.match(text) and self.lines[0].size < self.body - 0.5:
            number = _NOTE_START.match(text).group(1)
            self.blocks.append(Block("note", text, pages=marks, note_id=number))
        elif text:
            self.blocks.append(Block("paragraph", text, pages=marks))
        self.lines = []

    def _page_marks(self, text: str) -> tuple[tuple[int, int], ...]:
        marks = [(0, self.lines[0].page)]
        for index, line in enumerate(self.lines[1:], start=1):
            if line.page != marks[-1][1]:
                offset = min(len(join_lines([ln.text for ln in self.lines[:index]], self.vocab)), len(text))
                marks.append((offset, line.page))
        return tuple(marks)

    def _level(self, text: str) -> int:
        key = _toc_key(text)
        if key in self.toc:
            return self.toc[key]
        numbered = numbered_level(text)
        if numbered is not None:
            return numbered
        style = (self.lines[0].size, self.lines[0].bold)
        larger = {s for s in self.styles if s[0] > style[0] or (s[0] == style[0] and s[1] and not style[1])}
        return len(larger) + 1 + (max(self.toc.values()) if self.toc else 0)


def _toc_key(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())[:80]


def _found_metadata(doc: pymupdf.Document, pages: list[PageText]) -> dict:
    meta = doc.metadata or {}
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", (meta.get("title") or "").strip())
    year = re.search(r"\b(19|20)\d\d\b", title) or re.search(r"(19|20)\d\d", meta.get("creationDate") or "")
    found = {"title": title, "author": (meta.get("author") or "").strip(), "year": int(year.group(0)) if year else None}
    found["source"] = "pdf metadata" if title else "first page"
    if not title and pages and pages[0].lines:
        top = max(line.size for line in pages[0].lines)
        found["title"] = " ".join(line.text for line in pages[0].lines if line.size == top)[:200]
    if not found["year"] and pages:
        first = " ".join(line.text for line in pages[0].lines)
        match = re.search(r"\b(19[5-9]\d|20[0-4]\d)\b", first)
        found["year"] = int(match.group(0)) if match else None
    return found


def read_pdf(data: bytes, path: str, cfg: IngestSettings, password: str | None = None) -> ParsedDocument:
    """Parse a PDF into clean text with pages, labels, sections and notes of trouble."""
    doc = open_pdf(data, path, password)
    try:
        if doc.page_count > cfg.max_pages:
            raise IngestError(path, f"{doc.page_count} pages, more than the limit of {cfg.max_pages} (ingest.max_pages)", "too_many_pages", {"pages": doc.page_count, "limit": cfg.max_pages})
        scan = scan_pages(doc, path, cfg, data, password)
        scan.warnings[:0] = active_content(doc)
        if doc.is_repaired:
            scan.warnings.insert(0, "the file was damaged and repaired by MuPDF")
        toc = {_toc_key(title): level for level, title, _ in doc.get_toc(simple=True)}
        found = _found_metadata(doc, scan.pages)
    finally:
        doc.close()
    blocks = _blocks(scan, toc)
    if not blocks:
        raise IngestError(path, "no text found: " + ("; ".join(scan.warnings) or "the pages are empty"), "no_text_found", {"detail": "; ".join(scan.warnings)})
    labels = {page.number: page.label for page in scan.pages}
    return replace(assemble(blocks, labels, len(scan.pages), scan.warnings, found), ocr_pages=scan.ocr_pages, ocr_seconds=scan.ocr_seconds)


def _blocks(scan: PdfScan, toc: dict[str, int]) -> list[Block]:
    ordered: list[Line] = []
    for page in scan.pages:
        ordered.extend(reading_order([_clean(line) for line in page.lines]))
    if not ordered:
        return []
    body = _body_size(scan.pages)
    builder = _BlockBuilder(body, toc, vocabulary(line.text for line in ordered))
    builder.styles = sorted({(ln.size, ln.bold) for ln in ordered if _is_heading(ln, body)})
    for line in ordered:
        builder.add(line)
    builder.flush()
    return builder.blocks


def _clean(line: Line) -> Line:
    return replace(line, text=normalize_chars(line.text).strip())
