"""Passages by row number, on disk (SQLite), plus small per-row arrays for filtering.

The table is where a version's passages are written, once: the ingest writes a
new document's passages into it, copies an unchanged document's rows from the
previous version, and the index build reads them back in row order. A million
passages are about 1.5 GB of text: the searcher keeps none of it in memory. It
reads the few rows a query shows, and filters with numpy arrays of one small
integer per row (document, language) joined to per-document values.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from urllib.request import pathname2url

import numpy as np

from index.arrays import load_npz
from index.builder.columns import COLUMN_NAMES, column_ddl, from_row, to_row
from ingest.records import Passage

TABLE_FILE = "passages.sqlite"
COLUMNS_FILE = "columns.npz"
LANGUAGES = ("nb", "nn", "en")

_LIST = ", ".join(COLUMN_NAMES)
_SELECT = f"SELECT row, {_LIST} FROM passages"


def sqlite_uri(path: Path, read_only: bool = False) -> str:
    """A URI for sqlite3.connect(uri=True) or ATTACH, safe for any file name."""
    return f"file:{pathname2url(str(path))}" + ("?mode=ro" if read_only else "")


def language_code(language: str) -> int:
    return LANGUAGES.index(language) if language in LANGUAGES else 0


class TableWriter:
    """Writes passages in row order; one transaction per batch or copied document."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.connection = sqlite3.connect(sqlite_uri(folder / TABLE_FILE), uri=True)
        self.connection.execute("PRAGMA journal_mode=OFF")  # a new file in an unpublished folder
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute(f"CREATE TABLE passages (row INTEGER PRIMARY KEY, {column_ddl('sqlite')})")
        self.rows = 0
        self.doc_codes: dict[str, int] = {}
        self.doc_column: list[np.ndarray] = []
        self.lang_column: list[np.ndarray] = []

    def add(self, passages: list[Passage]) -> None:
        with self.connection:
            self.connection.executemany(
                f"INSERT INTO passages VALUES (?, {', '.join('?' * len(COLUMN_NAMES))})",
                ((self.rows + i, *to_row(p, "sqlite")) for i, p in enumerate(passages)),
            )
        self._columns([p.doc_id for p in passages], [p.language for p in passages])

    def copy_document(self, source: Path, doc_id: str) -> None:
        """Copy a document's rows from another version's table, inside SQLite."""
        db = self.connection
        db.execute("ATTACH DATABASE ? AS source", (sqlite_uri(source / TABLE_FILE, read_only=True),))
        try:
            with db:
                db.execute(
                    f"INSERT INTO passages SELECT ? + row_number() OVER (ORDER BY ordinal) - 1, {_LIST} "
                    "FROM source.passages WHERE doc_id = ? ORDER BY ordinal",
                    (self.rows, doc_id),
                )
            languages = [r[0] for r in db.execute("SELECT language FROM source.passages WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]
        finally:
            db.execute("DETACH DATABASE source")
        self._columns([doc_id] * len(languages), languages)

    def _columns(self, doc_ids: list[str], languages: list[str]) -> None:
        codes = [self.doc_codes.setdefault(doc_id, len(self.doc_codes)) for doc_id in doc_ids]
        self.doc_column.append(np.array(codes, dtype=np.int32))
        self.lang_column.append(np.array([language_code(x) for x in languages], dtype=np.int8))
        self.rows += len(doc_ids)

    def finish(self) -> None:
        with self.connection:
            self.connection.execute("CREATE UNIQUE INDEX passage_ids ON passages(passage_id)")
            self.connection.execute("CREATE INDEX documents ON passages(doc_id, ordinal)")
        self.connection.execute("PRAGMA journal_mode=DELETE")
        self.connection.close()
        empty32, empty8 = np.zeros(0, np.int32), np.zeros(0, np.int8)
        np.savez(
            self.folder / COLUMNS_FILE,
            doc=np.concatenate(self.doc_column) if self.doc_column else empty32,
            language=np.concatenate(self.lang_column) if self.lang_column else empty8,
            doc_ids=np.array(list(self.doc_codes), dtype=object).astype(str),
        )

    def abandon(self) -> None:
        self.connection.close()


def _passage(values: tuple) -> Passage:
    return from_row(values[1:])


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
            connection = sqlite3.connect(sqlite_uri(self.path, read_only=True), uri=True, check_same_thread=False)
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

    def rows_of(self, passage_ids: Sequence[str]) -> dict[str, int]:
        """The rows of these passages (one query; ids not in the table are left out)."""
        marks = ",".join("?" * len(passage_ids))
        return dict(self._db().execute(f"SELECT passage_id, row FROM passages WHERE passage_id IN ({marks})", list(passage_ids))) if passage_ids else {}

    def by_id(self, passage_id: str | None) -> Passage | None:
        row = self.row_of(passage_id)
        return None if row is None else self.one(row)

    def document(self, doc_id: str) -> list[Passage]:
        return [_passage(v) for v in self._db().execute(f"{_SELECT} WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def batches(self, size: int) -> Iterator[list[Passage]]:
        """Every passage in row order, `size` at a time."""
        cursor = self._db().execute(f"{_SELECT} ORDER BY row")
        while rows := cursor.fetchmany(size):
            yield [_passage(values) for values in rows]

    def __iter__(self) -> Iterator[Passage]:
        for batch in self.batches(1000):
            yield from batch
