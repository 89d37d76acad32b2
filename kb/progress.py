"""What an index build is doing now, for the app: `<store>/building.json`.

An ingest run records its stage and how far it has come (written atomically, at
most twice a second) and removes the file when it ends. A reader trusts the file
only while the process that wrote it is alive, so a killed build is not shown as
running.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from index.builder.indexer import Progress
from settings import Settings

FILE = "building.json"
EVERY_S = 0.5


@dataclass(frozen=True)
class BuildProgress:
    stage: str  # "embedding", "translating", …
    done: int
    total: int
    pid: int
    updated: float  # time.time()


def _path(settings: Settings) -> Path:
    return settings.store.dir / FILE


class ProgressFile:
    """A progress callback that also records the progress for other processes to read."""

    def __init__(self, settings: Settings, then: Progress | None = None):
        self.path = _path(settings)
        self.then = then
        self._written = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.then:
            self.then(stage, done, total)
        now = time.monotonic()
        if now - self._written < EVERY_S and done not in (0, total):
            return
        self._written = now
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(BuildProgress(stage, done, total, os.getpid(), time.time()))), encoding="utf-8")
        temporary.replace(self.path)

    def clear(self) -> None:
        """Remove the record, when it is this process's."""
        progress = read_progress_file(self.path, alive_only=False)
        if progress is not None and progress.pid == os.getpid():
            self.path.unlink(missing_ok=True)


def read_progress_file(path: Path, alive_only: bool = True) -> BuildProgress | None:
    try:
        progress = BuildProgress(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return progress if not alive_only or _alive(progress.pid) else None


def current_build(settings: Settings) -> BuildProgress | None:
    """The build running now, or None (none, or its process is gone)."""
    return read_progress_file(_path(settings))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
