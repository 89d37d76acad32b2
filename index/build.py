"""The index stage of ingest: passages -> table, embeddings (cached), FAISS, BM25.

The build streams: passages are read document by document in batches, written
to the passage table, analyzed for BM25 (spooled to disk) and embedded (or taken
from the cache) into a memory-mapped vector file. Memory stays bounded by the
batch size, not the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from index.dense import VECTORS_FILE, DenseIndex
from index.embed import EmbeddingCache, PassageEncoder, embedder_name, text_key
from index.lexical_build import LexicalBuilder
from index.store import Version
from index.table import TableWriter
from ingest.records import Passage
from settings import Settings

INDEX_DIR = "index"
ORDER_FILE = "doc_order.json"
BATCH = 256  # passages per step; an interrupted build keeps the embeddings of finished steps
# Bump when the analysis or index layout changes, so stores built before are rebuilt.
INDEX_VERSION = 3


def embedding_text(passage: Passage) -> str:
    """What the embedder sees: the section path gives a passage its context."""
    section = " / ".join(passage.section)
    if section and not passage.text.startswith(passage.section[-1]):
        return f"{section}\n{passage.text}"
    return passage.text


def lexical_text(passage: Passage) -> str:
    """What BM25 indexes: the section path too, so "tiltak i Oslo Sør" finds the
    passages under "3.2 Oslo Sørsatsinga / Eksempel på tiltak"."""
    return " ".join(passage.section) + "\n" + passage.text


def document_order(folder: Path) -> list[str]:
    return sorted(p.stem for p in (folder / "passages").glob("*.jsonl"))


def stream_passages(folder: Path, order: list[str], size: int = BATCH) -> Iterator[list[Passage]]:
    """All passages of a version folder in row order, `size` at a time."""
    batch: list[Passage] = []
    for doc_id in order:
        with open(folder / "passages" / f"{doc_id}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    batch.append(Passage.from_dict(json.loads(line)))
                    if len(batch) == size:
                        yield batch
                        batch = []
    if batch:
        yield batch


def count_passages(folder: Path, order: list[str]) -> int:
    total = 0
    for doc_id in order:
        with open(folder / "passages" / f"{doc_id}.jsonl", "rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def index_signature(settings: Settings) -> dict[str, Any]:
    return {"embedder": embedder_name(settings.embedder), "index": settings.index.model_dump(), "index_version": INDEX_VERSION}


class IndexBuild:
    """Implements ingest's IndexBuilder: fills `<version>/index/`."""

    def __init__(self, console: Console | None = None):
        self.console = console

    def is_current(self, version: Version, settings: Settings) -> bool:
        built = version.manifest().get("index", {})
        wanted = index_signature(settings)
        return (version.path / INDEX_DIR).is_dir() and all(built.get(k) == v for k, v in wanted.items())

    def build(self, building: Path, previous: Version | None, settings: Settings) -> dict[str, Any]:
        folder = building / INDEX_DIR
        folder.mkdir(parents=True, exist_ok=True)
        order = document_order(building)
        total = count_passages(building, order)
        table = TableWriter(folder)
        lexical = LexicalBuilder(folder / "lexical", settings.index.bm25_k1, settings.index.bm25_b)
        cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
        vectors, row, embedded = None, 0, 0
        try:
            with self._progress(total) as advance, PassageEncoder(settings.embedder) as encoder:
                for batch in stream_passages(building, order):
                    table.add(batch)
                    lexical.add([lexical_text(p) for p in batch])
                    found, fresh = embed_batch(batch, cache, encoder)
                    if vectors is None:
                        vectors = np.lib.format.open_memmap(
                            folder / VECTORS_FILE, mode="w+", dtype=np.float32, shape=(total, found.shape[1])
                        )
                    vectors[row : row + len(batch)] = found
                    row, embedded = row + len(batch), embedded + fresh
                    advance(len(batch))
        finally:
            cache.close()
        table.finish(folder)
        lexical.finish()
        if vectors is None:
            vectors = np.lib.format.open_memmap(folder / VECTORS_FILE, mode="w+", dtype=np.float32, shape=(0, 0))
        vectors.flush()
        dense = DenseIndex.build(vectors, settings.index, folder)
        (folder / ORDER_FILE).write_text(json.dumps(order), encoding="utf-8")
        return {
            "index": {
                **index_signature(settings),
                "dim": int(vectors.shape[1]),
                "dense": dense.kind,
                "passages": total,
                "embedded_now": embedded,
                "libraries": {"faiss": faiss.__version__, "bm25s": bm25s.__version__},
            }
        }

    def _progress(self, total: int):
        if self.console is None or total == 0:
            return _NoProgress()
        return _Bar(self.console, total)


def embed_batch(batch: list[Passage], cache: EmbeddingCache, encoder: PassageEncoder) -> tuple[np.ndarray, int]:
    """Vectors for a batch of passages; only texts missing from the cache are embedded."""
    texts = [embedding_text(p) for p in batch]
    keys = [text_key(t) for t in texts]
    found = cache.get_many(keys)
    missing = list({key: i for i, key in enumerate(keys) if key not in found}.items())  # one per distinct text
    if missing:
        fresh = encoder.encode([texts[i] for _, i in missing])
        cache.put([key for key, _ in missing], fresh)
        found.update((key, vector) for (key, _), vector in zip(missing, fresh, strict=True))
    return np.vstack([found[key] for key in keys]).astype(np.float32), len(missing)


class _NoProgress:
    def __enter__(self):
        return lambda n: None

    def __exit__(self, *exc) -> None:
        return None


class _Bar:
    def __init__(self, console: Console, total: int):
        self.progress = Progress(
            TextColumn("indexing passages"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True
        )
        self.task = self.progress.add_task("index", total=total)

    def __enter__(self):
        self.progress.start()
        return lambda n: self.progress.advance(self.task, n)

    def __exit__(self, *exc) -> None:
        self.progress.stop()
