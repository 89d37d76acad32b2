"""What a search returns: cited hits, near-duplicates folded into one hit with every source."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from index.query import Mode
from index.quote.cite import citation, section_at
from index.quote.excerpt import Excerpt, make_excerpt
from index.tags.tagger import PassageTags
from index.text.analysis import Analyzer
from ingest.records import Document, Passage

DUPLICATE_JACCARD = 0.8


@dataclass(frozen=True)
class Source:
    """Another place that holds the same text as a hit."""

    passage_id: str
    doc_id: str
    citation: str

    def to_json(self) -> dict[str, str]:
        return {"passage_id": self.passage_id, "doc_id": self.doc_id, "citation": self.citation}


@dataclass
class Hit:
    rank: int
    score: float
    scores: dict[str, float | None]
    passage: Passage
    document: Document
    excerpt: Excerpt
    citation: str
    sources: list[Source] = field(default_factory=list)  # near-duplicates elsewhere
    row: int = -1  # the backend's id of the passage (for its window vectors)
    section: tuple[str, ...] = ()  # the section path where the excerpt stands
    tags: PassageTags = PassageTags()  # the passage's themes, measures and places

    def location(self, page_word: str = "s.", separator: str = " › ") -> str:
        """Pages, or the section the excerpt sits under."""
        return self.passage.location(page_word, separator, self.section)

    def to_json(self) -> dict[str, Any]:
        p, d = self.passage, self.document
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "scores": {k: (round(v, 6) if v is not None else None) for k, v in self.scores.items()},
            "passage_id": p.passage_id,
            "doc_id": p.doc_id,
            "title": d.title,
            "publisher": d.publisher,
            "year": d.year,
            "type": d.doc_type,
            "language": p.language,
            "page_start": p.page_start,
            "page_end": p.page_end,
            "page_label": p.page_label_start,
            "section": " > ".join(self.section),
            "start": p.start,
            "end": p.end,
            "text": p.text,
            "excerpt": self.excerpt.text,
            "excerpt_start": self.excerpt.start,
            "matches": [list(m) for m in self.excerpt.matches],
            "citation": self.citation,
            "sources": [source.to_json() for source in self.sources],
            **self.tags.to_json(),
        }


@dataclass
class SearchResult:
    query: str
    mode: Mode
    took_ms: float
    corrections: dict[str, str]
    hits: list[Hit]
    message: str = ""
    terms: list[str] = field(default_factory=list)  # analyzed query terms, for highlighting
    vector: Any = None  # the query embedding (None for lexical search), for the short answer
    english: bool = False
    semantic_pending: bool = False  # hybrid or dense asked for while some or all passages lack vectors (found by words only)
    model_notice: str = ""  # why a model did not take part: rerank_loading | rerank_failed | embedder_failed; "" when all did or are off
    model_problem: str = ""  # for *_failed: the file and the reason

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "mode": self.mode,
            "semantic_pending": self.semantic_pending,
            "model_notice": self.model_notice,
            "model_problem": self.model_problem,
            "took_ms": round(self.took_ms, 2),
            "corrections": self.corrections,
            "message": self.message,
            "hits": [hit.to_json() for hit in self.hits],
        }


@dataclass(frozen=True)
class Candidate:
    """A passage proposed by retrieval, with its fused score and each retriever's."""

    passage: Passage
    score: float
    scores: dict[str, float | None]
    row: int = -1


def make_hits(candidates: list[Candidate], documents: Mapping[str, Document], terms: set[str], analyzer: Analyzer, k: int) -> list[Hit]:
    """The top `k` distinct passages, each with its excerpt and citation.

    A candidate that duplicates a hit already taken (the same text elsewhere, or
    an overlapping neighbour whose best excerpt is the same words) becomes one
    of that hit's sources instead of a hit of its own.
    """
    hits: list[Hit] = []
    shingles: list[set[tuple[str, ...]]] = []
    seen: dict[str, bool] = {}  # words already matched against the terms, shared by the excerpts
    for candidate in candidates[: 4 * k]:
        passage = candidate.passage
        own = _shingles(passage.text)
        duplicate = next((i for i, other in enumerate(shingles) if _jaccard(own, other) >= DUPLICATE_JACCARD), None)
        neighbours = [i for i, hit in enumerate(hits) if passage.passage_id in (hit.passage.prev_id, hit.passage.next_id)]
        if duplicate is None and not neighbours and len(hits) == k:
            continue
        excerpt = make_excerpt(passage.text, terms, analyzer, seen)
        if duplicate is None:
            duplicate = next((i for i in neighbours if hits[i].excerpt.text == excerpt.text), None)
        document = documents[passage.doc_id]
        if duplicate is not None:
            hits[duplicate].sources.append(Source(passage.passage_id, passage.doc_id, citation(document, passage)))
        elif len(hits) < k:
            section = section_at(passage, excerpt.start)
            cited = citation(document, passage, section)
            hits.append(Hit(len(hits) + 1, candidate.score, candidate.scores, passage, document, excerpt, cited, row=candidate.row, section=section))
            shingles.append(own)
    return hits


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def _jaccard(a: set, b: set) -> float:
    if not a or not b or min(len(a), len(b)) < DUPLICATE_JACCARD * max(len(a), len(b)):
        return 0.0  # sizes this far apart cannot reach the duplicate threshold; no need to count
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)
