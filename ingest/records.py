"""Typed records passed between the ingest stages.

reader  -> list[Block]          (text with its kind, heading level and pages)
assemble-> ParsedDocument       (one clean text, block offsets, page map)
split   -> list[Passage]        (cited units that the index stores)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "note"]


class IngestError(Exception):
    """A document cannot be ingested; the message names the file and the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self):  # raised in the parsing process, re-raised in the ingest
        return (IngestError, (self.path, self.reason))


@dataclass(frozen=True)
class DocumentMeta:
    """Bibliographic data of one document, from the catalog or guessed from the file."""

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

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentMeta:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["places"] = tuple(values.get("places") or ())
        return cls(**values)


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

    @property
    def int_id(self) -> int:
        """A non-negative 63-bit integer id (FAISS ids are int64)."""
        return int(self.passage_id, 16) & 0x7FFF_FFFF_FFFF_FFFF
