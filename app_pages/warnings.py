"""A document's ingest warnings in the page's language.

The ingest records warnings as English sentences (the CLI prints them; documents.json keeps
them). Like a message catalogue keyed by its English text, this module knows the shapes the
readers write (ingest/ocr.py `summary`, ingest/pdf_reader.py) and words them through
app_pages/texts.py; a warning of another shape is shown in its English words rather than lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app_pages.render import esc
from app_pages.texts import lang, t

_PAGES = r"(?P<pages>[\d, ]+(?: and \d+ more)?)"
_OCR_PARTS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(rf"(?P<n>\d+) page\(s\) read by OCR \((?P<why>.+?); pages {_PAGES}\)"), "warn_ocr_read"),
    (re.compile(rf"(?P<n>\d+) image page\(s\) without text left alone \(pages {_PAGES}\)"), "warn_ocr_images"),
    (re.compile(rf"(?P<n>\d+) page\(s\) where OCR found no text \(pages {_PAGES}\)"), "warn_ocr_empty"),
    (re.compile(rf"(?P<n>\d+) page\(s\) whose text layer was kept \(OCR read worse\) \(pages {_PAGES}\)"), "warn_ocr_kept"),
)
_WHOLE: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"page (?P<n>\d+) has (?P<why>.+); OCR is not available \((?P<detail>.+)\)"), "warn_no_ocr"),
    (re.compile(r"the file was damaged and repaired by MuPDF"), "warn_repaired"),
    (re.compile(r"(?P<n>\d+) attached file\(s\) not ingested"), "warn_attachments"),
    (re.compile(r"contains JavaScript, which is never run"), "warn_javascript"),
)
_WHY = {"no text layer": "warn_why_no_layer", "unreadable text (fonts without Unicode mapping)": "warn_why_unmapped"}


def warning_text(warning: str) -> str:
    """The warning in the UI language, escaped for st.markdown."""
    if lang() == "en":
        return esc(warning)
    if warning.startswith("OCR: "):
        parts = _ocr_parts(warning[len("OCR: ") :])
        return esc(warning) if parts is None else t("warn_ocr") + " " + "; ".join(parts)
    for pattern, key in _WHOLE:
        if match := pattern.fullmatch(warning):
            return t(key, **{k: _value(v) for k, v in match.groupdict().items()})
    return esc(warning)


def _ocr_parts(text: str) -> list[str] | None:
    """Each part of an OCR summary worded; None when a part has an unknown shape."""
    out, rest = [], text
    while rest:
        for pattern, key in _OCR_PARTS:
            if match := pattern.match(rest):
                out.append(t(key, **{k: _value(v) for k, v in match.groupdict().items()}))
                rest = rest[match.end() :].removeprefix("; ")
                break
        else:
            return None
    return out


def _value(value: str) -> str:
    """A value inside a warning: worded when it is the reader's own words (page lists, OCR reasons),
    else escaped (an error's detail)."""
    worded = _words(value)
    return worded if worded != value or re.fullmatch(r"[\d, ]*", value) else esc(value)


def _words(value: str) -> str:
    """The reader's English inside a warning: page lists and OCR reasons."""
    value = re.sub(r" and (\d+) more", lambda m: t("warn_and_more", n=m.group(1)), value)
    return _REASONS.sub(_reason, value)


_REASONS = re.compile(r"(\d+) with (no text layer|unreadable text \(fonts without Unicode mapping\))|^(no text layer|unreadable text \(fonts without Unicode mapping\))$")


def _reason(match: re.Match) -> str:
    word: Callable[[str], str] = lambda why: t(_WHY[why])  # noqa: E731
    if match.group(1):
        return t("warn_with", n=match.group(1), why=word(match.group(2)))
    return word(match.group(3))
