"""The files backend: one published store version, with BM25 (bm25s) and FAISS."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import BinaryIO

import numpy as np

from index.backends.base import Ranked, Retrieval
from index.backends.files.bm25 import LexicalIndex, top_rows
from index.backends.files.dense import DenseIndex
from index.backends.files.store import Store, StoreError, Version
from index.builder.indexer import INDEX_DIR
from index.builder.manifest import index_signature
from index.builder.table import LANGUAGES, PassageTable
from index.builder.termspace import load as load_space
from index.builder.windows import PER_PASSAGE, WindowMap
from index.query import Filters
from index.tags.tagger import PassageTags, TagTable
from ingest.records import Passage
from settings import Settings

PHRASE_POOL = 2000  # lexical candidates read to find enough passages with a quoted phrase


class FilesBackend:
    """Loads one published version once and answers candidate requests from it."""

    def __init__(self, settings: Settings, version: Version | None = None):
        self.version, self._hold = open_version(settings, version)
        self._check_manifest(settings)
        folder = self.version.path / INDEX_DIR
        self.documents = self.version.documents()
        self.table = PassageTable(self.version.path)
        built = self.version.manifest().index
        self.semantic_ready = built is not None and built.semantic_ready
        self.dense_available = built is not None and built.dense_available
        self.dense = DenseIndex.load(folder, settings.index) if self.dense_available else None
        self.windows = WindowMap.load(folder) if self.dense_available else None
        self.lexicon = LexicalIndex.load(folder / "lexical")
        self.term_space = load_space(folder / "lexical")
        self.tags = TagTable.load(folder)
        self._columns()

    def _check_manifest(self, settings: Settings) -> None:
        built = self.version.manifest().index
        if built is None or not (self.version.path / INDEX_DIR).is_dir():
            raise StoreError(f"{self.version.path}: this version has no index; run `python -m ingest`")
        wanted = index_signature(settings)["embedder"]
        if built.embedder != wanted:
            raise StoreError(
                f"{self.version.path}: the index was built with embedder '{built.embedder}', "
                f"but the config asks for '{wanted}'; run `python -m ingest` to rebuild it"
            )

    def _columns(self) -> None:
        """Per-document values, and per-row arrays that point at them, for fast filtering."""
        docs = [self.documents.get(doc_id) for doc_id in self.table.doc_ids]
        self._doc_year = np.array([(d.year if d else None) or 0 for d in docs], dtype=np.int32)
        self._doc_type = np.array([((d.doc_type if d else None) or "").casefold() for d in docs], dtype=object)
        self._doc_code = {doc_id: code for code, doc_id in enumerate(self.table.doc_ids)}

    @property
    def name(self) -> str:
        return str(self.version.path)

    def __len__(self) -> int:
        return len(self.table)

    def close(self) -> None:
        self._hold.close()

    # -- passages ------------------------------------------------------------------
    def passages(self, ids: Sequence[int]) -> list[Passage]:
        return self.table.get(ids)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self.table.document(doc_id)

    def all_passages(self) -> Iterator[Passage]:
        return iter(self.table)

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        return self.table.by_id(passage.prev_id), self.table.by_id(passage.next_id)

    def window_vectors(self, ids: Sequence[int]) -> list[np.ndarray]:
        if self.dense is None or self.windows is None:
            return [np.zeros((0, 0), dtype=np.float32) for _ in ids]
        offsets = self.windows.offsets
        return [np.asarray(self.dense.vectors[offsets[i] : offsets[i + 1]]) for i in ids]

    # -- tags ----------------------------------------------------------------------
    def tags_of(self, passage_ids: Sequence[str]) -> list[PassageTags]:
        rows = self.table.rows_of(passage_ids)  # one query for a page of hits
        return [self.tags.get(rows[pid]) if pid in rows else PassageTags() for pid in passage_ids]

    def tag_values(self, kind: str) -> dict[str, int]:
        return self.tags.values(kind)

    def place_parents(self) -> Mapping[str, str]:
        return self.tags.parents

    # -- retrieval -----------------------------------------------------------------
    def allowed_rows(self, filters: Filters) -> np.ndarray | None:
        if filters.is_empty():
            return None
        docs = np.ones(len(self.table.doc_ids), dtype=bool)  # which documents pass
        if filters.doc_ids:
            docs &= np.isin(np.arange(len(docs)), [self._doc_code[d] for d in filters.doc_ids if d in self._doc_code])
        if filters.exclude_doc_ids:
            docs &= ~np.isin(np.arange(len(docs)), [self._doc_code[d] for d in filters.exclude_doc_ids if d in self._doc_code])
        if filters.types:
            docs &= np.isin(self._doc_type, [t.casefold() for t in filters.types])
        if filters.year_from is not None:
            docs &= self._doc_year >= filters.year_from
        if filters.year_to is not None:
            docs &= (self._doc_year <= filters.year_to) & (self._doc_year > 0)
        mask = docs[self.table.doc_codes]
        if filters.languages:
            codes = [LANGUAGES.index(x) for x in filters.languages if x in LANGUAGES]
            mask &= np.isin(self.table.languages, codes)
        for kind in ("themes", "measures", "places"):
            if wanted := getattr(filters, kind):
                tagged = np.zeros(len(mask), dtype=bool)
                tagged[self.tags.rows_with(kind, wanted)] = True
                mask &= tagged
        return np.flatnonzero(mask)

    def candidates(self, request: Retrieval) -> dict[str, Ranked] | None:
        allowed = self.allowed_rows(request.filters)
        if allowed is not None and allowed.size == 0:
            return None
        lists: dict[str, Ranked] = {}
        if request.lexical:
            mask = None
            if allowed is not None:
                mask = np.zeros(len(self.table), dtype=np.float32)
                mask[allowed] = 1
            pool = max(request.n, PHRASE_POOL) if request.phrases else request.n
            lists["lexical"] = top_rows(self.lexicon.scores(request.terms, mask, request.weights), pool)
        if request.dense and request.vector is not None and self.dense is not None:
            pool = max(request.n * 10, 200) if request.phrases else request.n
            lists["dense"] = self.dense_ranking(request.vector, pool, allowed)
        return lists

    def dense_ranking(self, vector: np.ndarray, n: int, allowed: np.ndarray | None) -> Ranked:
        """Passages by their best sentence window."""
        assert self.dense is not None and self.windows is not None
        windows = None if allowed is None else self.windows.of_rows(allowed)
        found = self.dense.search(vector, n * PER_PASSAGE, windows)
        return self.windows.best_per_passage(found, n)


def open_version(settings: Settings, version: Version | None) -> tuple[Version, BinaryIO]:
    """The version to read, held so that it is not pruned while its backend lives.

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
