"""Corpus folder -> documents and passages handed to a sink, redoing only what changed.

A document whose bytes (and the parse settings) are unchanged is kept from the
previous run; a changed one is parsed again; a removed one is dropped. A file
that fails is reported and, if an earlier good version of it was stored, that
version is kept, so a damaged upload never erases stored knowledge.

The pipeline knows nothing of indexes: a `Sink` stores what it decides (the
files store or PostgreSQL, see kb/sinks.py), and promises that nothing already
stored is lost or half-written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import pymupdf

from ingest.catalog import CatalogEntry, from_catalog, guessed, load_catalog, slug
from ingest.isolate import ParseWorker
from ingest.parse import PARSER_VERSION
from ingest.records import CorpusInfo, Document, IngestError, ParsedDocument, Passage
from settings import CorpusSettings, Settings

Status = Literal["new", "changed", "unchanged", "failed", "removed"]
OnFile = Callable[[Path, int, int], None]  # (file, its number, how many files)


class Sink(Protocol):
    """Where an ingest run stores documents and passages."""

    def lock(self) -> AbstractContextManager[None]:
        """Held for the whole run: one writer at a time."""
        ...

    def previous(self) -> dict[str, Document]:
        """The stored documents by file name."""
        ...

    def keep(self, document: Document, metadata_changed: bool) -> None: ...

    def put(self, document: Document, text: str, passages: list[Passage]) -> None: ...

    def drop(self, document: Document) -> None: ...

    def up_to_date(self) -> bool:
        """Whether an unchanged corpus needs nothing new (its index settings unchanged too)."""
        ...

    def finish(self, documents: list[Document], corpus: CorpusInfo) -> str:
        """Publish what was stored; return the name of what searchers now read."""
        ...

    def abandon(self) -> None: ...

    def stage_seconds(self) -> dict[str, float]:
        """Where the sink's time went ("embed", "index"), for the ingest summary."""
        ...

    def current_name(self) -> str | None:
        """What the searchers read now (a version name, or the database generation)."""
        ...


@dataclass
class Outcome:
    file: str
    doc_id: str | None
    status: Status
    pages: int = 0
    passages: int = 0
    message: str = ""
    metadata_source: str = "catalog"
    warnings: list[str] = field(default_factory=list)
    parse_seconds: float = 0.0  # parsing and splitting, OCR included
    ocr_seconds: float = 0.0
    ocr_pages: int = 0
    code: str = ""  # a failure's reason as a code and values (IngestError), for the app's languages
    values: dict[str, Any] = field(default_factory=dict)
    kept_previous: bool = False  # failed, and the version stored before stays searchable


@dataclass
class IngestReport:
    outcomes: list[Outcome]
    version: str | None
    published: bool
    stage_seconds: dict[str, float] = field(default_factory=dict)  # the sink's stages: "embed", "index"

    def count(self, *statuses: Status) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def corpus_files(corpus: CorpusSettings) -> list[Path]:
    """Document files in the corpus folder (not the catalog, not hidden files)."""
    if not corpus.dir.is_dir():
        raise IngestError(str(corpus.dir), "the corpus folder does not exist")
    return sorted(p for p in corpus.dir.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in corpus.extensions)


def parse_key(settings: Settings) -> str:
    """What the stored passages depend on besides the file bytes."""
    relevant = settings.ingest.model_dump(exclude={"timeout_s": True, "max_pages": True, "max_file_mb": True, "ocr": {"workers"}})
    return hashlib.sha256(json.dumps([PARSER_VERSION, relevant], sort_keys=True).encode()).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _normalized(document: Document) -> Document:
    """The document as it reads back from storage (JSON), so comparisons see real changes only."""
    return Document.from_dict(json.loads(json.dumps(document.to_dict())))


class Ingest:
    """One ingest run over the corpus folder."""

    def __init__(self, settings: Settings, sink: Sink, parser: ParseWorker):
        self.settings = settings
        self.sink = sink
        self.parser = parser
        self.key = parse_key(settings)
        self.stored = sink.previous()
        self.old = {file: doc for file, doc in self.stored.items() if doc.parse_key == self.key}
        self.catalog: dict[str, CatalogEntry] = load_catalog(settings.corpus.catalog_path)
        self.used_ids: set[str] = {entry.id for entry in self.catalog.values()}
        self.documents: list[Document] = []
        self.outcomes: list[Outcome] = []

    def doc_id_for(self, file: str) -> str:
        if file in self.catalog:
            return self.catalog[file].id
        if file in self.old:
            return self.old[file].doc_id
        base = candidate = slug(Path(file).stem)
        number = 2
        while candidate in self.used_ids:
            candidate, number = f"{base}-{number}", number + 1
        self.used_ids.add(candidate)
        return candidate

    def is_unchanged(self, path: Path, old: Document | None) -> tuple[bool, str | None]:
        if old is None:
            return False, None
        stat = path.stat()
        if stat.st_size == old.size and stat.st_mtime_ns == old.mtime_ns:
            return True, old.sha256
        sha = file_sha256(path)
        return sha == old.sha256, sha

    def ingest_file(self, path: Path) -> None:
        old = self.old.get(path.name)
        unchanged, sha = self.is_unchanged(path, old)
        if old and path.name in self.catalog and self.catalog[path.name].id != old.doc_id:
            unchanged = False  # a catalog entry gave the file a new id: its passages' ids change too
        if unchanged and old:
            self.keep_unchanged(path, old)
            return
        try:
            self.parse_into(path, sha, "changed" if path.name in self.stored else "new")
        except IngestError as exc:
            self.keep_previous(path, old, exc)

    def keep_unchanged(self, path: Path, old: Document) -> None:
        meta = _normalized(self.metadata(path.name, old.doc_id, old.found_metadata))
        document = old.with_metadata(meta)
        changed = document.bibliographic() != old.bibliographic()
        self.sink.keep(document, changed)
        self.documents.append(document)
        status: Status = "changed" if changed else "unchanged"
        message = "metadata updated" if changed else ""
        self.outcomes.append(Outcome(path.name, old.doc_id, status, old.pages, old.passages, message, document.metadata_source))

    def parse_into(self, path: Path, sha: str | None, status: Status) -> None:
        data = path.read_bytes()
        doc_id = self.doc_id_for(path.name)
        entry = self.catalog.get(path.name)
        language = (entry.language if entry else None) or "nb"
        started = time.monotonic()
        parsed, passages = self.parser.parse(path.name, data, entry.password if entry else None, doc_id, language)
        seconds = time.monotonic() - started
        if not passages:
            raise IngestError(path.name, "no text to index after parsing", "no_passages")
        document = self.found(path, data, sha, parsed, passages)
        self.sink.put(document, parsed.text, passages)
        self.documents.append(document)
        self.outcomes.append(
            Outcome(
                path.name, doc_id, status, parsed.page_count, len(passages), "", document.metadata_source, list(parsed.warnings),
                seconds, parsed.ocr_seconds, parsed.ocr_pages,
            )
        )

    def found(self, path: Path, data: bytes, sha: str | None, parsed: ParsedDocument, passages: list[Passage]) -> Document:
        """The document record for a freshly parsed file."""
        stat = path.stat()
        meta = self.metadata(path.name, passages[0].doc_id, parsed.found_metadata)
        return dataclasses.replace(
            meta,
            sha256=sha or hashlib.sha256(data).hexdigest(),
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            pages=parsed.page_count,
            page_labels={str(p.number): p.label for p in parsed.pages if p.label},
            passages=len(passages),
            words=sum(len(p.text.split()) for p in passages if not p.is_note),
            ingested_at=_now(),
            warnings=tuple(parsed.warnings),
            found_metadata=dict(parsed.found_metadata),
            parse_key=self.key,
            ocr_pages=parsed.ocr_pages,
        )

    def keep_previous(self, path: Path, old: Document | None, error: IngestError) -> None:
        reason = error.reason
        if old:
            self.sink.keep(old, False)
            self.documents.append(old)
            reason += "; the previously ingested version is kept"
        kept = old is not None
        self.outcomes.append(Outcome(path.name, old.doc_id if old else None, "failed", message=reason, code=error.code, values=error.values, kept_previous=kept))

    def metadata(self, file: str, doc_id: str, found: Any) -> Document:
        entry = self.catalog.get(file)
        return from_catalog(entry) if entry else guessed(file, doc_id, found or {})

    def removed(self, present: set[str]) -> None:
        for file, old in self.stored.items():
            if file not in present:
                self.sink.drop(old)
                self.outcomes.append(Outcome(file, old.doc_id, "removed"))

    def corpus_info(self) -> CorpusInfo:
        corpus_hash = hashlib.sha256(json.dumps(sorted((d.file, d.sha256) for d in self.documents)).encode()).hexdigest()[:16]
        return CorpusInfo(
            created=_now(),
            parse_key=self.key,
            parser_version=PARSER_VERSION,
            ingest=self.settings.ingest.model_dump(),
            corpus_hash=corpus_hash,
            libraries={"python": platform.python_version(), "pymupdf": pymupdf.VersionBind},
            documents=len(self.documents),
            passages=sum(d.passages for d in self.documents),
            pages=sum(d.pages for d in self.documents),
        )

    @property
    def changed(self) -> bool:
        return any(o.status in ("new", "changed", "removed") for o in self.outcomes)


def run_ingest(settings: Settings, sink: Sink, on_file: OnFile | None = None) -> IngestReport:
    """Ingest the corpus folder into `sink` (or report it up to date)."""
    with sink.lock(), ParseWorker(settings.ingest) as parser:
        try:
            run = Ingest(settings, sink, parser)
            files = corpus_files(settings.corpus)
            for number, path in enumerate(files, start=1):
                if on_file:
                    on_file(path, number, len(files))
                run.ingest_file(path)
            run.removed({p.name for p in files})
            if not run.changed and sink.up_to_date():
                sink.abandon()
                return IngestReport(run.outcomes, sink.current_name(), published=False)
            name = sink.finish(run.documents, run.corpus_info())
        except BaseException:
            sink.abandon()
            raise
    return IngestReport(run.outcomes, name, published=True, stage_seconds=sink.stage_seconds())
