"""The store folder: published versions of the knowledge base, swapped atomically.

    store/
      CURRENT                 name of the published version (replaced atomically)
      versions/v000007/       one complete, immutable version:
        manifest.json         settings, library versions, counts, corpus hash, index signature
        documents.json        one record per document (metadata, file hash, counts)
        passages.sqlite       every passage, once, by row (index/builder/table.py)
        columns.npz           per-row document and language codes, for filters
        texts/<doc>.txt       the document's clean text (passages are slices of it)
        index/                the BM25 and FAISS indexes (index/builder/indexer.py)
      cache/                  embeddings by text hash (shared by all versions)
      ingest.lock             held by the one ingest that may write

A new version is written in a temporary folder, renamed into `versions/`, and
published by replacing CURRENT: a crash at any point leaves the previous
version readable. Unchanged documents' texts are hard-linked and their passage
rows copied inside SQLite from the previous version.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from index.backends.base import StoreBusy, StoreError
from index.builder.manifest import Manifest
from index.builder.table import PassageTable, TableWriter
from ingest.records import Document, Passage

CURRENT = "CURRENT"
READERS = ".readers"  # searchers hold a shared lock on this file in their version
FORMAT = 2  # 2: passages in one SQLite table per version (1 kept JSONL files per document)


def write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Version:
    """A published, read-only version of the store."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def manifest(self) -> Manifest:
        data = read_json(self.path / "manifest.json")
        if data.get("format") != FORMAT:
            raise StoreError(f"{self.path}: written by an older version of this program; run `python -m ingest` to rebuild it")
        return Manifest.from_dict(data)

    def documents(self) -> dict[str, Document]:
        return {doc["doc_id"]: Document.from_dict(doc) for doc in read_json(self.path / "documents.json")}

    def table(self) -> PassageTable:
        return PassageTable(self.path)

    def passages(self, doc_id: str) -> list[Passage]:
        return self.table().document(doc_id)

    def text(self, doc_id: str) -> str:
        return (self.path / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")

    def all_passages(self) -> Iterator[Passage]:
        return iter(self.table())

    def is_current_format(self) -> bool:
        return read_json(self.path / "manifest.json").get("format") == FORMAT

    def hold(self) -> BinaryIO:
        """A shared lock that keeps this version from being pruned while it is read.

        The returned file must stay open as long as the version is in use.
        """
        handle = open(self.path / READERS, "a+b")  # noqa: SIM115 - lives as long as the reader
        fcntl.flock(handle, fcntl.LOCK_SH)
        return handle


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.versions = self.root / "versions"

    def current(self) -> Version | None:
        """The published version, or None when nothing has been published yet."""
        pointer = self.root / CURRENT
        if not pointer.exists():
            return None
        path = self.versions / pointer.read_text(encoding="utf-8").strip()
        if not (path / "manifest.json").exists():
            raise StoreError(f"{self.root}: CURRENT names {path.name}, which is missing or incomplete")
        return Version(path)

    def require_current(self) -> Version:
        version = self.current()
        if version is None:
            raise StoreError(f"{self.root}: no index here yet; run `python -m ingest` first")
        return version

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Only one writer at a time; a second ingest is refused with a clear message."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "ingest.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreBusy(f"{self.root}: another ingest is writing to this store; try again when it has finished") from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def begin(self) -> VersionWriter:
        self.versions.mkdir(parents=True, exist_ok=True)
        return VersionWriter(self, self.versions / f".building-{uuid.uuid4().hex[:12]}")

    def next_name(self) -> str:
        numbers = [int(p.name[1:]) for p in self.versions.glob("v[0-9]*") if p.name[1:].isdigit()]
        return f"v{max(numbers, default=0) + 1:06d}"

    def publish(self, building: Path, keep: int) -> Version:
        """Rename a finished build into place and point CURRENT at it, atomically."""
        final = self.versions / self.next_name()
        os.rename(building, final)
        pointer_tmp = self.root / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
        pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
        with open(pointer_tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, self.root / CURRENT)
        self._prune(keep)
        return Version(final)

    def _prune(self, keep: int) -> None:
        """Remove old versions beyond `keep` that no reader holds, and abandoned builds."""
        published = sorted(p for p in self.versions.glob("v[0-9]*") if p.is_dir())
        for old in published[:-keep]:
            if _unused(old):
                shutil.rmtree(old, ignore_errors=True)
        for abandoned in self.versions.glob(".building-*"):
            if not _is_locked_build(abandoned):
                shutil.rmtree(abandoned, ignore_errors=True)


def _unused(version: Path) -> bool:
    """True when no searcher holds the version (see Version.hold)."""
    marker = version / READERS
    if not marker.exists():
        return True
    with open(marker, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _is_locked_build(path: Path) -> bool:
    marker = path / ".pid"
    if not marker.exists():
        return False
    try:
        os.kill(int(marker.read_text()), 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return True


class VersionWriter:
    """Writes one new version into a private folder before it is published."""

    def __init__(self, store: Store, path: Path):
        self.store = store
        self.path = path
        (path / "texts").mkdir(parents=True)
        (path / ".pid").write_text(str(os.getpid()))
        self.table: TableWriter | None = TableWriter(path)

    def write_document(self, doc_id: str, text: str, passages: list[Passage]) -> None:
        assert self.table is not None
        (self.path / "texts" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        self.table.add(passages)

    def copy_document(self, source: Version, doc_id: str) -> None:
        """Reuse an unchanged document from the previous version: its text linked, its rows copied."""
        assert self.table is not None
        src, dst = source.path / "texts" / f"{doc_id}.txt", self.path / "texts" / f"{doc_id}.txt"
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        self.table.copy_document(source.path, doc_id)

    def close_table(self) -> None:
        """No more passages: index the table and write its filter columns."""
        if self.table is not None:
            self.table.finish()
            self.table = None

    def finish(self, documents: list[Document], manifest: Manifest, keep: int) -> Version:
        self.close_table()
        write_json(self.path / "documents.json", [d.to_dict() for d in documents])
        write_json(self.path / "manifest.json", {**manifest.to_dict(), "format": FORMAT})
        (self.path / ".pid").unlink()
        return self.store.publish(self.path, keep)

    def abandon(self) -> None:
        if self.table is not None:
            self.table.abandon()
            self.table = None
        shutil.rmtree(self.path, ignore_errors=True)
