"""Hybrid search over a published store version: lexical, dense, fused; cited hits."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from index.build import INDEX_DIR, index_signature
from index.cite import citation
from index.dense import DenseIndex
from index.embed import Embedder, make_embedder
from index.excerpt import Excerpt, make_excerpt
from index.fusion import reciprocal_rank_fusion, weighted_fusion
from index.lexical import LexicalIndex, Lexicon, ParsedQuery, parse_query, top_rows
from index.store import Store, StoreError, Version
from index.table import LANGUAGES, PassageTable
from ingest.records import Passage
from settings import Settings

Mode = Literal["hybrid", "lexical", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "lexical", "dense")
MAX_QUERY_CHARS = 2000  # longer queries are cut (an embedder reads 512 tokens anyway)
DUPLICATE_JACCARD = 0.8


class QueryError(ValueError):
    """The query cannot be answered as given (empty, unknown mode)."""


@dataclass(frozen=True)
class Filters:
    doc_ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.types or self.languages or self.places) and self.year_from is None and self.year_to is None


@dataclass
class Hit:
    rank: int
    score: float
    scores: dict[str, float | None]
    passage: Passage
    document: dict[str, Any]
    excerpt: Excerpt
    citation: str
    sources: list[dict[str, Any]] = field(default_factory=list)  # near-duplicates elsewhere

    def to_json(self) -> dict[str, Any]:
        p, d = self.passage, self.document
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "scores": {k: (round(v, 6) if v is not None else None) for k, v in self.scores.items()},
            "passage_id": p.passage_id,
            "doc_id": p.doc_id,
            "title": d.get("title"),
            "publisher": d.get("publisher"),
            "year": d.get("year"),
            "type": d.get("doc_type"),
            "language": p.language,
            "page_start": p.page_start,
            "page_end": p.page_end,
            "page_label": p.page_label_start,
            "section": " > ".join(p.section),
            "start": p.start,
            "end": p.end,
            "text": p.text,
            "excerpt": self.excerpt.text,
            "excerpt_start": self.excerpt.start,
            "matches": [list(m) for m in self.excerpt.matches],
            "citation": self.citation,
            "sources": self.sources,
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

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "mode": self.mode,
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


class BaseSearcher:
    """What both store backends share: query handling, excerpts, citations, duplicates.

    A backend provides the documents, the lexicon, the passages, and `retrieve`.
    """

    settings: Settings
    documents: dict[str, dict[str, Any]]
    lexical: Lexicon
    _embedder: Embedder | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embedder)
        return self._embedder

    def warm(self) -> None:
        """Load the query embedder now rather than on the first dense query."""
        self.embedder.embed_query("oppvarming")

    @property
    def name(self) -> str:
        """Identifies the data being searched (a new one after every ingest)."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def passages_of(self, doc_id: str) -> list[Passage]:
        raise NotImplementedError

    def all_passages(self) -> Iterator[Passage]:
        raise NotImplementedError

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        raise NotImplementedError

    def retrieve(self, query: ParsedQuery, mode: Mode, filters: Filters, n: int, terms: list[str], k: int) -> list[Candidate] | None:
        """The best 4k fused candidates from `n` per retriever; None when no document passes the filters."""
        raise NotImplementedError

    def search(self, query: str, k: int | None = None, mode: Mode | None = None, filters: Filters | None = None) -> SearchResult:
        started = time.perf_counter()
        mode = mode or self.settings.search.mode
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        parsed = parse_query(query[:MAX_QUERY_CHARS])
        if not re.search(r"\w", parsed.text):
            raise QueryError("the query is empty; type some words to search for")
        k = max(1, min(k or self.settings.search.k, len(self)))
        terms, corrections = self.lexical.query_terms(" ".join([parsed.text, *parsed.phrases]), correct=mode != "dense")
        if mode == "dense":
            terms = self.lexical.query_terms(parsed.text, correct=False)[0]
        candidates = self.retrieve(parsed, mode, filters or Filters(), max(self.settings.search.candidates, 3 * k), terms, k)
        if candidates is None:
            return SearchResult(query, mode, _ms(started), {}, [], "no documents match the filters", terms)
        hits = self.make_hits(candidates, set(terms), k)
        message = "" if hits else "no passages match; try fewer words, another mode or wider filters"
        return SearchResult(query, mode, _ms(started), corrections.pairs if mode != "dense" else {}, hits, message, terms)

    def fuse(self, lists: dict[str, list[tuple[int, float]]]) -> list[tuple[int, float]]:
        cfg = self.settings.search
        weights = {"lexical": cfg.lexical_weight, "dense": cfg.dense_weight}
        if cfg.fusion == "rrf":
            return reciprocal_rank_fusion(lists, weights, cfg.rrf_k)
        return weighted_fusion(lists, weights)

    def make_hits(self, candidates: list[Candidate], terms: set[str], k: int) -> list[Hit]:
        """The top `k` distinct passages, each with its excerpt and citation.

        A candidate that duplicates a hit already taken (the same text elsewhere, or
        an overlapping neighbour whose best excerpt is the same words) becomes one
        of that hit's sources instead of a hit of its own.
        """
        hits: list[Hit] = []
        shingles: list[set[tuple[str, ...]]] = []
        for candidate in candidates[: 4 * k]:
            passage = candidate.passage
            own = _shingles(passage.text)
            duplicate = next((i for i, other in enumerate(shingles) if _jaccard(own, other) >= DUPLICATE_JACCARD), None)
            neighbours = [i for i, hit in enumerate(hits) if passage.passage_id in (hit.passage.prev_id, hit.passage.next_id)]
            if duplicate is None and not neighbours and len(hits) == k:
                continue
            excerpt = make_excerpt(passage.text, terms, self.lexical.analyzer)
            if duplicate is None:
                duplicate = next((i for i in neighbours if hits[i].excerpt.text == excerpt.text), None)
            if duplicate is not None:
                hits[duplicate].sources.append(self._source(passage))
            elif len(hits) < k:
                document = self.documents[passage.doc_id]
                hits.append(Hit(len(hits) + 1, candidate.score, candidate.scores, passage, document, excerpt, citation(document, passage)))
                shingles.append(own)
        return hits

    def _source(self, passage: Passage) -> dict[str, Any]:
        document = self.documents[passage.doc_id]
        return {"passage_id": passage.passage_id, "doc_id": passage.doc_id, "citation": citation(document, passage)}

    def has_phrases(self, text: str, phrases: Sequence[str]) -> bool:
        return all(self.lexical.has_phrase(text, phrase) for phrase in phrases)


class Searcher(BaseSearcher):
    """The files backend: loads one published version once and answers queries."""

    def __init__(self, settings: Settings, version: Version | None = None, embedder: Embedder | None = None):
        self.settings = settings
        self.version, self._hold = _open_version(settings, version)
        self._check_manifest()
        folder = self.version.path / INDEX_DIR
        self.documents = self.version.documents()
        self.table = PassageTable(folder)
        self.dense = DenseIndex.load(folder, settings.index)
        self.lexical = LexicalIndex.load(folder / "lexical")
        self._embedder = embedder
        self._columns()

    def _check_manifest(self) -> None:
        built = self.version.manifest().get("index")
        if not built:
            raise StoreError(f"{self.version.path}: this version has no index; run `python -m ingest`")
        wanted = index_signature(self.settings)
        if built.get("embedder") != wanted["embedder"]:
            raise StoreError(
                f"{self.version.path}: the index was built with embedder '{built.get('embedder')}', "
                f"but the config asks for '{wanted['embedder']}'; run `python -m ingest` to rebuild it"
            )

    def _columns(self) -> None:
        """Per-document values, and per-row arrays that point at them, for fast filtering."""
        docs = [self.documents.get(doc_id, {}) for doc_id in self.table.doc_ids]
        self._doc_year = np.array([d.get("year") or 0 for d in docs], dtype=np.int32)
        self._doc_type = np.array([(d.get("doc_type") or "").casefold() for d in docs], dtype=object)
        self._doc_places = [frozenset(x.casefold() for x in d.get("places") or ()) for d in docs]
        self._doc_code = {doc_id: code for code, doc_id in enumerate(self.table.doc_ids)}

    def __len__(self) -> int:
        return len(self.table)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self.table.document(doc_id)

    def all_passages(self) -> Iterator[Passage]:
        return iter(self.table)

    # -- filters ------------------------------------------------------------------
    def allowed_rows(self, filters: Filters) -> np.ndarray | None:
        if filters.is_empty():
            return None
        docs = np.ones(len(self.table.doc_ids), dtype=bool)  # which documents pass
        if filters.doc_ids:
            docs &= np.isin(np.arange(len(docs)), [self._doc_code[d] for d in filters.doc_ids if d in self._doc_code])
        if filters.types:
            docs &= np.isin(self._doc_type, [t.casefold() for t in filters.types])
        if filters.year_from is not None:
            docs &= self._doc_year >= filters.year_from
        if filters.year_to is not None:
            docs &= (self._doc_year <= filters.year_to) & (self._doc_year > 0)
        if filters.places:
            wanted = {p.casefold() for p in filters.places}
            docs &= np.array([bool(wanted & places) for places in self._doc_places], dtype=bool)
        mask = docs[self.table.doc_codes]
        if filters.languages:
            codes = [LANGUAGES.index(x) for x in filters.languages if x in LANGUAGES]
            mask &= np.isin(self.table.languages, codes)
        return np.flatnonzero(mask)

    # -- retrieval ----------------------------------------------------------------
    def lexical_ranking(self, query: ParsedQuery, terms: list[str], allowed: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.table), dtype=np.float32)
            mask[allowed] = 1
        ranked = top_rows(self.lexical.scores(terms, mask), n if not query.phrases else max(n, 2000))
        return self._with_phrases(ranked, query.phrases)[:n] if query.phrases else ranked

    def dense_ranking(self, query: ParsedQuery, allowed: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        vector = self.embedder.embed_query(self.lexical.dense_query(query.text or " ".join(query.phrases)))
        if not query.phrases:
            return self.dense.search(vector, n, allowed)
        return self._with_phrases(self.dense.search(vector, max(n * 10, 200), allowed), query.phrases)[:n]

    def _with_phrases(self, ranked: list[tuple[int, float]], phrases: Sequence[str]) -> list[tuple[int, float]]:
        passages = self.table.get(row for row, _ in ranked)
        return [r for r, p in zip(ranked, passages, strict=True) if self.has_phrases(p.text, phrases)]

    def retrieve(self, query: ParsedQuery, mode: Mode, filters: Filters, n: int, terms: list[str], k: int) -> list[Candidate] | None:
        allowed = self.allowed_rows(filters)
        if allowed is not None and allowed.size == 0:
            return None
        lists: dict[str, list[tuple[int, float]]] = {}
        if mode in ("hybrid", "lexical"):
            lists["lexical"] = self.lexical_ranking(query, terms, allowed, n)
        if mode in ("hybrid", "dense"):
            lists["dense"] = self.dense_ranking(query, allowed, n)
        fused = (self.fuse(lists) if mode == "hybrid" else lists[mode])[: 4 * k]
        by_list = {name: dict(ranked) for name, ranked in lists.items()}
        passages = self.table.get(row for row, _ in fused)
        return [
            Candidate(passage, score, {name: by_list[name].get(row) for name in ("lexical", "dense") if name in by_list})
            for (row, score), passage in zip(fused, passages, strict=True)
        ]

    @property
    def name(self) -> str:
        return str(self.version.path)

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        return self.table.by_id(passage.prev_id), self.table.by_id(passage.next_id)


def _open_version(settings: Settings, version: Version | None) -> tuple[Version, Any]:
    """The version to read, held so that it is not pruned while this searcher lives.

    Between reading CURRENT and taking the hold, two publishes could in principle
    prune the version; then the newer current version is taken instead.
    """
    for _ in range(3):
        chosen = version or Store(settings.store.dir).require_current()
        try:
            hold = chosen.hold()
        except FileNotFoundError:
            if version is not None:
                raise StoreError(f"{version.path}: this store version no longer exists") from None
            continue
        if (chosen.path / "manifest.json").exists():
            return chosen, hold
        hold.close()
    raise StoreError(f"{settings.store.dir}: the store changed while it was opened; try again")


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
