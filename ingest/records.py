"""Typed records passed between the ingest stages.

catalog -> Document             (bibliographic data; file facts added by the pipeline)
reader  -> list[Block]          (text with its kind, heading level and pages)
assemble-> ParsedDocument       (one clean text, block offsets, page map)
split   -> list[Passage]        (cited units that the index stores)
pipeline-> CorpusInfo           (what one ingest run stored)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "note"]
OCR_READ = re.compile(r"OCR: (\d+) page\(s\) read by OCR")  # the start of ingest/ocr.py's summary line


class IngestError(Exception):
    """A document cannot be ingested; the message names the file and the reason.

    `reason` is readable English (the CLI prints it); `code` and `values` say the same
    for a page that words it in its own language (app_pages/reasons.py), "" when no code fits.
    """

    def __init__(self, path: str, reason: str, code: str = "", values: Mapping[str, Any] | None = None):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.code = code
        self.values: dict[str, Any] = dict(values or {})

    def __reduce__(self):  # raised in the parsing process, re-raised in the ingest
        return (IngestError, (self.path, self.reason, self.code, self.values))


# The bibliographic fields of a Document: what the catalog (or a guess) says, as
# opposed to what the ingest found in the file. A catalog edit changes only these.
BIBLIOGRAPHIC = (
    "doc_id", "file", "title", "publisher", "author", "year", "doc_type", "language",
    "places", "title_is_descriptive", "metadata_source", "notes",
)  # fmt: skip


@dataclass(frozen=True)
class Document:
    """One document: its bibliographic data and what the ingest found in its file.

    The same record travels from the catalog (bibliographic fields only) through
    the pipeline (file facts added), the store, the searcher, a hit and the pages.
    """

    doc_id: str
    file: str
    title: str
    publisher: str | None = None
    author: str | None = None
    year: int | None = None
    doc_type: str | None = None
    language: str | None = None
    places: tuple[str, ...] = ()
    title_is_descriptive: bool = False
    metadata_source: str = "catalog"  # catalog | pdf metadata | first page | file name
    notes: str | None = None
    # what the ingest found (empty until the file is parsed)
    sha256: str = ""
    size: int = 0
    mtime_ns: int = 0
    pages: int = 0
    page_labels: Mapping[str, str] = field(default_factory=dict)  # physical page -> printed label
    passages: int = 0
    words: int = 0
    ingested_at: str = ""
    warnings: tuple[str, ...] = ()
    found_metadata: Mapping[str, Any] = field(default_factory=dict)
    parse_key: str = ""  # the parse settings the passages were made with
    ocr_pages: int = 0  # pages whose text came from OCR

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["places"], data["warnings"] = list(self.places), list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["places"] = tuple(values.get("places") or ())
        values["warnings"] = tuple(values.get("warnings") or ())
        if "ocr_pages" not in values:  # stored before the count was kept: its OCR warning says it
            said = next(filter(None, map(OCR_READ.match, values["warnings"])), None)
            values["ocr_pages"] = int(said.group(1)) if said else 0
        return cls(**values)

    def bibliographic(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in BIBLIOGRAPHIC}

    def with_metadata(self, other: Document) -> Document:
        """This document's file facts with `other`'s bibliographic data."""
        return dataclasses.replace(self, **other.bibliographic())


@dataclass(frozen=True)
class CorpusInfo:
    """What one ingest run stored: the parse settings, the corpus and its counts."""

    created: str
    parse_key: str
    parser_version: int
    ingest: Mapping[str, Any]
    corpus_hash: str
    libraries: Mapping[str, str]
    documents: int
    passages: int
    pages: int


@dataclass(frozen=True)
class Block:
    """A heading, paragraph or note as a reader found it.

    `pages` lists (offset in `text`, physical page) for every page the block
    touches, starting at offset 0; it is empty for text files.
    """

    kind: BlockKind
    text: str
    level: int = 0
    pages: tuple[tuple[int, int], ...] = ()
    note_id: str | None = None  # for kind == "note": the note's number or label


@dataclass(frozen=True)
class PageSpan:
    """Where a physical page's text lies in the document's clean text."""

    number: int  # 1-based physical page
    label: str | None  # printed page label, when the PDF has one
    start: int
    end: int


@dataclass(frozen=True)
class BlockSpan:
    """A block placed in the clean text, with the section it belongs to."""

    kind: BlockKind
    start: int
    end: int
    section: tuple[str, ...]
    note_id: str | None = None
    pages: tuple[tuple[int, int], ...] = ()  # (offset in the clean text, physical page)


@dataclass(frozen=True)
class ParsedDocument:
    """A document's clean text and where its blocks and pages lie in it."""

    text: str
    blocks: tuple[BlockSpan, ...]
    pages: tuple[PageSpan, ...] = ()
    page_count: int = 0
    warnings: tuple[str, ...] = ()
    found_metadata: dict[str, Any] = field(default_factory=dict)
    ocr_pages: int = 0  # pages whose text came from OCR
    ocr_seconds: float = 0.0  # time spent in OCR (probes included)


@dataclass(frozen=True)
class Passage:
    """A cited unit of text: an exact slice of its document's clean text."""

    passage_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    section: tuple[str, ...]
    language: str
    page_start: int | None = None
    page_end: int | None = None
    page_label_start: str | None = None
    page_label_end: str | None = None
    prev_id: str | None = None
    next_id: str | None = None
    is_note: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["section"] = list(self.section)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(**{**data, "section": tuple(data["section"])})

    def page_span(self) -> str | None:
        """ "14" or "14–15", with the printed page numbers where the PDF has them."""
        if self.page_start is None:
            return None
        start = self.page_label_start or str(self.page_start)
        end = self.page_label_end or str(self.page_end or self.page_start)
        return start if start == end else f"{start}–{end}"

    def location(self, page_word: str = "s.", separator: str = " › ", section: tuple[str, ...] | None = None) -> str:
        """Where the passage stands: "s. 14–15", or for text without pages its section path
        (or `section`, the path at a point inside it)."""
        span = self.page_span()
        return f"{page_word} {span}" if span else separator.join(self.section if section is None else section)

    @property
    def int_id(self) -> int:
        """A non-negative 63-bit integer id (FAISS ids are int64)."""
        return int(self.passage_id, 16) & 0x7FFF_FFFF_FFFF_FFFF
