"""The store folder: published versions of the knowledge base, swapped atomically.

    store/
      CURRENT                 name of the published version (replaced atomically)
      versions/v000007/       one complete, immutable version:
        manifest.json         settings, library versions, counts, corpus hash
        documents.json        one record per document (metadata, file hash, counts)
        passages/<doc>.jsonl  one JSON passage per line, in document order
        texts/<doc>.txt       the document's clean text (passages are slices of it)
        ...                   index files added by the index stage
      cache/                  embeddings by text hash (shared by all versions)
      ingest.lock             held by the one ingest that may write

A new version is written in a temporary folder, renamed into `versions/`, and
published by replacing CURRENT: a crash at any point leaves the previous
version readable. Unchanged documents are hard-linked, not copied.
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

from ingest.records import Passage

CURRENT = "CURRENT"
READERS = ".readers"  # searchers hold a shared lock on this file in their version
FORMAT = 1


class StoreError(Exception):
    """The store is missing, locked, or was built with other settings."""


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

    def manifest(self) -> dict[str, Any]:
        return read_json(self.path / "manifest.json")

    def documents(self) -> dict[str, dict[str, Any]]:
        return {doc["doc_id"]: doc for doc in read_json(self.path / "documents.json")}

    def passages(self, doc_id: str) -> list[Passage]:
        path = self.path / "passages" / f"{doc_id}.jsonl"
        with open(path, encoding="utf-8") as handle:
            return [Passage.from_dict(json.loads(line)) for line in handle if line.strip()]

    def text(self, doc_id: str) -> str:
        return (self.path / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")

    def all_passages(self) -> Iterator[Passage]:
        for doc_id in self.documents():
            yield from self.passages(doc_id)

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
                raise StoreError(f"{self.root}: another ingest is writing to this store; try again when it has finished") from exc
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
        (path / "passages").mkdir(parents=True)
        (path / "texts").mkdir()
        (path / ".pid").write_text(str(os.getpid()))

    def write_document(self, doc_id: str, text: str, passages: list[Passage]) -> None:
        (self.path / "texts" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        with open(self.path / "passages" / f"{doc_id}.jsonl", "w", encoding="utf-8") as handle:
            for passage in passages:
                handle.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")

    def link_document(self, source: Version, doc_id: str) -> None:
        """Reuse an unchanged document's files from the previous version."""
        for folder, suffix in (("texts", ".txt"), ("passages", ".jsonl")):
            src = source.path / folder / f"{doc_id}{suffix}"
            dst = self.path / folder / f"{doc_id}{suffix}"
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)

    def finish(self, documents: list[dict[str, Any]], manifest: dict[str, Any], keep: int) -> Version:
        write_json(self.path / "documents.json", documents)
        write_json(self.path / "manifest.json", {"format": FORMAT, **manifest})
        (self.path / ".pid").unlink()
        return self.store.publish(self.path, keep)

    def abandon(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
