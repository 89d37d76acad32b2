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

from index.backends.base import StoreError
from index.backends.postgres.connection import PostgresError, connect, describe, guarded, read_state
from index.backends.postgres.schema import LATEST, VECTOR_INDEX, VECTOR_INDEX_SQL, current_version, missing_columns
from index.builder.columns import COLUMN_NAMES, from_row, to_row
from index.builder.manifest import Manifest
from index.builder.represent import lexical_text
from index.tags.tagger import TagTable
from index.text.analysis import Analyzer
from index.text.translate import TermSpace
from ingest.records import Document, Passage

INGEST_LOCK = 7432  # advisory lock key held by the one ingest that may write
# Copied from the document onto each passage row, for filters; the passage's length in index terms.
EXTRA_COLUMNS = ("year", "doc_type", "places", "lex_length")
FILE_FACTS = ("sha256", "size", "mtime_ns", "parse_key")  # columns of `documents`; the rest is `meta`


def term_counts(texts: list[str], analyzer: Analyzer) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """(term, written form) occurrences, and in how many of the texts each term occurs."""
    forms: Counter[tuple[str, str]] = Counter()
    docs: Counter[str] = Counter()
    for text in texts:
        pairs = list(analyzer.term_pieces(text))
        forms.update(pairs)
        docs.update({term for term, _ in pairs})
    return forms, docs




def _meta(document: Document) -> str:
    return json.dumps({k: v for k, v in document.to_dict().items() if k not in FILE_FACTS}, ensure_ascii=False)


def _document_columns(document: Document) -> tuple[Any, ...]:
    return (document.year, document.doc_type, list(document.places))


class PgStore:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.conn = connect(dsn)
        version = current_version(self.conn)
        if version != LATEST or missing_columns(self.conn):
            self.conn.close()
            raise PostgresError(f"the database schema is at version {version}, this program needs {LATEST}; run `python -m index migrate`")
        self.analyzer = Analyzer()

    def close(self) -> None:
        self.conn.close()

    # -- state -------------------------------------------------------------------------
    def state(self, key: str, default: Any = None) -> Any:
        value = read_state(self.conn, key)
        return default if value is None else value

    def manifest(self) -> Manifest | None:
        data = self.state("manifest")
        return Manifest.from_dict(data) if data else None

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
    def documents(self) -> dict[str, Document]:
        """Stored documents by file name."""
        rows = self.conn.execute("SELECT meta, sha256, size, mtime_ns, parse_key FROM documents").fetchall()
        return {
            meta["file"]: Document.from_dict({**meta, "sha256": sha, "size": size, "mtime_ns": mtime, "parse_key": key})
            for meta, sha, size, mtime, key in rows
        }

    def put_document(self, document: Document, passages: list[Passage], windows: list[np.ndarray]) -> None:
        """Replace a document, its passages and their windows' vectors in one transaction.

        `windows[i]` holds the vectors of passage i's sentence windows (one row each).
        """
        columns = ", ".join((*COLUMN_NAMES, *EXTRA_COLUMNS))
        with guarded(self.dsn, f"writing {document.file}"), self.conn.transaction():
            self._forget_terms(document.doc_id)
            self.conn.execute("DELETE FROM documents WHERE doc_id = %s OR file = %s", (document.doc_id, document.file))
            self.conn.execute(
                "INSERT INTO documents VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (document.doc_id, document.file, _meta(document), *(getattr(document, name) for name in FILE_FACTS)),
            )
            terms = [self.analyzer.terms(lexical_text(p)) for p in passages]
            with self.conn.cursor().copy(f"COPY passages ({columns}) FROM STDIN") as copy:
                for passage, passage_terms in zip(passages, terms, strict=True):
                    copy.write_row((*to_row(passage, "postgres"), *_document_columns(document), len(passage_terms)))
            rows = dict(self.conn.execute("SELECT passage_id, row_id FROM passages WHERE doc_id = %s", (document.doc_id,)).fetchall())
            with self.conn.cursor().copy("COPY windows (passage_row_id, embedding) FROM STDIN") as copy:
                for passage, vectors in zip(passages, windows, strict=True):
                    for vector in vectors:
                        copy.write_row((rows[passage.passage_id], np.asarray(vector, dtype=np.float32)))
            with self.conn.cursor().copy("COPY postings (term, passage_row_id, tf) FROM STDIN") as copy:
                for passage, passage_terms in zip(passages, terms, strict=True):
                    for term, tf in Counter(passage_terms).items():
                        copy.write_row((term, rows[passage.passage_id], tf))
            self._add_terms(*term_counts([lexical_text(p) for p in passages], self.analyzer), +1)

    # -- tags --------------------------------------------------------------------------
    def passages_with_windows(self) -> tuple[list[int], list[Passage], list[np.ndarray]]:
        """Every passage in row order with its windows' vectors, for tagging."""
        rows = self.conn.execute(f"SELECT row_id, {', '.join(COLUMN_NAMES)} FROM passages ORDER BY row_id").fetchall()
        ids = [row[0] for row in rows]
        found: dict[int, list[np.ndarray]] = {row_id: [] for row_id in ids}
        for row_id, embedding in self.conn.execute("SELECT passage_row_id, embedding FROM windows ORDER BY row_id"):
            found[row_id].append(np.asarray(embedding.to_numpy() if hasattr(embedding, "to_numpy") else embedding, dtype=np.float32))
        vectors = [np.vstack(found[row_id]) if found[row_id] else np.zeros((0, 0), dtype=np.float32) for row_id in ids]
        return ids, [from_row(row[1:]) for row in rows], vectors

    def put_tags(self, row_ids: list[int], tags: TagTable) -> None:
        """Every passage's tags and the places' parents, in one transaction."""
        with guarded(self.dsn, "writing passage tags"), self.conn.transaction():
            self.conn.execute("CREATE TEMP TABLE new_tags (row_id bigint, themes text[], measures text[], mentions text[]) ON COMMIT DROP")
            with self.conn.cursor().copy("COPY new_tags FROM STDIN") as copy:
                for row_id, row in zip(row_ids, tags.rows, strict=True):
                    copy.write_row((row_id, list(row.themes), list(row.measures), list(row.places)))
            self.conn.execute(
                "UPDATE passages p SET themes = t.themes, measures = t.measures, mentions = t.mentions FROM new_tags t WHERE p.row_id = t.row_id"
            )
            self.set_state("tag_parents", tags.parents)

    def update_metadata(self, document: Document) -> None:
        """A catalog change for an unchanged file: the document row and the filter copies."""
        with guarded(self.dsn, f"updating {document.file}"), self.conn.transaction():
            self.conn.execute("UPDATE documents SET meta = %s WHERE doc_id = %s", (_meta(document), document.doc_id))
            self.conn.execute(
                "UPDATE passages SET year = %s, doc_type = %s, places = %s WHERE doc_id = %s", (*_document_columns(document), document.doc_id)
            )

    def delete_document(self, doc_id: str) -> None:
        with guarded(self.dsn, f"removing {doc_id}"), self.conn.transaction():
            self._forget_terms(doc_id)
            self.conn.execute("DELETE FROM documents WHERE doc_id = %s", (doc_id,))

    # -- the vector index --------------------------------------------------------------
    def defer_vector_index(self) -> bool:
        """Before a first load into an empty table, drop the HNSW index; `build_vector_index` makes it once at the end."""
        with guarded(self.dsn, "preparing a first load"), self.conn.transaction():
            if self.conn.execute("SELECT EXISTS (SELECT 1 FROM windows)").fetchone()[0]:
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
            self.conn.execute("ANALYZE windows")
        return True

    def lexicon_forms(self) -> tuple[dict[str, str], dict[str, int]]:
        """Each term's most frequent written form, and its count."""
        surface: dict[str, tuple[int, str]] = {}
        counts: dict[str, int] = {}
        for term, form, count in self.conn.execute("SELECT term, form, count FROM lexicon"):
            counts[term] = counts.get(term, 0) + count
            if count > surface.get(term, (0, ""))[0]:
                surface[term] = (count, form)
        return {term: form for term, (_, form) in surface.items()}, counts

    def put_term_space(self, space: TermSpace) -> None:
        """Replace the stored term space (one transaction)."""
        with guarded(self.dsn, "writing the term space"), self.conn.transaction():
            self.conn.execute("DELETE FROM term_space")
            with self.conn.cursor().copy("COPY term_space (term, english, embedding, hubness) FROM STDIN") as copy:
                for term, vector, hub in zip(space.terms, space.vectors, space.hubness, strict=True):
                    copy.write_row((term, False, np.asarray(vector, dtype=np.float32), float(hub)))
                for word, vector in space.english.items():
                    copy.write_row((word, True, np.asarray(vector, dtype=np.float32), 0.0))

    def publish(self, manifest: Manifest) -> int:
        """Record what was built and move the generation on: searchers reload."""
        with guarded(self.dsn, "publishing"), self.conn.transaction():
            self.set_state("manifest", manifest.to_dict())
            self.set_state("avgdl", float(self.conn.execute("SELECT coalesce(avg(lex_length), 1) FROM passages").fetchone()[0]))
            generation = self.generation() + 1
            self.set_state("generation", generation)
        return generation

    # -- the lexicon -------------------------------------------------------------------
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
