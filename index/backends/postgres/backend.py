"""The PostgreSQL + pgvector backend: both retrievers' candidate lists in one SQL statement.

Lexical: `ts_rank` over a `tsvector` built with PostgreSQL's `norwegian`
configuration on æøå-folded text (the same folding as the files backend), with
the query analyzed by our own analyzer (stems; compound heads expanded to the
compounds that contain them; typos corrected against the lexicon), each term
weighted by its BM25 IDF (index/backends/postgres/lexical.py). Dense: an HNSW
cosine index; `hnsw.iterative_scan` keeps filtered kNN returning k rows when k
matching rows exist. The lists go back to the searcher, which fuses them as it
does for the files backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from index.backends.base import Ranked, Retrieval, StoreError
from index.backends.postgres.connection import PostgresError, connect, describe, pool, pooled, read_state
from index.backends.postgres.lexical import TermGroup, TermStats, load_lexicon, match_tsquery, phrase_tsquery
from index.backends.postgres.schema import missing_columns
from index.builder.columns import COLUMN_NAMES, from_row
from index.builder.manifest import Manifest, index_signature
from index.query import Filters
from ingest.records import Document, Passage
from settings import Settings

# ts_rank per query term, normalized by 1 + log(unique words) (flag 16), weighted by
# the term's IDF. Measured on tests/eval against ts_rank_cd and the other flags.
RANK_NORMALIZATION = 16
_SELECT_PASSAGE = "p.row_id, " + ", ".join(f"p.{name}" for name in COLUMN_NAMES)


def _passage(row: tuple) -> Passage:
    return from_row(row[1:])


def filter_sql(filters: Filters) -> tuple[str, list[Any]]:
    """A WHERE clause over the passages' copies of the document fields."""
    clauses, params = [], []
    if filters.doc_ids:
        clauses.append("p.doc_id = ANY(%s)")
        params.append(list(filters.doc_ids))
    if filters.types:
        clauses.append("lower(p.doc_type) = ANY(%s)")
        params.append([t.casefold() for t in filters.types])
    if filters.languages:
        clauses.append("p.language = ANY(%s)")
        params.append(list(filters.languages))
    if filters.places:
        clauses.append("p.places && %s")
        params.append(list(filters.places))
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

    @property
    def name(self) -> str:
        return f"postgres:{self.dsn}:{self.generation}"

    def __len__(self) -> int:
        return self.terms.count

    def close(self) -> None:
        self.pool.close()

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
        where, params = filter_sql(request.filters)
        with pooled(self.pool, self.dsn) as conn:
            if not request.filters.is_empty() and not conn.execute(f"SELECT EXISTS (SELECT 1 FROM passages p WHERE {where})", params).fetchone()[0]:
                return None
            groups = self.terms.term_groups(request.terms) if request.lexical else []
            vector = np.asarray(request.vector, dtype=np.float32) if request.dense and request.vector is not None else None
            phrase = phrase_tsquery(self.lexicon, request.phrases)
            parts, args = [], []
            if groups:
                _lexical_cte(groups, where, params, phrase, request.n, parts, args)
            if vector is not None:
                _dense_cte(vector, where, params, phrase, request.n, parts, args)
            lists: dict[str, Ranked] = {name: [] for name, wanted in (("lexical", request.lexical), ("dense", vector is not None)) if wanted}
            if not parts:
                return lists
            with conn.transaction():
                conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                conn.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, request.n))}")
                rows = conn.execute("WITH " + ", ".join(cte for cte, _ in parts) + " " + " UNION ALL ".join(sel for _, sel in parts), args)
                for name, row_id, score in rows:
                    lists[name].append((row_id, float(score)))
        return {name: sorted(ranked, key=lambda pair: (-pair[1], pair[0])) for name, ranked in lists.items()}


def _lexical_cte(groups: list[TermGroup], where: str, params: list[Any], phrase: str, n: int, parts: list, args: list) -> None:
    """The lexical list: the inner query reads each matching tsvector once (`|| ''` makes an
    in-memory copy; OFFSET 0 keeps it a separate step), since otherwise every ts_rank call
    decompresses the stored value again."""
    score = " + ".join(f"%s * ts_rank(m.v, to_tsquery('simple', %s), {RANK_NORMALIZATION})" for _ in groups)
    phrase_sql = " AND p.tsv @@ to_tsquery('simple', %s)" if phrase else ""
    parts.append(
        (
            f"lex AS (SELECT m.row_id, {score} AS score FROM (SELECT p.row_id, p.tsv || ''::tsvector AS v FROM passages p "
            f"WHERE p.tsv @@ to_tsquery('simple', %s) AND {where}{phrase_sql} OFFSET 0) m ORDER BY score DESC, m.row_id LIMIT %s)",
            "SELECT 'lexical', row_id, score FROM lex",
        )
    )
    args += [value for group in groups for value in (group.idf, group.query)]
    args += [match_tsquery(groups), *params, *([phrase] if phrase else []), n]


def _dense_cte(vector: np.ndarray, where: str, params: list[Any], phrase: str, n: int, parts: list, args: list) -> None:
    """The dense list: HNSW cosine kNN (ten times deeper when a phrase must also match)."""
    phrase_sql = " AND p.tsv @@ to_tsquery('simple', %s)" if phrase else ""
    parts.append(
        (
            f"den AS (SELECT p.row_id, 1 - (p.embedding <=> %s) AS score FROM passages p WHERE {where}{phrase_sql} "
            "ORDER BY p.embedding <=> %s LIMIT %s)",
            "SELECT 'dense', row_id, score FROM den",
        )
    )
    args += [vector, *params, *([phrase] if phrase else []), vector, n if not phrase else 10 * n]
