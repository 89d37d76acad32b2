"""The PostgreSQL + pgvector backend: both retrievers' candidate lists in one SQL statement.

Lexical: BM25 over the passages' analyzed terms (the `postings` table, the same
analysis as the files backend), a query term counting with the compounds that
contain it (index/backends/postgres/lexical.py); the `tsvector` column serves
quoted phrases. Dense: an HNSW
cosine index over the passages' sentence windows, a passage scored by its best
window; `hnsw.iterative_scan` keeps filtered kNN returning k rows when k
matching rows exist. The lists go back to the searcher, which fuses them as it
does for the files backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from index.backends.base import Ranked, Retrieval, StoreError
from index.backends.postgres.connection import PostgresError, connect, describe, pool, pooled, read_state
from index.backends.postgres.lexical import TermGroup, TermStats, load_lexicon, match_plan, phrase_tsquery
from index.backends.postgres.schema import missing_columns
from index.builder.columns import COLUMN_NAMES, from_row
from index.builder.manifest import Manifest, index_signature
from index.builder.windows import PER_PASSAGE
from index.query import Filters
from index.tags.tagger import PassageTags, within
from index.text.translate import TermSpace
from ingest.records import Document, Passage
from settings import Settings

_SELECT_PASSAGE = "p.row_id, " + ", ".join(f"p.{name}" for name in COLUMN_NAMES)


def _passage(row: tuple) -> Passage:
    return from_row(row[1:])


def _term_space(conn) -> TermSpace | None:
    rows = conn.execute("SELECT term, english, embedding, hubness FROM term_space ORDER BY english, term").fetchall()
    terms = [(t, _vector(v), h) for t, english, v, h in rows if not english]
    if not terms:
        return None
    english = {t: _vector(v) for t, is_english, v, _ in rows if is_english}
    vectors = np.vstack([v for _, v, _ in terms])
    return TermSpace(tuple(t for t, _, _ in terms), vectors, np.array([h for _, _, h in terms], dtype=np.float32), english)


def _vector(value) -> np.ndarray:
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


def filter_sql(filters: Filters, parents: Mapping[str, str] | None = None) -> tuple[str, list[Any]]:
    """A WHERE clause over the passages' copies of the document fields and their tags; a place
    keeps the passages naming it or a place inside it (`parents`: a place's municipality)."""
    clauses, params = [], []
    for column, values in (("themes", filters.themes), ("measures", filters.measures)):
        if values:
            clauses.append(f"p.{column} && %s")
            params.append(list(values))
    if filters.doc_ids:
        clauses.append("p.doc_id = ANY(%s)")
        params.append(list(filters.doc_ids))
    if filters.exclude_doc_ids:
        clauses.append("NOT (p.doc_id = ANY(%s))")
        params.append(list(filters.exclude_doc_ids))
    if filters.types:
        clauses.append("lower(p.doc_type) = ANY(%s)")
        params.append([t.casefold() for t in filters.types])
    if filters.languages:
        clauses.append("p.language = ANY(%s)")
        params.append(list(filters.languages))
    if filters.places:
        clauses.append("p.mentions && %s")
        params.append(sorted(set().union(*(within(place, parents or {}) for place in filters.places))))
    if filters.year_from is not None:
        clauses.append("p.year >= %s")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("p.year <= %s")
        params.append(filters.year_to)
    return (" AND ".join(clauses) or "TRUE"), params


class PgBackend:
    """One generation of the database: documents and lexicon read once, passages read on demand."""

    def __init__(self, settings: Settings, dsn: str | None = None):
        self.dsn = dsn or settings.store.postgres_dsn
        with connect(self.dsn) as conn:
            self._load(conn, settings)
        self.pool = pool(self.dsn, settings.store.pool_size)  # each query borrows a connection

    def _load(self, conn, settings: Settings) -> None:
        """The knowledge base's state, documents and lexicon, read once per generation."""
        data = read_state(conn, "manifest")
        if not data:
            raise StoreError(f"{self.dsn.split('@')[-1]}: the database holds no knowledge base yet; run `python -m ingest`")
        if missing_columns(conn):
            raise PostgresError(f"PostgreSQL ({describe(self.dsn)}) has an older schema; run `python -m index migrate`")
        built, wanted = Manifest.from_dict(data).index, index_signature(settings)["embedder"]
        if built is None or built.embedder != wanted:
            raise StoreError(
                f"the database was built with embedder '{built.embedder if built else None}', but the config asks for '{wanted}'; "
                "run `python -m ingest` to rebuild it"
            )
        self.generation = int(read_state(conn, "generation") or 0)
        self.documents: dict[str, Document] = {meta["doc_id"]: Document.from_dict(meta) for (meta,) in conn.execute("SELECT meta FROM documents")}
        self.lexicon, containing = load_lexicon(conn)
        count = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        self.terms = TermStats(dict(conn.execute("SELECT term, docs FROM term_docs").fetchall()), containing, count)
        self.term_space = _term_space(conn)
        self.semantic_ready = self.dense_available = True  # each document is stored with its vectors, in one transaction
        self.bm25 = (settings.index.bm25_k1, settings.index.bm25_b, float(read_state(conn, "avgdl") or 1.0))
        self._parents: dict[str, str] = read_state(conn, "tag_parents") or {}
        self._tag_values: dict[str, dict[str, int]] = {}

    @property
    def name(self) -> str:
        return f"postgres:{self.dsn}:{self.generation}"

    def __len__(self) -> int:
        return self.terms.count

    def close(self) -> None:
        self.pool.close()

    # -- tags --------------------------------------------------------------------------------
    def tags_of(self, passage_ids: Sequence[str]) -> list[PassageTags]:
        with pooled(self.pool, self.dsn) as conn:
            rows = conn.execute("SELECT passage_id, themes, measures, mentions FROM passages WHERE passage_id = ANY(%s)", (list(passage_ids),))
            found = {pid: PassageTags(tuple(t), tuple(m), tuple(p)) for pid, t, m, p in rows}
        return [found.get(pid, PassageTags()) for pid in passage_ids]

    def tag_values(self, kind: str) -> dict[str, int]:
        """Counted once per generation (the sidebar asks on every render)."""
        if kind not in self._tag_values:
            column = {"themes": "themes", "measures": "measures", "places": "mentions"}[kind]
            with pooled(self.pool, self.dsn) as conn:
                rows = conn.execute(f"SELECT v, count(*) FROM passages, unnest({column}) v GROUP BY v ORDER BY count(*) DESC, v").fetchall()
            self._tag_values[kind] = {value: count for value, count in rows}
        return self._tag_values[kind]

    def place_parents(self) -> Mapping[str, str]:
        return self._parents

    # -- passages ------------------------------------------------------------------------
    def _select(self, where: str, params: Sequence[Any]) -> list[Passage]:
        with pooled(self.pool, self.dsn) as conn:
            return [_passage(row) for row in conn.execute(f"SELECT {_SELECT_PASSAGE} FROM passages p WHERE {where}", params)]

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        wanted = [int(i) for i in ids]
        with pooled(self.pool, self.dsn) as conn:
            rows = conn.execute(f"SELECT {_SELECT_PASSAGE} FROM passages p WHERE p.row_id = ANY(%s)", (wanted,))
            found = {row[0]: _passage(row) for row in rows}
        return [found[i] for i in wanted]

    def window_vectors(self, ids: Sequence[int]) -> list[np.ndarray]:
        wanted = [int(i) for i in ids]
        found: dict[int, list[np.ndarray]] = {i: [] for i in wanted}
        with pooled(self.pool, self.dsn) as conn:
            for row_id, embedding in conn.execute("SELECT passage_row_id, embedding FROM windows WHERE passage_row_id = ANY(%s) ORDER BY row_id", (wanted,)):
                found[row_id].append(_vector(embedding))
        return [np.vstack(found[i]) if found[i] else np.empty((0, 0), np.float32) for i in wanted]

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self._select("p.doc_id = %s ORDER BY p.ordinal", (doc_id,))

    def all_passages(self) -> Iterator[Passage]:
        with pooled(self.pool, self.dsn) as conn, conn.transaction(), conn.cursor(name="all_passages") as cur:  # streamed
            for row in cur.execute(f"SELECT {_SELECT_PASSAGE} FROM passages p ORDER BY p.doc_id, p.ordinal"):
                yield _passage(row)

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        found = {p.passage_id: p for p in self._select("p.passage_id = ANY(%s)", ([passage.prev_id, passage.next_id],))}
        return found.get(passage.prev_id), found.get(passage.next_id)

    # -- retrieval -----------------------------------------------------------------------
    def candidates(self, request: Retrieval) -> dict[str, Ranked] | None:
        where, params = filter_sql(request.filters, self._parents)
        with pooled(self.pool, self.dsn) as conn:
            if not request.filters.is_empty() and not conn.execute(f"SELECT EXISTS (SELECT 1 FROM passages p WHERE {where})", params).fetchone()[0]:
                return None
            groups = self.terms.term_groups(request.terms, request.weights) if request.lexical else []
            vector = np.asarray(request.vector, dtype=np.float32) if request.dense and request.vector is not None else None
            phrase = phrase_tsquery(self.lexicon, request.phrases)
            parts, args = [], []
            if groups:
                _lexical_cte(groups, self.bm25, where, params, phrase, request.n, parts, args)
            if vector is not None:
                _dense_cte(vector, where, params, phrase, request.n, parts, args)
            lists: dict[str, Ranked] = {name: [] for name, wanted in (("lexical", request.lexical), ("dense", vector is not None)) if wanted}
            if not parts:
                return lists
            with conn.transaction():
                conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                conn.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, request.n * PER_PASSAGE))}")
                rows = conn.execute("WITH " + ", ".join(cte for cte, _ in parts) + " " + " UNION ALL ".join(sel for _, sel in parts), args)
                for name, row_id, score in rows:
                    lists[name].append((row_id, float(score)))
        return {name: sorted(ranked, key=lambda pair: (-pair[1], pair[0])) for name, ranked in lists.items()}


def _lexical_cte(groups: list[TermGroup], bm25: tuple[float, float, float], where: str, params: list[Any], phrase: str, n: int, parts: list, args: list) -> None:
    """The lexical list: BM25 over the stored postings, as the files backend scores it
    (Lucene IDF, tf / (tf + k1 (1 - b + b dl / avgdl)) per query term and its compounds),
    for the passages that hold the rarer query terms."""
    k1, b, avgdl = bm25
    chosen, need = match_plan(groups)
    members = [(gid, term, group.idf) for gid, group in enumerate(groups) for term in group.members]
    phrase_sql = " AND p.tsv @@ to_tsquery('simple', %s)" if phrase else ""
    parts.append(
        (
            "grp AS (SELECT * FROM unnest(%s::int[], %s::text[], %s::float8[]) AS g(gid, term, weight)), "
            "cand AS (SELECT po.passage_row_id AS row_id FROM postings po JOIN grp g ON g.term = po.term WHERE g.gid = ANY(%s::int[]) "
            "GROUP BY po.passage_row_id HAVING count(DISTINCT g.gid) >= %s), "
            "tfs AS (SELECT po.passage_row_id AS row_id, g.gid, max(g.weight) AS weight, sum(po.tf) AS tf FROM postings po "
            "JOIN grp g ON g.term = po.term WHERE po.passage_row_id IN (SELECT row_id FROM cand) GROUP BY po.passage_row_id, g.gid), "
            "lex AS (SELECT t.row_id, sum(t.weight * t.tf / (t.tf + %s * (1 - %s + %s * p.lex_length / %s))) AS score "
            f"FROM tfs t JOIN passages p ON p.row_id = t.row_id WHERE {where}{phrase_sql} GROUP BY t.row_id ORDER BY score DESC, t.row_id LIMIT %s)",
            "SELECT 'lexical', row_id, score FROM lex",
        )
    )
    args += [[m[0] for m in members], [m[1] for m in members], [m[2] for m in members], [groups.index(g) for g in chosen], need]
    args += [k1, b, b, avgdl, *params, *([phrase] if phrase else []), n]


def _dense_cte(vector: np.ndarray, where: str, params: list[Any], phrase: str, n: int, parts: list, args: list) -> None:
    """The dense list: passages by their best sentence window, from HNSW cosine kNN over the
    windows (ten times deeper when a phrase must also match)."""
    narrowed = where != "TRUE" or phrase
    phrase_sql = " AND p.tsv @@ to_tsquery('simple', %s)" if phrase else ""
    allowed = f"w.passage_row_id IN (SELECT p.row_id FROM passages p WHERE {where}{phrase_sql})" if narrowed else "TRUE"
    parts.append(
        (
            "den AS (SELECT x.passage_row_id AS row_id, max(x.score) AS score FROM ("
            f"SELECT w.passage_row_id, 1 - (w.embedding <=> %s) AS score FROM windows w WHERE {allowed} "
            "ORDER BY w.embedding <=> %s LIMIT %s) x GROUP BY x.passage_row_id ORDER BY score DESC, row_id LIMIT %s)",
            "SELECT 'dense', row_id, score FROM den",
        )
    )
    limit = n if not phrase else 10 * n
    args += [vector, *(params if narrowed else []), *([phrase] if phrase else []), vector, limit * PER_PASSAGE, limit]
