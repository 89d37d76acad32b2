"""The PostgreSQL store: documents and passages in tables, one transaction per document.

Writing a document deletes its old passages and inserts the new ones (with
their vectors) in one transaction, so a concurrent search sees the old or the
new document, never a mix; a server that stops mid-ingest leaves every
document either fully old or fully new. One ingest at a time holds an advisory
lock. The lexicon (written forms per analyzed term) is kept in step with the
passages in the same transactions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from index.analysis import Analyzer
from index.build import lexical_text
from index.pg_schema import LATEST, VECTOR_INDEX, VECTOR_INDEX_SQL, current_version
from index.store import StoreError
from ingest.records import Passage

INGEST_LOCK = 7432  # advisory lock key held by the one ingest that may write
PASSAGE_COLUMNS = (
    "passage_id",
    "doc_id",
    "ordinal",
    "text",
    "start_offset",
    "end_offset",
    "section",
    "language",
    "page_start",
    "page_end",
    "page_label_start",
    "page_label_end",
    "prev_id",
    "next_id",
    "is_note",
    "year",
    "doc_type",
    "places",
    "embedding",
)


class PostgresError(StoreError):
    """The database cannot be reached or used; the message says which and why."""


def connect(dsn: str, autocommit: bool = True) -> psycopg.Connection:
    try:
        conn = psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise PostgresError(f"cannot connect to PostgreSQL ({describe(dsn)}): {_first_line(exc)}") from exc
    try:
        register_vector(conn)
    except psycopg.ProgrammingError as exc:  # the vector type does not exist yet
        conn.close()
        raise PostgresError(f"PostgreSQL ({describe(dsn)}) has no knowledge base schema; run `python -m index migrate`") from exc
    return conn


def describe(dsn: str) -> str:
    """host:port/database of a DSN, for messages (never the password)."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def term_counts(texts: list[str], analyzer: Analyzer) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """(term, written form) occurrences, and in how many of the texts each term occurs."""
    forms: Counter[tuple[str, str]] = Counter()
    docs: Counter[str] = Counter()
    for text in texts:
        pairs = list(analyzer.term_pieces(text))
        forms.update(pairs)
        docs.update({term for term, _ in pairs})
    return forms, docs


@contextmanager
def guarded(dsn: str, doing: str) -> Iterator[None]:
    """Turn a lost server into one clear message; the transaction in flight is rolled back."""
    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise PostgresError(
            f"lost the connection to PostgreSQL ({describe(dsn)}) while {doing}: {_first_line(exc)}. "
            "Documents written before are complete and this one was not written; run the ingest again when the server is back."
        ) from None


class PgStore:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.conn = connect(dsn)
        version = current_version(self.conn)
        if version != LATEST:
            self.conn.close()
            raise PostgresError(f"the database schema is at version {version}, this program needs {LATEST}; run `python -m index migrate`")
        self.analyzer = Analyzer()

    def close(self) -> None:
        self.conn.close()

    # -- state -------------------------------------------------------------------------
    def state(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM kb_state WHERE key = %s", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO kb_state VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, json.dumps(value))
        )

    def generation(self) -> int:
        return int(self.state("generation", 0))

    @contextmanager
    def lock(self) -> Iterator[None]:
        if not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (INGEST_LOCK,)).fetchone()[0]:
            raise StoreError(f"{describe(self.dsn)}: another ingest is writing to this database; try again when it has finished")
        try:
            yield
        finally:
            try:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (INGEST_LOCK,))
            except psycopg.Error:
                pass  # the connection is gone, and the lock went with it

    # -- documents ---------------------------------------------------------------------
    def documents(self) -> dict[str, dict[str, Any]]:
        """Stored document records by file name, as the files backend keeps them."""
        rows = self.conn.execute("SELECT meta, sha256, size, mtime_ns, parse_key FROM documents").fetchall()
        return {
            meta["file"]: {**meta, "sha256": sha, "size": size, "mtime_ns": mtime, "parse_key": key} for meta, sha, size, mtime, key in rows
        }

    def put_document(self, record: dict[str, Any], passages: list[Passage], vectors: np.ndarray) -> None:
        """Replace a document and its passages in one transaction."""
        meta = {k: v for k, v in record.items() if k not in ("sha256", "size", "mtime_ns", "parse_key")}
        with guarded(self.dsn, f"writing {record['file']}"), self.conn.transaction():
            self._forget_terms(record["doc_id"])
            self.conn.execute("DELETE FROM documents WHERE doc_id = %s OR file = %s", (record["doc_id"], record["file"]))
            self.conn.execute(
                "INSERT INTO documents VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    record["doc_id"],
                    record["file"],
                    json.dumps(meta, ensure_ascii=False),
                    record["sha256"],
                    record["size"],
                    record["mtime_ns"],
                    record["parse_key"],
                ),
            )
            with self.conn.cursor().copy(f"COPY passages ({', '.join(PASSAGE_COLUMNS)}) FROM STDIN") as copy:
                for passage, vector in zip(passages, vectors, strict=True):
                    copy.write_row(self._row(passage, record, vector))
            self._add_terms(*term_counts([lexical_text(p) for p in passages], self.analyzer), +1)

    def update_metadata(self, record: dict[str, Any]) -> None:
        """A catalog change for an unchanged file: the document row and the filter copies."""
        meta = {k: v for k, v in record.items() if k not in ("sha256", "size", "mtime_ns", "parse_key")}
        with guarded(self.dsn, f"updating {record['file']}"), self.conn.transaction():
            self.conn.execute("UPDATE documents SET meta = %s WHERE doc_id = %s", (json.dumps(meta, ensure_ascii=False), record["doc_id"]))
            self.conn.execute(
                "UPDATE passages SET year = %s, doc_type = %s, places = %s WHERE doc_id = %s",
                (record.get("year"), record.get("doc_type"), list(record.get("places") or ()), record["doc_id"]),
            )

    def delete_document(self, doc_id: str) -> None:
        with guarded(self.dsn, f"removing {doc_id}"), self.conn.transaction():
            self._forget_terms(doc_id)
            self.conn.execute("DELETE FROM documents WHERE doc_id = %s", (doc_id,))

    # -- the vector index --------------------------------------------------------------
    def defer_vector_index(self) -> bool:
        """Before a first load into an empty table, drop the HNSW index; `build_vector_index` makes it once at the end."""
        with guarded(self.dsn, "preparing a first load"), self.conn.transaction():
            if self.conn.execute("SELECT EXISTS (SELECT 1 FROM passages)").fetchone()[0]:
                return False
            self.conn.execute(f"DROP INDEX IF EXISTS {VECTOR_INDEX}")
        return True

    def has_vector_index(self) -> bool:
        return self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", (VECTOR_INDEX,)).fetchone()[0]

    def build_vector_index(self, memory: str) -> bool:
        """Create the HNSW index when it is missing (after a first load, or one that was interrupted)."""
        if self.has_vector_index():
            return False
        with guarded(self.dsn, "building the vector index"):
            self.conn.execute(f"SET maintenance_work_mem = '{memory}'")  # memory is validated by the settings
            self.conn.execute(VECTOR_INDEX_SQL)
            self.conn.execute("ANALYZE passages")
        return True

    def publish(self, manifest: dict[str, Any]) -> int:
        """Record what was built and move the generation on: searchers reload."""
        with guarded(self.dsn, "publishing"), self.conn.transaction():
            self.set_state("manifest", manifest)
            generation = self.generation() + 1
            self.set_state("generation", generation)
        return generation

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _row(p: Passage, record: dict[str, Any], vector: np.ndarray) -> tuple:
        return (
            p.passage_id,
            p.doc_id,
            p.ordinal,
            p.text,
            p.start,
            p.end,
            list(p.section),
            p.language,
            p.page_start,
            p.page_end,
            p.page_label_start,
            p.page_label_end,
            p.prev_id,
            p.next_id,
            p.is_note,
            record.get("year"),
            record.get("doc_type"),
            list(record.get("places") or ()),
            np.asarray(vector, dtype=np.float32),
        )

    def _forget_terms(self, doc_id: str) -> None:
        rows = self.conn.execute(
            "SELECT array_to_string(section, ' ') || E'\\n' || text FROM passages WHERE doc_id = %s", (doc_id,)
        ).fetchall()
        if rows:
            self._add_terms(*term_counts([r[0] for r in rows], self.analyzer), -1)

    def _add_terms(self, forms: Counter[tuple[str, str]], docs: Counter[str], sign: int) -> None:
        if not forms:
            return
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO lexicon VALUES (%s, %s, %s) ON CONFLICT (term, form) DO UPDATE SET count = lexicon.count + excluded.count",
                [(term, form, sign * count) for (term, form), count in forms.items()],
            )
            cur.executemany(
                "INSERT INTO term_docs VALUES (%s, %s) ON CONFLICT (term) DO UPDATE SET docs = term_docs.docs + excluded.docs",
                [(term, sign * count) for term, count in docs.items()],
            )
        self.conn.execute("DELETE FROM lexicon WHERE count <= 0")
        self.conn.execute("DELETE FROM term_docs WHERE docs <= 0")
