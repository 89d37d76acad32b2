"""The reference basket: quotes a user collects across searches, grouped per document, and the
Norwegian APA 7 reference list made from them.

A `BasketItem` is one quote (a hit's excerpt or a short-answer sentence) with where it stands
(document offsets, pages or section) and the document's bibliographic data when it was added,
so the basket can be exported even after the document has left the index. The exports
(`index/present/basket_export.py`) write one record per document, its quotes as notes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from index.present.answer import AnswerSentence
from index.quote.authors import apa_authors
from index.quote.cite import citation, locator, reference_parts, section_at
from index.search.hits import Hit
from ingest.records import Document

ItemKind = Literal["excerpt", "sentence"]


@dataclass(frozen=True)
class BasketItem:
    """One collected quote: a verbatim slice of its document's clean text."""

    doc_id: str
    passage_id: str
    quote: str
    start: int  # offsets of the quote in the document's clean text
    end: int
    locator: str  # "s. 14–15", or "kap. 2.3" for text without pages
    section: tuple[str, ...]
    citation: str
    document: Document  # the bibliographic data when the quote was added
    kind: ItemKind = "excerpt"
    page: int | None = None  # first physical page of the passage
    query: str = ""
    added: str = ""

    @property
    def item_id(self) -> str:
        """The same words of the same document are one item, however often they are added."""
        return hashlib.sha1(f"{self.doc_id}:{self.start}:{self.end}".encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "passage_id": self.passage_id, "quote": self.quote, "start": self.start, "end": self.end,
            "locator": self.locator, "section": list(self.section), "citation": self.citation, "kind": self.kind,
            "page": self.page, "query": self.query, "added": self.added, "document": _bibliographic(self.document),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BasketItem:
        values = {k: v for k, v in data.items() if k in _FIELDS and k != "document"}
        return cls(**{**values, "section": tuple(data.get("section") or ()), "document": Document.from_dict(data["document"])})


_FIELDS = set(BasketItem.__dataclass_fields__)


def _bibliographic(document: Document) -> dict[str, Any]:
    data = document.bibliographic()
    data["places"] = list(document.places)
    return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _item(hit: Hit, quote: str, start: int, section: tuple[str, ...], cited: str, kind: ItemKind, query: str) -> BasketItem:
    p = hit.passage
    return BasketItem(
        p.doc_id, p.passage_id, quote, p.start + start, p.start + start + len(quote), locator(p, section), section, cited,
        hit.document, kind, p.page_start, query, _now(),
    )  # fmt: skip


def item_from_hit(hit: Hit, query: str = "") -> BasketItem:
    """The hit's excerpt, with the hit's citation."""
    excerpt = hit.excerpt
    return _item(hit, excerpt.text, excerpt.start, hit.section, hit.citation, "excerpt", query)


def item_from_sentence(sentence: AnswerSentence, hit: Hit, query: str = "") -> BasketItem:
    """A short-answer sentence (quoted from `hit`), cited with the section its own words stand in."""
    section = section_at(hit.passage, sentence.start)
    cited = citation(hit.document, hit.passage, section)
    return _item(hit, sentence.text, sentence.start, section, cited, "sentence", query)


@dataclass(frozen=True)
class DocumentQuotes:
    """One document of the basket with its quotes in reading order: one record in every export."""

    document: Document
    items: tuple[BasketItem, ...]
    year_label: str  # "2020", "2020a", "u.å."

    @property
    def locators(self) -> list[str]:
        """The quoted pages or sections, each once, in reading order."""
        return list(dict.fromkeys(item.locator for item in self.items if item.locator))

    def notes(self) -> list[str]:
        """ "s. 14–15: «quote»", one per quote."""
        return [(f"{item.locator}: " if item.locator else "") + f"«{item.quote}»" for item in self.items]


_NORWEGIAN_LETTERS = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"})


def norwegian_key(text: str) -> str:
    """A sort key in Norwegian alphabetical order: æ, ø, å after z; other accents ignored (é as e)."""
    folded = text.casefold().translate(_NORWEGIAN_LETTERS)
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def _reference_key(document: Document) -> tuple[str, int, str]:
    """APA order: author, then year (works without a year first), then title."""
    return norwegian_key(apa_authors(document)), document.year or 0, norwegian_key(document.title or document.doc_id)


def by_document(items: Iterable[BasketItem], documents: Mapping[str, Document] | None = None) -> list[DocumentQuotes]:
    """The items grouped per document, in reference-list order; each document's bibliographic data
    from `documents` (the index now) where it is still there, else as it was when added."""
    groups: dict[str, dict[str, BasketItem]] = {}
    for item in items:
        groups.setdefault(item.doc_id, {}).setdefault(item.item_id, item)
    known = documents or {}
    records = [
        (known.get(doc_id) or next(iter(quotes.values())).document, tuple(sorted(quotes.values(), key=lambda i: (i.start, i.end))))
        for doc_id, quotes in groups.items()
    ]
    records.sort(key=lambda record: _reference_key(record[0]))
    labels = _year_labels([document for document, _ in records])
    return [DocumentQuotes(document, quotes, label) for (document, quotes), label in zip(records, labels, strict=True)]


def _year_labels(documents: list[Document]) -> list[str]:
    """ "2020a", "2020b" where one author has several works from one year (APA 7: by title);
    "u.å.-a" for several without a year. `documents` are in reference-list order."""
    years = [str(d.year) if d.year else "u.å." for d in documents]
    same: dict[tuple[str, str], list[int]] = {}
    for index, (document, year) in enumerate(zip(documents, years, strict=True)):
        same.setdefault((apa_authors(document), year), []).append(index)
    for indexes in same.values():
        if len(indexes) > 1:
            for letter, index in zip("abcdefghijklmnopqrstuvwxyz", indexes, strict=False):
                years[index] += ("-" if years[index] == "u.å." else "") + letter
    return years


def apa_reference_list(records: list[DocumentQuotes]) -> list[tuple[str, str, str]]:
    """The reference list, one entry per document in order, each as (before title, title, after)."""
    return [reference_parts(record.document, record.year_label) for record in records]


def apa_text(records: list[DocumentQuotes]) -> str:
    """The reference list as plain text, one entry a paragraph."""
    return "\n\n".join("".join(parts) for parts in apa_reference_list(records)) + "\n"


_OFFICIAL_NUMBER = re.compile(r"^((?:NOU|Meld\. St\.|Prop\.)\s*\d{4}\s*:\s*\d+(?:\s*[A-Z]+)?)\b")


def short_title(document: Document, limit: int = 60) -> str:
    """ "NOU 2020:16" for an official report, else the title cut at a word within `limit` characters."""
    title = (document.title or document.doc_id).strip()
    if match := _OFFICIAL_NUMBER.match(title):
        return match.group(1)
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,–-") + " …"

