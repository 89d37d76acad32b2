"""Ingest jobs that run outside the page render, with progress a page can poll.

An upload saves its files into the corpus at once (an edit or a deletion changes
the catalog or the corpus folder at once, kb/library.py); the ingest that publishes
the change runs here in two steps (published searchable by words first, in seconds,
then with its embeddings; PostgreSQL embeds in the first), in a background thread of the app process, one job at a
time (a second waits its turn rather than meeting the store's writer lock). Each
job's status is a small JSON file in `<store>/jobs/`, rewritten as it goes, so
a page that reloads, or another app process, reads the same progress.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from index.backends.base import StoreError
from ingest.catalog import CatalogError
from ingest.records import IngestError
from kb.build import ingest_corpus
from settings import Settings

State = Literal["queued", "running", "done", "failed"]
Action = Literal["add", "edit", "delete"]
WRITE_EVERY_S = 0.5  # progress is written at most this often (and always at a change of state)


@dataclass(frozen=True)
class FileFailure:
    """Why a file of the job could not be ingested: English, and as a code with values for the app."""

    reason: str
    code: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    kept_previous: bool = False  # the version stored before stays searchable


@dataclass
class JobStatus:
    job_id: str
    files: dict[str, str]  # the files this job is about (added, edited or deleted) -> their document ids
    action: Action = "add"
    state: State = "queued"
    stage: str = ""  # "parsing", "embedding"
    current: str = ""  # the file being parsed
    done: int = 0
    total: int = 0
    failed: dict[str, FileFailure] = field(default_factory=dict)
    error: str = ""  # why the whole job failed
    version: str = ""  # what the job published (a store version or a database generation)
    searchable: bool = False  # published searchable by words; the embeddings may still be in the making
    started: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


class IngestJobs:
    """Runs ingest jobs one at a time and keeps their status on disk."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.folder = settings.store.dir / "jobs"
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-job")
        self._lock = threading.Lock()

    def start(self, files: dict[str, str], action: Action = "add") -> str:
        """Queue an ingest that publishes what was done to `files` (file -> document id); return the job's id."""
        status = JobStatus(uuid.uuid4().hex[:12], dict(files), action)
        self._write(status)
        self._pool.submit(self._run, status)
        return status.job_id

    def status(self, job_id: str) -> JobStatus | None:
        path = self.folder / f"{job_id}.json" if job_id.isalnum() else None
        if path is None or not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        data.setdefault("files", data.pop("added", {}))  # written before jobs could edit or delete
        data["failed"] = {file: FileFailure(**f) if isinstance(f, dict) else FileFailure(f) for file, f in data.get("failed", {}).items()}
        return JobStatus(**data)

    def _run(self, status: JobStatus) -> None:
        status.state = "running"
        self._write(status)
        last = [0.0]

        def progress(stage: str, current: str, done: int, total: int) -> None:
            status.stage, status.current, status.done, status.total = stage, current, done, total
            if time.monotonic() - last[0] >= WRITE_EVERY_S:
                last[0] = time.monotonic()
                self._write(status)

        def on_file(path, number: int, total: int) -> None:
            progress("parsing", path.name, number - 1, total)

        try:
            for semantic in (False, True):  # words first: searchable in seconds, then by meaning
                report = ingest_corpus(self.settings, on_file=on_file, on_progress=lambda stage, done, total: progress(stage, "", done, total), semantic=semantic)
                status.failed = {o.file: FileFailure(o.message, o.code, o.values, o.kept_previous) for o in report.failed if o.file in status.files}
                status.searchable, status.version = True, report.version or ""
                self._write(status)
            status.state = "done"
        except (StoreError, IngestError, CatalogError) as exc:
            status.state, status.error = "failed", str(exc)
        except Exception as exc:  # a bug must not leave the page waiting for ever
            status.state, status.error = "failed", f"{type(exc).__name__}: {exc}"
        status.finished = time.time()
        self._write(status)

    def _write(self, status: JobStatus) -> None:
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{status.job_id}.{uuid.uuid4().hex[:6]}.tmp"
            tmp.write_text(json.dumps(dataclasses.asdict(status), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.folder / f"{status.job_id}.json")
