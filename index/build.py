"""The index stage of ingest: embeddings (cached), FAISS, BM25, into a version being built."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from index.dense import DenseIndex
from index.embed import EmbeddingCache, PassageEncoder, embedder_name, text_key
from index.lexical import LexicalIndex
from index.store import Version
from ingest.records import Passage
from settings import Settings

INDEX_DIR = "index"
ORDER_FILE = "doc_order.json"
CHUNK = 256  # passages embedded and cached per step, so an interrupted build keeps its work
# Bump when the analysis or index layout changes, so stores built before are rebuilt.
INDEX_VERSION = 2


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


def read_passages(folder: Path) -> tuple[list[str], list[Passage]]:
    """All passages of a version folder, documents in name order."""
    order = sorted(p.stem for p in (folder / "passages").glob("*.jsonl"))
    passages: list[Passage] = []
    for doc_id in order:
        with open(folder / "passages" / f"{doc_id}.jsonl", encoding="utf-8") as handle:
            passages.extend(Passage.from_dict(json.loads(line)) for line in handle if line.strip())
    return order, passages


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
        order, passages = read_passages(building)
        vectors, fresh = self.vectors(passages, settings)
        folder = building / INDEX_DIR
        ids = np.array([p.int_id for p in passages], dtype=np.int64)
        dense = DenseIndex.build(vectors, ids, settings.index, folder)
        LexicalIndex.build([lexical_text(p) for p in passages], folder / "lexical", settings.index.bm25_k1, settings.index.bm25_b)
        (folder / ORDER_FILE).write_text(json.dumps(order), encoding="utf-8")
        return {
            "index": {
                **index_signature(settings),
                "dim": int(vectors.shape[1]) if len(vectors) else 0,
                "dense": dense.kind,
                "passages": len(passages),
                "embedded_now": fresh,
                "libraries": {"faiss": faiss.__version__, "bm25s": bm25s.__version__},
            }
        }

    def vectors(self, passages: list[Passage], settings: Settings) -> tuple[np.ndarray, int]:
        """Embeddings for all passages; only texts not in the cache are embedded."""
        cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
        texts = [embedding_text(p) for p in passages]
        keys = [text_key(t) for t in texts]
        unique: dict[bytes, int] = {}
        for i, key in enumerate(keys):
            if cache.get(key) is None:
                unique.setdefault(key, i)  # the same text twice is embedded once
        todo = list(unique.values())
        with self._progress(len(todo)) as advance, PassageEncoder(settings.embedder) as encoder:
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start : start + CHUNK]
                fresh = encoder.encode([texts[i] for i in chunk], advance)
                cache.put([keys[i] for i in chunk], fresh)
        if not passages:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.vstack([cache.get(key) for key in keys]).astype(np.float32), len(todo)

    def _progress(self, total: int):
        console = self.console
        if console is None or total == 0:
            return _NoProgress()
        return _Bar(console, total)


class _NoProgress:
    def __enter__(self):
        return lambda n: None

    def __exit__(self, *exc) -> None:
        return None


class _Bar:
    def __init__(self, console: Console, total: int):
        self.progress = Progress(
            TextColumn("embedding passages"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True
        )
        self.task = self.progress.add_task("embed", total=total)

    def __enter__(self):
        self.progress.start()
        return lambda n: self.progress.advance(self.task, n)

    def __exit__(self, *exc) -> None:
        self.progress.stop()
