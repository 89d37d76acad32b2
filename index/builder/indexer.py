"""The files backend's index: a version's passage table -> embeddings (cached), FAISS, BM25.

The build streams: passages are read from the table in row order in batches,
analyzed for BM25 (spooled to disk) and embedded (or taken from the cache) into
a memory-mapped vector file. Memory stays bounded by the batch size, not the
corpus. Progress is reported through a callback, so the CLI can draw a bar and
the app's background job can record it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import bm25s
import faiss
import numpy as np

from index.builder.dense import VECTORS_FILE, build_dense_index
from index.builder.embed import EmbeddingCache, PassageEncoder, embed_texts, embedder_name
from index.builder.lexical import LexicalBuilder
from index.builder.manifest import IndexInfo, index_signature
from index.builder.represent import embedding_text, lexical_text
from index.builder.table import PassageTable
from settings import Settings

INDEX_DIR = "index"
BATCH = 256  # passages per step; an interrupted build keeps the embeddings of finished steps
Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class IndexBuild:
    """Fills `<version>/index/` from `<version>`'s passage table."""

    def __init__(self, on_progress: Progress | None = None):
        self.on_progress = on_progress or _no_progress

    def build(self, version: Path, settings: Settings) -> IndexInfo:
        folder = version / INDEX_DIR
        folder.mkdir(parents=True, exist_ok=True)
        table = PassageTable(version)
        total = len(table)
        lexical = LexicalBuilder(folder / "lexical", settings.index.bm25_k1, settings.index.bm25_b)
        cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
        vectors, row, embedded = None, 0, 0
        try:
            with PassageEncoder(settings.embedder) as encoder:
                self.on_progress("embedding", 0, total)
                for batch in table.batches(BATCH):
                    lexical.add([lexical_text(p) for p in batch])
                    found, fresh = embed_texts([embedding_text(p) for p in batch], cache, encoder)
                    if vectors is None:
                        vectors = np.lib.format.open_memmap(folder / VECTORS_FILE, mode="w+", dtype=np.float32, shape=(total, found.shape[1]))
                    vectors[row : row + len(batch)] = found
                    row, embedded = row + len(batch), embedded + fresh
                    self.on_progress("embedding", row, total)
        finally:
            cache.close()
        lexical.finish()
        if vectors is None:
            vectors = np.lib.format.open_memmap(folder / VECTORS_FILE, mode="w+", dtype=np.float32, shape=(0, 0))
        vectors.flush()
        kind = build_dense_index(vectors, settings.index, folder)
        return IndexInfo(
            **index_signature(settings),
            passages=total,
            dim=int(vectors.shape[1]),
            dense=kind,
            embedded_now=embedded,
            libraries={"faiss": faiss.__version__, "bm25s": bm25s.__version__},
        )
