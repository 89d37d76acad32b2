"""Where an ingest run writes (ingest's `Sink`): a new files-store version, or the PostgreSQL database.

The pipeline decides what changed; a sink stores it. Both keep the promise that
nothing already stored is lost or half-written: the files sink builds a new
version privately and publishes it atomically; the postgres sink replaces each
document in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from index.backends.files.store import Store, Version, VersionWriter
from index.builder.embed import EmbeddingCache, PassageEncoder, embed_texts, embedder_name
from index.builder.indexer import INDEX_DIR, IndexBuild, theme_vectors
from index.builder.manifest import IndexInfo, Manifest, index_signature
from index.builder.represent import window_texts
from index.builder.termspace import build_term_space
from index.tags.tagger import tag_passages, theme_rule
from index.text.translate import english_words
from ingest.records import CorpusInfo, Document, Passage
from settings import Settings

EMBED_BATCH = 256


class FileSink:
    """A new version of the files store, published atomically at the end.

    Rows are written in file order: an unchanged document is copied from the
    previous version just before the next new one is written (or at the end),
    so a run that changes nothing copies nothing.
    """

    def __init__(self, settings: Settings, build_index: IndexBuild | None):
        self.settings = settings
        self.store = Store(settings.store.dir)
        self.build_index = build_index
        self.previous_version: Version | None = None
        self.writer: VersionWriter | None = None
        self.pending: list[str] = []  # unchanged documents not yet copied

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self.store.lock():
            self.previous_version = self.store.current()
            self.writer = self.store.begin()
            yield

    def previous(self) -> dict[str, Document]:
        version = self.previous_version
        if version is None or not version.is_current_format():
            return {}  # nothing stored, or stored by an older layout: parse everything again
        return {doc.file: doc for doc in version.documents().values()}

    def _copy_pending(self) -> None:
        assert self.writer and self.previous_version
        for doc_id in self.pending:
            self.writer.copy_document(self.previous_version, doc_id)
        self.pending = []

    def keep(self, document: Document, metadata_changed: bool) -> None:
        self.pending.append(document.doc_id)

    def put(self, document: Document, text: str, passages: list[Passage]) -> None:
        assert self.writer
        if self.pending:
            self._copy_pending()
        self.writer.write_document(document.doc_id, text, passages)

    def drop(self, document: Document) -> None:
        """A removed document is simply not carried into the new version."""

    def up_to_date(self) -> bool:
        previous = self.previous_version
        if previous is None or not previous.is_current_format():
            return False
        if self.build_index is None:
            return True
        built = previous.manifest().index
        complete = built is not None and (built.semantic_ready or not self.build_index.dense)
        return (previous.path / INDEX_DIR).is_dir() and complete and built.matches(self.settings)

    def finish(self, documents: list[Document], corpus: CorpusInfo) -> str:
        assert self.writer
        if self.pending:
            self._copy_pending()
        self.writer.close_table()
        places = sorted({place for d in documents for place in d.places})
        info = self.build_index.build(self.writer.path, self.settings, places) if self.build_index else None
        return self.writer.finish(documents, Manifest(corpus, info), self.settings.store.keep_versions).name

    def abandon(self) -> None:
        if self.writer is not None:
            self.writer.abandon()

    def stage_seconds(self) -> dict[str, float]:
        return dict(self.build_index.seconds) if self.build_index else {}

    def current_name(self) -> str | None:
        return self.previous_version.name if self.previous_version else None


class PgSink:
    """The PostgreSQL database: each document embedded, then replaced in its own transaction."""

    def __init__(self, settings: Settings):
        from index.backends.postgres.store import PgStore

        self.settings = settings
        self.db = PgStore(settings.store.postgres_dsn)
        self.cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder))
        self.encoder = PassageEncoder(settings.embedder)
        self.changed = False
        self.deferred = False  # a first load: the HNSW index is built once, at the end
        self.seconds = {"embed": 0.0, "index": 0.0, "tag": 0.0}

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

    def _vectors_current(self) -> bool:
        """Whether the stored vectors were made the way this program and config make them."""
        manifest = self.db.manifest()
        wanted = index_signature(self.settings)
        built = manifest.index if manifest else None
        return built is not None and (built.embedder, built.index_version) == (wanted["embedder"], wanted["index_version"])

    def previous(self) -> dict[str, Document]:
        documents = self.db.documents()
        if documents and not self._vectors_current():  # another embedder or window layout: embed everything again
            return {file: _stale(doc) for file, doc in documents.items()}
        return documents

    def keep(self, document: Document, metadata_changed: bool) -> None:
        if metadata_changed:
            self.db.update_metadata(document)
            self.changed = True

    def put(self, document: Document, text: str, passages: list[Passage]) -> None:
        windows = []
        for i in range(0, len(passages), EMBED_BATCH):
            texts = [window_texts(p) for p in passages[i : i + EMBED_BATCH]]
            started = time.monotonic()
            vectors, _ = embed_texts([t for passage in texts for t in passage], self.cache, self.encoder)
            self.seconds["embed"] += time.monotonic() - started
            bounds = np.cumsum([0, *(len(t) for t in texts)])
            windows += [vectors[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.db.put_document(document, passages, windows)
        self.changed = True

    def drop(self, document: Document) -> None:
        self.db.delete_document(document.doc_id)
        self.changed = True

    def up_to_date(self) -> bool:
        return not self.changed and self.db.has_vector_index() and self._vectors_current() and self._tags_current()

    def _tags_current(self) -> bool:
        """Whether the passages were tagged with this program's tagger and tag settings."""
        manifest = self.db.manifest()
        built = manifest.index if manifest else None
        return built is not None and dict(built.index).get("tags") == index_signature(self.settings)["index"]["tags"]

    def finish(self, documents: list[Document], corpus: CorpusInfo) -> str:
        signature = index_signature(self.settings)
        info = IndexInfo(**signature, passages=sum(d.passages for d in documents), backend="postgres")
        started = time.monotonic()
        self.db.build_vector_index(self.settings.store.index_build_memory)
        tagging = time.monotonic()
        self._tag(documents)
        self.seconds["tag"] += time.monotonic() - tagging
        surface, counts = self.db.lexicon_forms()
        self.db.put_term_space(build_term_space(self.settings, surface, counts, english_words()))
        self.seconds["index"] += time.monotonic() - started
        return f"generation {self.db.publish(Manifest(corpus, info))}"

    def _tag(self, documents: list[Document]) -> None:
        """Tag every passage (index/tags) now that all are written: measures recur across documents."""
        ids, passages, windows = self.db.passages_with_windows()
        places = sorted({place for d in documents for place in d.places})
        descriptions = theme_vectors(self.settings, embed=True)
        tags = tag_passages(passages, lambda row: windows[row] if len(windows[row]) else None, descriptions, theme_rule(self.settings.tags), places)
        self.db.put_tags(ids, tags)

    def abandon(self) -> None:
        """Every document written so far is complete; nothing to undo."""

    def stage_seconds(self) -> dict[str, float]:
        return dict(self.seconds)

    def current_name(self) -> str | None:
        return f"generation {self.db.generation()}"


def _stale(document: Document) -> Document:
    """A stored document marked as parsed with other settings, so the pipeline parses it again."""
    return replace(document, parse_key="another embedder")
