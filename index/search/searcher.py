"""Hybrid search over any backend: query terms and embedding, candidate lists, fusion, cited hits.

The searcher asks its backend for ranked candidate lists, keeps only passages
that hold the query's quoted phrases, fuses the lists, reads the passages and
folds near-duplicates into cited hits. Each of these happens here, once, for
both backends.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from index.backends import open_backend
from index.backends.base import Backend, Ranked, Retrieval
from index.builder.embed import Embedder, make_embedder
from index.models.folder import ModelFolderError
from index.query import MAX_QUERY_CHARS, MODES, Filters, Mode, ParsedQuery, QueryError, parse_query
from index.search.fusion import fuse
from index.search.hits import Candidate, SearchResult, make_hits
from index.search.rerank import Reranker, best_windows
from index.text.lexicon import Corrections, Lexicon
from index.text.translate import Translator, load_dictionary
from ingest.language import is_english
from ingest.records import Document, Passage
from settings import RerankSettings, Settings


class Searcher:
    def __init__(self, backend: Backend, settings: Settings, embedder: Embedder | None = None):
        # The query embedder's OpenMP threads share the cores with OpenBLAS, whose threads
        # keep spinning after a product: an embedding right after one took 110 ms instead
        # of 16 (measured). The searcher's products are small, so BLAS runs on one thread.
        threadpool_limits(1, user_api="blas")
        self.backend = backend
        self.settings = settings
        self._embedder = embedder
        self._translator: Translator | None = None
        self._embedder_problem = ""
        self.reranker = Reranker(settings.rerank)
        # the answer check (index/present/answer.py): a cross-encoder of (question, sentence)
        self.checker = Reranker(RerankSettings(model=settings.answer.check_model, max_length=settings.rerank.max_length))

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embedder)
        return self._embedder

    @property
    def embedder_problem(self) -> str:
        """Why the query embedder cannot be loaded ("" when it can); search then goes by words."""
        if self._embedder is None and not self._embedder_problem:
            try:
                self._embedder = make_embedder(self.settings.embedder)
            except ModelFolderError as exc:
                self._embedder_problem = str(exc)
        return self._embedder_problem

    def warm(self) -> None:
        """Load the query embedder now rather than on the first dense query (not while the
        version is searchable by words only), and what typo correction needs."""
        self.lexicon.prepare()
        if self.backend.dense_available and not self.embedder_problem:
            self.embedder.embed_query("oppvarming")
            self.reranker.start()
            self.checker.start()

    def wait_for_models(self) -> None:
        """Block until the reranker and the answer check have loaded (or failed): for one-off
        commands and evaluations, which should not answer in fused order while they load."""
        self.reranker.wait()
        self.checker.wait()

    # -- what the backend holds ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def documents(self) -> Mapping[str, Document]:
        return self.backend.documents

    @property
    def lexicon(self) -> Lexicon:
        return self.backend.lexicon

    def __len__(self) -> int:
        return len(self.backend)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self.backend.passages_of(doc_id)

    def all_passages(self) -> Iterator[Passage]:
        return self.backend.all_passages()

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        return self.backend.neighbours(passage)

    def window_vectors(self, rows: Sequence[int]) -> list[np.ndarray]:
        return self.backend.window_vectors(rows)

    def close(self) -> None:
        self.backend.close()

    # -- searching -------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, mode: Mode | None = None, filters: Filters | None = None) -> SearchResult:
        started = time.perf_counter()
        mode = mode or self.settings.search.mode
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        parsed = parse_query(query[:MAX_QUERY_CHARS])
        if not re.search(r"\w", parsed.text):
            raise QueryError("the query is empty; type some words to search for")
        k = max(1, min(k or self.settings.search.k, len(self)))
        pending = mode != "lexical" and not self.backend.semantic_ready
        problem = self.embedder_problem if mode != "lexical" and self.backend.dense_available else ""
        if problem:
            mode, pending = "lexical", True
        if pending and not self.backend.dense_available:  # published words first: by words until vectors exist
            mode = "lexical"
        query_in = QueryTerms.of(self, parsed, mode)
        terms, corrections = query_in.terms, query_in.corrections
        vector = self.embedder.embed_query(query_in.dense_text) if mode in ("hybrid", "dense") else None
        candidates = self.retrieve(parsed, mode, filters or Filters(), query_in, k, vector)
        if candidates is None:
            return SearchResult(query, mode, _ms(started), {}, [], "no documents match the filters", terms, semantic_pending=pending)
        candidates, notice = self.reranked(query_in.dense_text, candidates, vector)
        notice, detail = ("embedder_failed", problem) if problem else (notice, self.reranker.error)
        hits = make_hits(candidates, self.backend.documents, set(terms), self.lexicon.analyzer, k)
        for hit, tags in zip(hits, self.backend.tags_of([hit.passage.passage_id for hit in hits]), strict=True):
            hit.tags = tags
        message = "" if hits else "no passages match; try fewer words, another mode or wider filters"
        pairs = corrections.pairs if mode != "dense" else {}
        return SearchResult(query, mode, _ms(started), pairs, hits, message, terms, vector, query_in.english, pending, notice, detail if notice.endswith("failed") else "")

    def retrieve(self, query: ParsedQuery, mode: Mode, filters: Filters, terms: QueryTerms, k: int, vector: np.ndarray | None) -> list[Candidate] | None:
        """The best 4k fused candidates; None when no passage passes the filters."""
        n = max(self.settings.search.candidates, 3 * k)
        dense = vector is not None
        request = Retrieval(terms.terms, terms.weights, vector, query.phrases, filters, n, lexical=mode in ("hybrid", "lexical"), dense=dense)
        lists = self.backend.candidates(request)
        if lists is None:
            return None
        if query.phrases:
            lists = {name: self.with_phrases(ranked, query.phrases)[:n] for name, ranked in lists.items()}
        fused = fuse(lists, self.settings.search, terms.english)[: 4 * k]
        by_list = {name: dict(ranked) for name, ranked in lists.items()}
        passages = self.backend.passages([row for row, _ in fused])
        return [
            Candidate(passage, score, {name: by_list[name].get(row) for name in ("lexical", "dense") if name in by_list}, row)
            for (row, score), passage in zip(fused, passages, strict=True)
        ]

    def reranked(self, query: str, candidates: list[Candidate], vector: np.ndarray | None) -> tuple[list[Candidate], str]:
        """The candidates with their top re-ordered by the cross-encoder, and what to say when it is not in use.

        Lexical search (no query vector) keeps the fused order: the best window is chosen by vector."""
        reranker = self.reranker
        if reranker.state == "off" or vector is None:
            return candidates, ""
        reranker.start()
        if reranker.state != "ready":
            return candidates, reranker.notice
        top = candidates[: self.settings.rerank.candidates]
        texts = best_windows([c.passage for c in top], self.backend.window_vectors([c.row for c in top]), vector)
        return reranker.rerank(query, candidates, texts), ""

    @property
    def translator(self) -> Translator:
        if self._translator is None:
            dictionary = load_dictionary(self.settings.index.translation_dictionary)
            self._translator = Translator(self.lexicon, self.backend.term_space, dictionary, self.embedder.embed_queries)
        return self._translator

    def with_phrases(self, ranked: Ranked, phrases: Sequence[str]) -> Ranked:
        """The entries whose passages hold every phrase (its words adjacent, after analysis)."""
        passages = self.backend.passages([row for row, _ in ranked])
        return [r for r, p in zip(ranked, passages, strict=True) if all(self.lexicon.has_phrase(p.text, phrase) for phrase in phrases)]


@dataclass(frozen=True)
class QueryTerms:
    """What each retriever gets of a query: lexical terms (with weights), the embedder's text."""

    terms: list[str]
    weights: dict[str, float]
    corrections: Corrections
    dense_text: str
    english: bool

    @classmethod
    def of(cls, searcher: Searcher, parsed: ParsedQuery, mode: Mode) -> QueryTerms:
        """Norwegian queries: typos corrected against the vocabulary. English ones: not corrected
        (their words are not misspelt Norwegian), and their words translated for the lexical side."""
        lexicon, text = searcher.lexicon, parsed.text or " ".join(parsed.phrases)
        english = is_english(text)
        terms, corrections = lexicon.query_terms(" ".join([parsed.text, *parsed.phrases]), correct=mode != "dense" and not english)
        weights: dict[str, float] = {}
        if english and mode != "dense":
            translated = searcher.translator.terms(parsed.text, set(terms))
            terms += translated
            weights = dict.fromkeys(translated, searcher.settings.search.translation_weight)
        if mode == "dense":
            terms = lexicon.query_terms(parsed.text, correct=False)[0]
        return cls(terms, weights, corrections, text if english else lexicon.dense_query(text), english)


def open_searcher(settings: Settings, embedder: Embedder | None = None) -> Searcher:
    """A searcher over what the configured backend has published."""
    return Searcher(open_backend(settings), settings, embedder)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
