"""The files backend's index: a version's passage table -> window embeddings (cached), FAISS, BM25.

The build streams: passages are read from the table in row order in batches,
analyzed for BM25 (spooled to disk), cut into sentence windows whose embeddings
(from the cache, or made now) are appended to the vector file. Memory stays
bounded by the batch size, not the corpus. Progress is reported through a callback, so the CLI can draw a bar and
the app's background job can record it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s
import faiss
import numpy as np

from index.builder.dense import VECTORS_FILE, build_dense_index, open_vectors
from index.builder.embed import EmbeddingCache, PassageEncoder, cached_vectors, embed_texts, embedder_name
from index.builder.lexical import LexicalBuilder
from index.builder.manifest import LEXICAL_ONLY, IndexInfo, index_signature
from index.builder.represent import lexical_text, window_texts
from index.builder.table import PassageTable
from index.builder.termspace import build_term_space
from index.builder.termspace import save as save_space
from index.builder.windows import WindowMap
from index.tags.tagger import tag_passages, theme_rule
from index.tags.taxonomy import themes
from index.text.translate import english_words
from settings import Settings

INDEX_DIR = "index"
BATCH = 64  # passages per step; an interrupted build keeps the embeddings of finished steps
Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class IndexBuild:
    """Fills `<version>/index/` from `<version>`'s passage table: BM25, the sentence windows'
    embeddings, FAISS and the English term space.

    With `dense` False (words first) nothing is embedded: a passage whose window vectors are all
    in the cache keeps them, the others are searchable by words only until a plain build; with
    no cached vectors at all the version has no dense index (`LEXICAL_ONLY`)."""

    def __init__(self, on_progress: Progress | None = None, dense: bool = True):
        self.on_progress = on_progress or _no_progress
        self.dense = dense
        self.seconds: dict[str, float] = {}  # where the last build's time went: "embed", "index"

    def build(self, version: Path, settings: Settings, places: Sequence[str] = ()) -> IndexInfo:
        """`places`: the catalog's places of the documents, which the tagger finds beside its gazetteer."""
        folder = version / INDEX_DIR
        folder.mkdir(parents=True, exist_ok=True)
        table = PassageTable(version)
        lexical = LexicalBuilder(folder / "lexical", settings.index.bm25_k1, settings.index.bm25_b)
        started = time.monotonic()
        if self.dense:
            offsets, embedded, dim = self._embed(table, lexical, folder, settings)
            unembedded = 0
        else:
            offsets, dim, unembedded = self._cached(table, lexical, folder, settings)
            embedded = 0
        embedding = time.monotonic() - started
        lexical.finish()
        if offsets[-1] == 0:  # nothing to search by meaning yet
            tag_version(table, folder, offsets, 0, settings, places, embed=False)
            self.seconds = {"index": time.monotonic() - started}
            info = IndexInfo(**index_signature(settings), passages=len(table), dense=LEXICAL_ONLY, unembedded=len(table))
            return dataclasses.replace(info, libraries={"bm25s": bm25s.__version__})
        self.on_progress("translating", 0, len(lexical.surface))
        translating = time.monotonic()
        space = build_term_space(settings, lexical.surface, lexical.term_counts, english_words(), cached_only=not self.dense)
        embedding += time.monotonic() - translating
        save_space(space, folder / "lexical")
        WindowMap(np.array(offsets)).save(folder)
        kind = build_dense_index(open_vectors(folder, offsets[-1], dim), settings.index, folder)
        tagging = time.monotonic()
        tag_version(table, folder, offsets, dim, settings, places, embed=self.dense)
        self.seconds = {"embed": embedding, "tag": time.monotonic() - tagging, "index": tagging - started - embedding}
        return IndexInfo(
            **index_signature(settings),
            passages=len(table),
            windows=offsets[-1],
            dim=dim,
            dense=kind,
            embedded_now=embedded,
            libraries={"faiss": faiss.__version__, "bm25s": bm25s.__version__},
            unembedded=unembedded,
        )

    def _cached(self, table: PassageTable, lexical: LexicalBuilder, folder: Path, settings: Settings) -> tuple[list[int], int, int]:
        """BM25 input, and the window vectors the cache already holds: a passage gets its windows
        only when all of them are cached. The window offsets, the dimension, passages left out."""
        offsets, dim, missing = [0], 0, 0
        cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
        try:
            with open(folder / VECTORS_FILE, "wb") as out:
                for batch in table.batches(BATCH):
                    lexical.add([lexical_text(p) for p in batch])
                    texts = [window_texts(p) for p in batch]
                    found = iter(cached_vectors([t for passage in texts for t in passage], cache))  # one lookup a batch
                    for count in (len(t) for t in texts):
                        vectors = [next(found) for _ in range(count)]
                        if vectors and all(v is not None for v in vectors):
                            out.write(np.ascontiguousarray(np.vstack(vectors), dtype=np.float32).tobytes())
                            offsets.append(offsets[-1] + count)
                            dim = len(vectors[0])
                        else:
                            offsets.append(offsets[-1])
                            missing += 1
        finally:
            cache.close()
        return offsets, dim, missing

    def _embed(self, table: PassageTable, lexical: LexicalBuilder, folder: Path, settings: Settings) -> tuple[list[int], int, int]:
        """BM25 input and the windows' vectors, batch by batch; the window offsets, how many were
        embedded now (not cached), and the dimension."""
        total = len(table)
        offsets, embedded, dim = [0], 0, 0
        with open(folder / VECTORS_FILE, "wb") as out, PassageEncoder(settings.embedder) as encoder:
            cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
            try:
                self.on_progress("embedding", 0, total)
                for batch in table.batches(BATCH):
                    lexical.add([lexical_text(p) for p in batch])
                    texts = [window_texts(p) for p in batch]
                    found, fresh = embed_texts([t for passage in texts for t in passage], cache, encoder)
                    out.write(np.ascontiguousarray(found, dtype=np.float32).tobytes())
                    base = offsets[-1]
                    offsets.extend(base + int(c) for c in np.cumsum([len(t) for t in texts]))
                    embedded, dim = embedded + fresh, found.shape[1]
                    self.on_progress("embedding", len(offsets) - 1, total)
            finally:
                cache.close()
        return offsets, embedded, dim


def tag_version(table: PassageTable, folder: Path, offsets: list[int], dim: int, settings: Settings, places: Sequence[str], embed: bool) -> None:
    """Tag every passage of the version (index/tags) and store the tags beside the index."""
    vectors = open_vectors(folder, offsets[-1], dim)
    descriptions = theme_vectors(settings, embed) if offsets[-1] else None
    passages = list(table)

    def windows(row: int) -> np.ndarray | None:
        return np.asarray(vectors[offsets[row] : offsets[row + 1]]) if offsets[row + 1] > offsets[row] else None

    tag_passages(passages, windows, descriptions, theme_rule(settings.tags), places).save(folder)


def theme_vectors(settings: Settings, embed: bool) -> np.ndarray | None:
    """The themes' descriptions embedded as passages (cached); None when they are not cached and
    `embed` is False (words first: the cues decide until the embeddings exist)."""
    texts = [theme.description for theme in themes()]
    cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
    try:
        found = cached_vectors(texts, cache)
        if all(v is not None for v in found):
            return np.vstack(found).astype(np.float32)
        if not embed:
            return None
        with PassageEncoder(settings.embedder) as encoder:
            vectors, _ = embed_texts(texts, cache, encoder)
        return np.asarray(vectors, dtype=np.float32)
    finally:
        cache.close()
