"""Where an ingest run writes: a new files-store version, or the PostgreSQL database.

The pipeline decides what changed; a sink stores it. Both keep the promise that
nothing already stored is lost or half-written: the files sink builds a new
version privately and publishes it atomically; the postgres sink replaces each
document in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np

from index.store import Store, Version, VersionWriter
from ingest.records import Passage
from settings import Settings


class IndexBuilder(Protocol):
    """The files backend's index stage: fills a version being built from its passages."""

    def is_current(self, version: Version, settings: Settings) -> bool: ...

    def build(self, building, previous: Version | None, settings: Settings) -> dict[str, Any]: ...


class Sink(Protocol):
    def lock(self): ...

    def previous_records(self) -> dict[str, dict[str, Any]]:
        """Stored document records by file name (each with the parse_key it was made with)."""
        ...

    def keep(self, record: dict[str, Any], metadata_changed: bool) -> None: ...

    def put(self, record: dict[str, Any], text: str, passages: list[Passage]) -> None: ...

    def drop(self, record: dict[str, Any]) -> None: ...

    def up_to_date(self) -> bool:
        """Whether an unchanged corpus needs no new index (settings unchanged too)."""
        ...

    def finish(self, records: list[dict[str, Any]], manifest: dict[str, Any]) -> str: ...

    def abandon(self) -> None: ...

    def current_name(self) -> str | None:
        """What the searchers read now (a version name, or the database generation)."""
        ...


class FileSink:
    """A new version of the files store, published atomically at the end."""

    def __init__(self, settings: Settings, build_index: IndexBuilder | None):
        self.settings = settings
        self.store = Store(settings.store.dir)
        self.build_index = build_index
        self.previous: Version | None = None
        self.writer: VersionWriter | None = None

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self.store.lock():
            self.previous = self.store.current()
            self.writer = self.store.begin()
            yield

    def previous_records(self) -> dict[str, dict[str, Any]]:
        if self.previous is None:
            return {}
        key = self.previous.manifest().get("parse_key")
        return {doc["file"]: {"parse_key": key, **doc} for doc in self.previous.documents().values()}

    def keep(self, record: dict[str, Any], metadata_changed: bool) -> None:
        assert self.writer and self.previous
        self.writer.link_document(self.previous, record["doc_id"])

    def put(self, record: dict[str, Any], text: str, passages: list[Passage]) -> None:
        assert self.writer
        self.writer.write_document(record["doc_id"], text, passages)

    def drop(self, record: dict[str, Any]) -> None:
        """A removed document is simply not carried into the new version."""

    def up_to_date(self) -> bool:
        return self.previous is not None and (self.build_index is None or self.build_index.is_current(self.previous, self.settings))

    def finish(self, records: list[dict[str, Any]], manifest: dict[str, Any]) -> str:
        assert self.writer
        index_info = self.build_index.build(self.writer.path, self.previous, self.settings) if self.build_index else {}
        version = self.writer.finish(records, {**manifest, **index_info}, self.settings.store.keep_versions)
        return version.name

    def abandon(self) -> None:
        if self.writer is not None:
            self.writer.abandon()

    def current_name(self) -> str | None:
        return self.previous.name if self.previous else None


class PgSink:
    """The PostgreSQL database: each document replaced in its own transaction."""

    def __init__(self, settings: Settings):
        from index.embed import EmbeddingCache, PassageEncoder, embedder_name
        from index.pg_store import PgStore

        self.settings = settings
        self.db = PgStore(settings.store.postgres_dsn)
        self.cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
        self.encoder = PassageEncoder(settings.embedder)
        self.changed = False
        self.deferred = False  # a first load: the HNSW index is built once, at the end

    @contextmanager
    def lock(self) -> Iterator[None]:
        try:
            with self.db.lock():
                self.deferred = self.db.defer_vector_index()
                yield
        finally:
            self.encoder.close()
            self.cache.close()
            self.db.close()

    def previous_records(self) -> dict[str, dict[str, Any]]:
        from index.build import index_signature

        records = self.db.documents()
        built_with = (self.db.state("manifest") or {}).get("index", {}).get("embedder")
        if built_with and built_with != index_signature(self.settings)["embedder"]:
            return {file: {**record, "parse_key": "another embedder"} for file, record in records.items()}  # embed everything again
        return records

    def keep(self, record: dict[str, Any], metadata_changed: bool) -> None:
        if metadata_changed:
            self.db.update_metadata(record)
            self.changed = True

    def put(self, record: dict[str, Any], text: str, passages: list[Passage]) -> None:
        from index.build import embed_batch

        vectors = [embed_batch(passages[i : i + 256], self.cache, self.encoder)[0] for i in range(0, len(passages), 256)]
        self.db.put_document(record, passages, np.vstack(vectors))
        self.changed = True

    def drop(self, record: dict[str, Any]) -> None:
        self.db.delete_document(record["doc_id"])
        self.changed = True

    def up_to_date(self) -> bool:
        from index.build import index_signature

        manifest = self.db.state("manifest") or {}
        return (
            not self.changed
            and self.db.has_vector_index()
            and manifest.get("index", {}).get("embedder") == index_signature(self.settings)["embedder"]
        )

    def finish(self, records: list[dict[str, Any]], manifest: dict[str, Any]) -> str:
        from index.build import index_signature

        signature = index_signature(self.settings)
        info = {"index": {"embedder": signature["embedder"], "backend": "postgres", "passages": sum(r["passages"] for r in records)}}
        self.db.build_vector_index(self.settings.store.index_build_memory)
        return f"generation {self.db.publish({**manifest, **info})}"

    def abandon(self) -> None:
        """Every document written so far is complete; nothing to undo."""

    def current_name(self) -> str | None:
        return f"generation {self.db.generation()}"
