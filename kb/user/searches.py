"""Search history and saved searches: `searches.json` under `app.user_dir`.

A search is kept as the URL parameters the search page writes (`q`, `mode`, `doc`, `type`,
`lang`, `place`, `y0`, `y1`, `x` …), so its link reproduces it with the same filters.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kb.user.files import read_json, write_json

RECENT_MAX = 20
VERSION = 1


@dataclass(frozen=True)
class SearchEntry:
    params: dict[str, list[str]]  # URL parameter -> its values
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    name: str = ""  # saved searches only

    @property
    def query(self) -> str:
        return (self.params.get("q") or [""])[0]

    def url(self, extra: dict[str, str] | None = None) -> str:
        """The relative link ("?q=…&doc=…") that opens the search again."""
        pairs = [(key, value) for key, values in self.params.items() for value in values]
        return "?" + urlencode(pairs + list((extra or {}).items()))

    def to_json(self) -> dict[str, Any]:
        return {"params": self.params, "time": self.time, "name": self.name}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchEntry:
        params = {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in data["params"].items()}
        return cls(params, str(data.get("time", "")), str(data.get("name", "")))


class Searches:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def recent(self) -> list[SearchEntry]:
        """The latest searches, newest first, each set of parameters once."""
        return self._load()["recent"]

    def saved(self) -> list[SearchEntry]:
        """The named searches, in name order."""
        return self._load()["saved"]

    def record(self, params: dict[str, list[str]]) -> bool:
        """Put a search at the top of the history; False when it is already the latest one."""
        if not params.get("q"):
            return False
        with self._lock:
            data = self._load()
            if data["recent"] and data["recent"][0].params == params:
                return False
            recent = [SearchEntry(params), *(e for e in data["recent"] if e.params != params)]
            self._write(recent[:RECENT_MAX], data["saved"])
            return True

    def save(self, name: str, params: dict[str, list[str]]) -> SearchEntry:
        """Save a search under `name` (replacing one saved under the same name)."""
        name = " ".join(name.split())
        if not name or not params.get("q"):
            raise ValueError("a saved search needs a name and a query")
        entry = SearchEntry(params, name=name)
        with self._lock:
            data = self._load()
            saved = sorted([*(e for e in data["saved"] if e.name != name), entry], key=lambda e: e.name.casefold())
            self._write(data["recent"], saved)
        return entry

    def delete(self, name: str) -> None:
        with self._lock:
            data = self._load()
            self._write(data["recent"], [e for e in data["saved"] if e.name != name])

    def clear_history(self) -> None:
        with self._lock:
            self._write([], self._load()["saved"])

    def _load(self) -> dict[str, list[SearchEntry]]:
        data = read_json(self.path, {})
        return {part: _entries(data.get(part)) for part in ("recent", "saved")}

    def _write(self, recent: list[SearchEntry], saved: list[SearchEntry]) -> None:
        data = {"version": VERSION, "recent": [e.to_json() for e in recent], "saved": [e.to_json() for e in saved]}
        write_json(self.path, data)


def _entries(raw: Any) -> list[SearchEntry]:
    entries = []
    for item in raw if isinstance(raw, list) else []:
        try:
            entries.append(SearchEntry.from_json(item))
        except (KeyError, TypeError, AttributeError):
            continue
    return entries
