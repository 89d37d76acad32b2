"""Passages by row number, on disk (SQLite), plus small per-row arrays for filtering.

A million passages are about 1.5 GB of text: the searcher keeps none of it in
memory. It reads the few rows a query shows, and filters with numpy arrays of
one small integer per row (document, language) joined to per-document values.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from index.arrays import load_npz
from ingest.records import Passage

TABLE_FILE = "passages.sqlite"
COLUMNS_FILE = "columns.npz"
LANGUAGES = ("nb", "nn", "en")

_COLUMNS = (
    "row",
    "passage_id",
    "doc_id",
    "ordinal",
    "text",
    "start",
    "end",
    "section",
    "language",
    "page_start",
    "page_end",
    "page_label_start",
    "page_label_end",
    "prev_id",
    "next_id",
    "is_note",
)
_SCHEMA = """
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, passage_id TEXT NOT NULL, doc_id TEXT NOT NULL, ordinal INTEGER,
    text TEXT NOT NULL, start INTEGER, "end" INTEGER, section TEXT, language TEXT,
    page_start INTEGER, page_end INTEGER, page_label_start TEXT, page_label_end TEXT,
    prev_id TEXT, next_id TEXT, is_note INTEGER
);
"""
_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in _COLUMNS) + " FROM passages"


def _row(p: Passage, row: int) -> tuple:
    return (
        row,
        p.passage_id,
        p.doc_id,
        p.ordinal,
        p.text,
        p.start,
        p.end,
        json.dumps(p.section, ensure_ascii=False),
        p.language,
        p.page_start,
        p.page_end,
        p.page_label_start,
        p.page_label_end,
        p.prev_id,
        p.next_id,
        int(p.is_note),
    )


def _passage(values: tuple) -> Passage:
    data = dict(zip(_COLUMNS[1:], values[1:], strict=True))
    data["section"] = tuple(json.loads(data["section"]))
    data["is_note"] = bool(data["is_note"])
    return Passage(**data)


class TableWriter:
    """Writes passages in row order while the index is built; one transaction per batch."""

    def __init__(self, folder: Path):
        self.path = folder / TABLE_FILE
        self.connection = sqlite3.connect(self.path)
        self.connection.execute("PRAGMA journal_mode=OFF")  # a new file in an unpublished folder
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.executescript(_SCHEMA)
        self.rows = 0
        self.doc_codes: dict[str, int] = {}
        self.doc_column: list[np.ndarray] = []
        self.lang_column: list[np.ndarray] = []

    def add(self, passages: list[Passage]) -> None:
        with self.connection:
            self.connection.executemany(
                f"INSERT INTO passages VALUES ({', '.join('?' * len(_COLUMNS))})",
                (_row(p, self.rows + i) for i, p in enumerate(passages)),
            )
        codes = [self.doc_codes.setdefault(p.doc_id, len(self.doc_codes)) for p in passages]
        self.doc_column.append(np.array(codes, dtype=np.int32))
        self.lang_column.append(np.array([LANGUAGES.index(p.language) if p.language in LANGUAGES else 0 for p in passages], dtype=np.int8))
        self.rows += len(passages)

    def finish(self, folder: Path) -> None:
        with self.connection:
            self.connection.execute("CREATE UNIQUE INDEX passage_ids ON passages(passage_id)")
            self.connection.execute("CREATE INDEX documents ON passages(doc_id, ordinal)")
        self.connection.execute("PRAGMA journal_mode=DELETE")
        self.connection.close()
        empty32, empty8 = np.zeros(0, np.int32), np.zeros(0, np.int8)
        np.savez(
            folder / COLUMNS_FILE,
            doc=np.concatenate(self.doc_column) if self.doc_column else empty32,
            language=np.concatenate(self.lang_column) if self.lang_column else empty8,
            doc_ids=np.array(list(self.doc_codes), dtype=object).astype(str),
        )


class PassageTable:
    """Read-only access to a version's passages; safe to share between threads."""

    def __init__(self, folder: Path):
        self.path = folder / TABLE_FILE
        self._local = threading.local()
        columns = load_npz(folder / COLUMNS_FILE)
        self.doc_codes = columns["doc"]
        self.languages = columns["language"]
        self.doc_ids = [str(d) for d in columns["doc_ids"]]

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.connection = connection
        return connection

    def __len__(self) -> int:
        return len(self.doc_codes)

    def get(self, rows: Iterable[int]) -> list[Passage]:
        """Passages for the given rows, in the order given."""
        wanted = [int(r) for r in rows]
        if not wanted:
            return []
        found = {}
        for start in range(0, len(wanted), 900):  # SQLite's parameter limit
            chunk = wanted[start : start + 900]
            query = f"{_SELECT} WHERE row IN ({', '.join('?' * len(chunk))})"
            found.update({values[0]: _passage(values) for values in self._db().execute(query, chunk)})
        return [found[r] for r in wanted]

    def one(self, row: int) -> Passage:
        return self.get([row])[0]

    def row_of(self, passage_id: str | None) -> int | None:
        if not passage_id:
            return None
        found = self._db().execute("SELECT row FROM passages WHERE passage_id = ?", (passage_id,)).fetchone()
        return found[0] if found else None

    def by_id(self, passage_id: str | None) -> Passage | None:
        row = self.row_of(passage_id)
        return None if row is None else self.one(row)

    def document(self, doc_id: str) -> list[Passage]:
        return [_passage(v) for v in self._db().execute(f"{_SELECT} WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def __iter__(self) -> Iterator[Passage]:
        for values in self._db().execute(f"{_SELECT} ORDER BY row"):
            yield _passage(values)
