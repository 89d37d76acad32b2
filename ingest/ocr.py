"""OCR only where the text layer is bad, never worse than what the page already has.

A page's text layer is judged by its words, not its characters: tables of contents
(dot leaders, page numbers) and tables (digits) are normal text; what is not text is
a layer whose words are not words (fonts without a Unicode mapping give symbols or
shifted letters). Known words come from wordfreq's Norwegian and English lists.

A page without a readable layer is OCR'd in two steps. In a document that is mostly
born-digital, a cheap probe at low resolution comes first: a photo or an
illustration gives a few letters of noise and is left alone ("an image without
text"). Then Tesseract reads the page at the configured resolution, and its text is
kept only when it reads as text, and, where the page had a layer, when it reads
better than that layer. Pages are OCR'd in parallel worker processes.
"""

from __future__ import annotations

import multiprocessing
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pymupdf
from wordfreq import zipf_frequency

from ingest.pdf_layout import Line, page_lines
from ingest.spawn import bare_main
from settings import OcrSettings

KNOWN_ZIPF = 1.0  # a word wordfreq has seen at least about once per hundred million words
LAYER_KNOWN_SHARE = 0.4  # of a layer's long words, at least this share known: readable
OCR_KNOWN_SHARE = 0.15  # of OCR's tokens, at least this share known long words: text, not noise
_EDGE = "«»\"'”“‘’.,;:!?()[]{}<>-–—/|*…"
_LEADERS = re.compile(r"[.…·_]{2,}")
_NUMERIC = re.compile(r"[\d.,%:;()\-–+/ ]")


@lru_cache(maxsize=200_000)
def is_known(word: str) -> bool:
    return zipf_frequency(word, "nb") >= KNOWN_ZIPF or zipf_frequency(word, "en") >= KNOWN_ZIPF


@dataclass(frozen=True)
class TextQuality:
    tokens: int  # whitespace-separated pieces
    words: int  # of them, alphabetic words of four letters or more
    known: int  # of those, Norwegian or English words
    numeric: float  # share of the visible characters that are digits and number punctuation
    digits: float  # share of the visible characters that are digits

    @property
    def word_share(self) -> float:
        return self.known / self.words if self.words else 0.0

    @property
    def token_share(self) -> float:
        return self.known / self.tokens if self.tokens else 0.0


def quality(text: str) -> TextQuality:
    text = _LEADERS.sub(" ", text)  # a table of contents' dot leaders are layout, not characters
    tokens = [t.strip(_EDGE).casefold() for t in text.split()]
    words = [t for t in tokens if len(t) >= 4 and t.isalpha()]
    visible = "".join(text.split())
    numeric = len(_NUMERIC.findall(visible)) / len(visible) if visible else 0.0
    digits = sum(ch.isdigit() for ch in visible) / len(visible) if visible else 0.0
    return TextQuality(len(tokens), len(words), sum(1 for w in words if is_known(w)), numeric, digits)


def layer_readable(text: str) -> bool:
    """Whether a page's text layer reads as text: its long words are mostly words, or, with few
    words, it is mostly numbers (a table, a column of page numbers)."""
    q = quality(text)
    if q.words >= 5:
        return q.word_share >= LAYER_KNOWN_SHARE
    if not q.tokens:
        return False
    return (q.numeric >= 0.7 and q.digits >= 0.4) or (q.words > 0 and q.word_share >= 0.5 and q.numeric < 0.5)


def ocr_reads(q: TextQuality) -> bool:
    """Text, not the letters Tesseract sees in a photo: enough known words, and a fair share of all it read."""
    return q.known >= min(3, max(1, q.tokens // 3)) and q.token_share >= OCR_KNOWN_SHARE


@lru_cache(maxsize=4)
def ocr_languages(wanted: str) -> str | None:
    """The requested Tesseract languages that are installed ("nor+eng"), or None."""
    if not shutil.which("tesseract"):
        return None
    try:
        folder = Path(pymupdf.get_tessdata())
    except RuntimeError:
        return None
    present = [lang for lang in wanted.split("+") if (folder / f"{lang}.traineddata").exists()]
    return "+".join(present) or None


@dataclass(frozen=True)
class OcrJob:
    page: int  # 1-based
    reason: str  # "no text layer" or "unreadable text (…)"
    layer_share: float  # the layer's known-word share (0 without a layer)
    probe: bool  # look at a low-resolution OCR first (a mostly born-digital document)


@dataclass(frozen=True)
class OcrResult:
    page: int
    reason: str
    status: str  # "read", "no_text", "image_without_text", "worse_than_layer"
    lines: tuple[Line, ...] = ()


def run_ocr(data: bytes, password: str | None, jobs: Sequence[OcrJob], cfg: OcrSettings, languages: str) -> list[OcrResult]:
    """OCR the pages of `jobs`, in `cfg.workers` processes when there are several."""
    if len(jobs) < 2 or cfg.workers < 2:
        return [_ocr_page(data, password, job, cfg, languages) for job in jobs]
    with bare_main(), ProcessPoolExecutor(min(cfg.workers, len(jobs)), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_ocr_page, data, password, job, cfg, languages) for job in jobs]
        return [future.result() for future in futures]


def _ocr_page(data: bytes, password: str | None, job: OcrJob, cfg: OcrSettings, languages: str) -> OcrResult:
    doc = pymupdf.open(stream=data, filetype="pdf")
    try:
        if doc.needs_pass:
            doc.authenticate(password or "")
        page = doc[job.page - 1]
        if job.probe:
            probe = page.get_text(textpage=page.get_textpage_ocr(language=languages, dpi=cfg.probe_dpi, full=True))
            if quality(probe).known < cfg.probe_words:
                return OcrResult(job.page, job.reason, "image_without_text")
        lines = page_lines(page, page.get_textpage_ocr(language=languages, dpi=cfg.dpi, full=True))
    finally:
        doc.close()
    q = quality(" ".join(line.text for line in lines))
    if not ocr_reads(q):
        return OcrResult(job.page, job.reason, "no_text")
    if job.layer_share and q.word_share <= job.layer_share:
        return OcrResult(job.page, job.reason, "worse_than_layer")
    return OcrResult(job.page, job.reason, "read", tuple(lines))


def summary(results: Sequence[OcrResult]) -> str:
    """One line for the document's warnings: how many pages were OCR'd and why, and what was left."""
    read = [r for r in results if r.status == "read"]
    parts = []
    if read:
        reasons = sorted({r.reason for r in read})
        by_reason = ", ".join(f"{sum(r.reason == why for r in read)} with {why}" for why in reasons)
        parts.append(f"{len(read)} page(s) read by OCR ({by_reason}; pages {_pages(read)})")
    for status, said in (
        ("image_without_text", "image page(s) without text left alone"),
        ("no_text", "page(s) where OCR found no text"),
        ("worse_than_layer", "page(s) whose text layer was kept (OCR read worse)"),
    ):
        mine = [r for r in results if r.status == status]
        if mine:
            parts.append(f"{len(mine)} {said} (pages {_pages(mine)})")
    return "OCR: " + "; ".join(parts)


def _pages(results: Sequence[OcrResult]) -> str:
    numbers = [r.page for r in results]
    return ", ".join(map(str, numbers[:12])) + (f" and {len(numbers) - 12} more" if len(numbers) > 12 else "")
