"""The one contract every store backend keeps.

A backend holds the published passages and their indexes. Asked for a query's
candidates it returns ranked `(passage id, score)` lists, one per retriever it
was asked for; it reads passages by id. Everything above that (fusion, phrase
checks, near-duplicate collapsing, excerpts, citations) happens once, in
index/search/, for every backend alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.query import Filters
from index.tags.tagger import PassageTags
from index.text.lexicon import Lexicon
from index.text.translate import TermSpace
from ingest.records import Document, Passage

Ranked = list[tuple[int, float]]  # (passage id, score), best first


class StoreError(Exception):
    """The store is missing, locked, unreachable, or was built with other settings."""


class StoreBusy(StoreError):
    """Another ingest is writing to the store now (what it published last stays searchable)."""


@dataclass(frozen=True)
class Retrieval:
    """What the searcher asks a backend for."""

    terms: list[str]  # analyzed query terms, for the lexical retriever
    weights: Mapping[str, float]  # terms that count less than 1 (translations of English words)
    vector: np.ndarray | None  # the query embedding, for the dense retriever
    phrases: tuple[str, ...]  # quoted phrases: a backend may narrow to passages that can hold them
    filters: Filters
    n: int  # candidates per retriever
    lexical: bool
    dense: bool


class Backend(Protocol):
    documents: Mapping[str, Document]
    lexicon: Lexicon
    term_space: TermSpace | None  # the vocabulary in the embedder's space, for translating English queries
    semantic_ready: bool  # every passage has its vectors (False while a words-first version's are being made)
    dense_available: bool  # some passages can be found by meaning (False: search by words only)

    @property
    def name(self) -> str:
        """Identifies the data being searched (a new one after every ingest)."""
        ...

    def __len__(self) -> int: ...

    def candidates(self, request: Retrieval) -> dict[str, Ranked] | None:
        """Ranked lists keyed "lexical" and/or "dense"; None when no passage passes the filters.

        With phrases, a list may hold more than `n` entries: the searcher keeps
        those that really hold the phrases and cuts to `n`.
        """
        ...

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """The passages with these ids, in the order given."""
        ...

    def passages_of(self, doc_id: str) -> list[Passage]: ...

    def all_passages(self) -> Iterator[Passage]: ...

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]: ...

    def window_vectors(self, ids: Sequence[int]) -> list[np.ndarray]:
        """For each passage id, its sentence windows' vectors (index/builder/represent.py), in text order."""
        ...

    def tags_of(self, passage_ids: Sequence[str]) -> list[PassageTags]:
        """Each passage's themes, measures and places (index/tags), in the order given."""
        ...

    def tag_values(self, kind: str) -> dict[str, int]:
        """Every value of a tag kind ("themes", "measures", "places") with its passage count, most first."""
        ...

    def place_parents(self) -> Mapping[str, str]:
        """Each tagged place's municipality, where it lies in one."""
        ...

    def close(self) -> None: ...
