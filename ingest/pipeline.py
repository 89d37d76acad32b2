"""Corpus folder -> a new published store version, redoing only what changed.

A document whose bytes (and the parse settings) are unchanged is linked from
the previous version; a changed one is parsed again; a removed one is left out.
A file that fails is reported and, if an earlier good version of it was stored,
that version is kept, so a damaged upload never erases stored knowledge.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pymupdf

from ingest.catalog import CatalogEntry, from_catalog, guessed, load_catalog, slug
from ingest.isolate import ParseWorker
from ingest.parse import PARSER_VERSION
from ingest.records import DocumentMeta, IngestError
from ingest.sinks import FileSink, IndexBuilder, Sink
from settings import CorpusSettings, Settings

Status = Literal["new", "changed", "unchanged", "failed", "removed"]


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


@dataclass
class IngestReport:
    outcomes: list[Outcome]
    version: str | None
    published: bool

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
    relevant = settings.ingest.model_dump(exclude={"timeout_s", "max_pages", "max_file_mb"})
    return hashlib.sha256(json.dumps([PARSER_VERSION, relevant], sort_keys=True).encode()).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Ingest:
    """One ingest run over the corpus folder."""

    def __init__(self, settings: Settings, sink: Sink, parser: ParseWorker):
        self.settings = settings
        self.sink = sink
        self.parser = parser
        self.stored = sink.previous_records()
        key = parse_key(settings)
        self.old = {file: doc for file, doc in self.stored.items() if doc.get("parse_key") == key}
        self.catalog: dict[str, CatalogEntry] = load_catalog(settings.corpus.catalog_path)
        self.used_ids: set[str] = {entry.id for entry in self.catalog.values()}
        self.records: list[dict[str, Any]] = []
        self.outcomes: list[Outcome] = []

    def doc_id_for(self, file: str) -> str:
        if file in self.catalog:
            return self.catalog[file].id
        if file in self.old:
            return self.old[file]["doc_id"]
        base = candidate = slug(Path(file).stem)
        number = 2
        while candidate in self.used_ids:
            candidate, number = f"{base}-{number}", number + 1
        self.used_ids.add(candidate)
        return candidate

    def is_unchanged(self, path: Path, old: dict[str, Any] | None) -> tuple[bool, str | None]:
        if old is None:
            return False, None
        stat = path.stat()
        if stat.st_size == old["size"] and stat.st_mtime_ns == old["mtime_ns"]:
            return True, old["sha256"]
        sha = file_sha256(path)
        return sha == old["sha256"], sha

    def ingest_file(self, path: Path) -> None:
        old = self.old.get(path.name)
        unchanged, sha = self.is_unchanged(path, old)
        if old and path.name in self.catalog and self.catalog[path.name].id != old["doc_id"]:
            unchanged = False  # a catalog entry gave the file a new id: its passages' ids change too
        if unchanged and old:
            meta = json.loads(json.dumps(self.metadata(path.name, old["doc_id"], old.get("found_metadata", {})).to_dict()))
            changed_meta = any(old.get(k) != v for k, v in meta.items())
            self.sink.keep({**old, **meta}, changed_meta)
            self.records.append({**old, **meta})
            status: Status = "changed" if changed_meta else "unchanged"
            message = "metadata updated" if changed_meta else ""
            self.outcomes.append(Outcome(path.name, old["doc_id"], status, old["pages"], old["passages"], message, meta["metadata_source"]))
            return
        try:
            self.parse_into(path, sha, "changed" if path.name in self.stored else "new")
        except IngestError as exc:
            self.keep_previous(path, old, exc.reason)

    def parse_into(self, path: Path, sha: str | None, status: Status) -> None:
        data = path.read_bytes()
        doc_id = self.doc_id_for(path.name)
        entry = self.catalog.get(path.name)
        language = (entry.language if entry else None) or "nb"
        parsed, passages = self.parser.parse(path.name, data, entry.password if entry else None, doc_id, language)
        meta = self.metadata(path.name, doc_id, parsed.found_metadata)
        if not passages:
            raise IngestError(path.name, "no text to index after parsing")
        stat = path.stat()
        record = {
            **meta.to_dict(),
            "sha256": sha or hashlib.sha256(data).hexdigest(),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "pages": parsed.page_count,
            "page_labels": {str(p.number): p.label for p in parsed.pages if p.label},
            "passages": len(passages),
            "words": sum(len(p.text.split()) for p in passages if not p.is_note),
            "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "warnings": list(parsed.warnings),
            "found_metadata": parsed.found_metadata,
            "parse_key": parse_key(self.settings),
        }
        self.sink.put(record, parsed.text, passages)
        self.records.append(record)
        self.outcomes.append(
            Outcome(path.name, doc_id, status, parsed.page_count, len(passages), "", meta.metadata_source, list(parsed.warnings))
        )

    def keep_previous(self, path: Path, old: dict[str, Any] | None, reason: str) -> None:
        if old:
            self.sink.keep(old, False)
            self.records.append(old)
            reason += "; the previously ingested version is kept"
        self.outcomes.append(Outcome(path.name, old["doc_id"] if old else None, "failed", message=reason))

    def metadata(self, file: str, doc_id: str, found: dict[str, Any]) -> DocumentMeta:
        entry = self.catalog.get(file)
        return from_catalog(entry) if entry else guessed(file, doc_id, found)

    def removed(self, present: set[str]) -> None:
        for file, old in self.stored.items():
            if file not in present:
                self.sink.drop(old)
                self.outcomes.append(Outcome(file, old["doc_id"], "removed"))

    def manifest(self) -> dict[str, Any]:
        corpus_hash = hashlib.sha256(json.dumps(sorted((r["file"], r["sha256"]) for r in self.records)).encode()).hexdigest()[:16]
        return {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "parse_key": parse_key(self.settings),
            "parser_version": PARSER_VERSION,
            "ingest": self.settings.ingest.model_dump(),
            "corpus_hash": corpus_hash,
            "libraries": {"python": platform.python_version(), "pymupdf": pymupdf.VersionBind},
            "counts": {
                "documents": len(self.records),
                "passages": sum(r["passages"] for r in self.records),
                "pages": sum(r["pages"] for r in self.records),
            },
        }


def make_sink(settings: Settings, build_index: IndexBuilder | None) -> Sink:
    if settings.store.backend == "postgres":
        if build_index is None:
            raise IngestError("--no-index", "the postgres backend stores passages with their vectors; drop --no-index")
        from ingest.sinks import PgSink

        return PgSink(settings)
    return FileSink(settings, build_index)


def run_ingest(
    settings: Settings,
    build_index: IndexBuilder | None = None,
    on_file: Callable[[Path, int, int], None] | None = None,
) -> IngestReport:
    """Ingest the corpus folder into the configured store (or report it up to date)."""
    sink = make_sink(settings, build_index)
    with sink.lock(), ParseWorker(settings.ingest) as parser:
        try:
            run = Ingest(settings, sink, parser)
            files = corpus_files(settings.corpus)
            for number, path in enumerate(files, start=1):
                if on_file:
                    on_file(path, number, len(files))
                run.ingest_file(path)
            run.removed({p.name for p in files})
            changed = any(o.status in ("new", "changed", "removed") for o in run.outcomes)
            if not changed and sink.up_to_date():
                sink.abandon()
                return IngestReport(run.outcomes, sink.current_name(), published=False)
            name = sink.finish(run.records, run.manifest())
        except BaseException:
            sink.abandon()
            raise
    return IngestReport(run.outcomes, name, published=True)
