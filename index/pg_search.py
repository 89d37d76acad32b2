"""Hybrid search on PostgreSQL + pgvector, in one SQL statement per query.

Lexical: `ts_rank` over a `tsvector` built with PostgreSQL's `norwegian`
configuration on æøå-folded text (the same folding as the files backend), with
the query analyzed by our own analyzer (stems; compound heads expanded to the
compounds that contain them; typos corrected against the lexicon). PostgreSQL
ranks without IDF, so each query term is ranked on its own and weighted by its
BM25 IDF (from a table of per-term passage counts kept by the ingest). Dense: an
HNSW cosine index; `hnsw.iterative_scan` keeps filtered kNN returning k rows
when k matching rows exist. Both ranked lists are fused inside the statement
the same way as the files backend (min-max weighted sum or reciprocal rank).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool, PoolTimeout

from index.analysis import compound_map
from index.build import index_signature
from index.embed import Embedder
from index.lexical import Lexicon, ParsedQuery
from index.pg_store import PostgresError, connect, describe
from index.search import BaseSearcher, Candidate, Filters, Mode
from index.store import StoreError
from ingest.records import Passage
from settings import Settings

# ts_rank per query term, normalized by 1 + log(unique words) (flag 16), weighted by
# the term's IDF. Measured on tests/eval against ts_rank_cd and the other flags.
RANK_NORMALIZATION = 16
MAX_EXPANSIONS = 10  # compounds added per query term ("satsing" -> "omradesatsing", …)
MATCH_BUDGET = 10_000  # passages the lexical statement may rank (see PgSearcher.match_tsquery)
_SAFE_TERM = re.compile(r"^[a-z0-9]+$")
_SELECT_PASSAGE = (
    "p.passage_id, p.doc_id, p.ordinal, p.text, p.start_offset, p.end_offset, p.section, p.language, p.page_start, "
    "p.page_end, p.page_label_start, p.page_label_end, p.prev_id, p.next_id, p.is_note"
)


@dataclass(frozen=True)
class TermGroup:
    query: str  # tsquery: the term | the compounds that contain it
    idf: float
    rows: int  # passages that contain a member (at most; the sum over members)


def _passage(row: tuple) -> Passage:
    return Passage(
        row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6]), row[7], row[8], row[9], row[10], row[11], row[12], row[13], row[14]
    )


def _filter_sql(filters: Filters) -> tuple[str, list[Any]]:
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


class PgSearcher(BaseSearcher):
    """The postgres backend: same queries, hits and JSON as the files backend."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, dsn: str | None = None):
        self.settings = settings
        self.dsn = dsn or settings.store.postgres_dsn
        self._embedder = embedder
        with connect(self.dsn) as conn:
            self._load(conn, settings)
        # Streamlit serves sessions from many threads: each query borrows a connection.
        self.pool = ConnectionPool(
            self.dsn,
            min_size=0,
            max_size=settings.store.pool_size,
            kwargs={"autocommit": True, "connect_timeout": 10},
            configure=register_vector,
            max_idle=60,
            open=True,
        )

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; a server that stops answering becomes one clear message."""
        try:
            with self.pool.connection(timeout=15) as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise PostgresError(f"PostgreSQL ({describe(self.dsn)}) is not answering: {str(exc).strip().splitlines()[0]}") from None

    def _load(self, conn: psycopg.Connection, settings: Settings) -> None:
        """The knowledge base's state, documents and lexicon, read once per generation."""
        manifest = _state(conn, "manifest")
        if not manifest:
            raise StoreError(f"{self.dsn.split('@')[-1]}: the database holds no knowledge base yet; run `python -m ingest`")
        wanted = index_signature(settings)["embedder"]
        if manifest.get("index", {}).get("embedder") != wanted:
            raise StoreError(
                f"the database was built with embedder '{manifest.get('index', {}).get('embedder')}', but the config asks for '{wanted}'; "
                "run `python -m ingest` to rebuild it"
            )
        self.generation = int(_state(conn, "generation") or 0)
        self.documents = {meta["doc_id"]: meta for (meta,) in conn.execute("SELECT meta FROM documents")}
        self.lexical = self._lexicon(conn)
        self._count = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        self._docs = dict(conn.execute("SELECT term, docs FROM term_docs").fetchall())

    def _lexicon(self, conn: psycopg.Connection) -> Lexicon:
        counts: dict[str, int] = defaultdict(int)
        best: dict[str, tuple[int, str]] = {}
        for term, form, count in conn.execute("SELECT term, form, count FROM lexicon"):
            counts[term] += count
            if count > best.get(term, (0, ""))[0]:
                best[term] = (count, form)
        lexicon = Lexicon(counts, {}, {term: form for term, (_, form) in best.items()})
        compounds = compound_map(counts, lexicon.analyzer.stemmer.stemWord)
        lexicon.analyzer.compounds = compounds
        self._containing: dict[str, list[str]] = defaultdict(list)
        for compound, parts in sorted(compounds.items(), key=lambda item: -counts[item[0]]):
            for part in parts:
                if len(self._containing[part]) < MAX_EXPANSIONS:
                    self._containing[part].append(compound)
        return lexicon

    @property
    def name(self) -> str:
        return f"postgres:{self.dsn}:{self.generation}"

    def __len__(self) -> int:
        return self._count

    def passages_of(self, doc_id: str) -> list[Passage]:
        with self.connection() as conn:
            rows = conn.execute(f"SELECT {_SELECT_PASSAGE} FROM passages p WHERE p.doc_id = %s ORDER BY p.ordinal", (doc_id,))
            return [_passage(r) for r in rows]

    def all_passages(self) -> Iterator[Passage]:
        with self.connection() as conn, conn.transaction(), conn.cursor(name="all_passages") as cur:  # streamed, not all in memory
            for row in cur.execute(f"SELECT {_SELECT_PASSAGE} FROM passages p ORDER BY p.doc_id, p.ordinal"):
                yield _passage(row)

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        with self.connection() as conn:
            found = conn.execute(
                f"SELECT {_SELECT_PASSAGE} FROM passages p WHERE p.passage_id = ANY(%s)", ([passage.prev_id, passage.next_id],)
            )
            rows = {r[0]: _passage(r) for r in found}
        return rows.get(passage.prev_id), rows.get(passage.next_id)

    # -- retrieval -----------------------------------------------------------------------
    def idf(self, term: str) -> float:
        """BM25's (Lucene) inverse document frequency of a term among the passages."""
        df = min(self._docs.get(term) or sum(self._docs.get(c, 0) for c in self._containing.get(term, ())), self._count)
        return float(np.log(1 + (self._count - df + 0.5) / (df + 0.5)))

    def term_groups(self, terms: list[str]) -> list[TermGroup]:
        """Per query term: a tsquery of it and the compounds that contain it, its IDF and row count.

        PostgreSQL ranks without IDF, so each group is ranked on its own
        (`ts_rank`) and weighted by the term's IDF: rare words count more, as in BM25.
        """
        groups = []
        for term in dict.fromkeys(terms):
            members = [t for t in dict.fromkeys([term, *self._containing.get(term, ())]) if _SAFE_TERM.match(t) and (t in self._docs)]
            if members:
                rows = min(self._count, sum(self._docs[m] for m in members))
                groups.append(TermGroup(" | ".join(members), self.idf(term), rows))
        return groups

    @staticmethod
    def match_tsquery(groups: list[TermGroup]) -> str:
        """What a passage must match to be ranked: the rarest groups, within MATCH_BUDGET rows.

        PostgreSQL has no top-k text index: `ts_rank` scores every row that matches,
        so a query of common words would rank most of the table (measured: 0.5 s at
        100,000 passages, growing with the table). A row that matches only the
        common words would score low anyway (their IDF is low); the score still
        counts every group. The rarest group always takes part; when even it is
        over the budget, passages need two of the four rarest words.
        """
        ordered = sorted(groups, key=lambda g: g.rows)
        if ordered[0].rows > MATCH_BUDGET and len(ordered) > 1:
            # Even the rarest word is common: rank the passages with two of the rarest words.
            rarest = ordered[:4]
            return " | ".join(f"({a.query}) & ({b.query})" for a, b in itertools.combinations(rarest, 2))
        chosen, rows = [], 0
        for group in ordered:
            if chosen and rows + group.rows > MATCH_BUDGET:
                break
            chosen.append(group.query)
            rows += group.rows
        return " | ".join(chosen)

    def phrase_tsquery(self, phrases: tuple[str, ...]) -> str:
        parts = []
        for phrase in phrases:
            terms = [t for t in self.lexical.analyzer.terms(phrase) if _SAFE_TERM.match(t)]
            if terms:
                parts.append("(" + " <-> ".join(terms) + ")")
        return " & ".join(parts)

    def retrieve(self, query: ParsedQuery, mode: Mode, filters: Filters, n: int, terms: list[str], k: int) -> list[Candidate] | None:
        where, params = _filter_sql(filters)
        if not filters.is_empty():
            with self.connection() as conn:
                if not conn.execute(f"SELECT EXISTS (SELECT 1 FROM passages p WHERE {where})", params).fetchone()[0]:
                    return None
        lexical = mode in ("hybrid", "lexical")
        dense = mode in ("hybrid", "dense")
        groups = self.term_groups(terms) if lexical else []
        phrase = self.phrase_tsquery(query.phrases)
        vector = None
        if dense:
            vector = np.asarray(
                self.embedder.embed_query(self.lexical.dense_query(query.text or " ".join(query.phrases))), dtype=np.float32
            )
        rows = self._run(where, params, groups if lexical else None, vector, phrase, n, 4 * k)
        candidates = []
        for row in rows:
            passage = _passage(row[3:])
            if query.phrases and not self.has_phrases(passage.text, query.phrases):
                continue
            scores = {}
            if lexical:
                scores["lexical"] = row[1]
            if dense:
                scores["dense"] = row[2]
            candidates.append(Candidate(passage, float(row[0]), scores))
        return candidates

    def _run(
        self,
        where: str,
        params: list[Any],
        groups: list[TermGroup] | None,
        vector: np.ndarray | None,
        phrase: str,
        n: int,
        limit: int,
    ) -> list[tuple]:
        cfg = self.settings.search
        phrase_sql = " AND p.tsv @@ to_tsquery('simple', %s)" if phrase else ""
        parts, args = [], []
        lexical_cte = dense_cte = None
        if groups:
            # The inner query reads each matching tsvector once (`|| ''` makes an in-memory
            # copy; OFFSET 0 keeps it a separate step): otherwise every ts_rank call
            # decompresses the stored value again.
            score = " + ".join(f"%s * ts_rank(m.v, to_tsquery('simple', %s), {RANK_NORMALIZATION})" for _ in groups)
            lexical_cte = (
                f"lex AS (SELECT m.row_id, {score} AS score FROM (SELECT p.row_id, p.tsv || ''::tsvector AS v FROM passages p "
                f"WHERE p.tsv @@ to_tsquery('simple', %s) AND {where}{phrase_sql} OFFSET 0) m ORDER BY score DESC, m.row_id LIMIT %s)"
            )
            parts.append(lexical_cte)
            args += [value for group in groups for value in (group.idf, group.query)]
            args += [self.match_tsquery(groups), *params, *([phrase] if phrase else []), n]
        if vector is not None:
            dense_cte = (
                f"den AS (SELECT p.row_id, 1 - (p.embedding <=> %s) AS score FROM passages p WHERE {where}{phrase_sql} "
                "ORDER BY p.embedding <=> %s LIMIT %s)"
            )
            parts.append(dense_cte)
            args += [vector, *params, *([phrase] if phrase else []), vector, n if not phrase else 10 * n]
        if groups is None and vector is None:
            return []
        if not parts:  # lexical only, but no usable terms
            return []
        lists = [name for name, cte in (("lex", lexical_cte), ("den", dense_cte)) if cte]
        normalized = [
            f"{name}n AS (SELECT row_id, score, row_number() OVER (ORDER BY score DESC, row_id) AS rank, "
            f"CASE WHEN max(score) OVER () = min(score) OVER () THEN 1.0 "
            f"ELSE (score - min(score) OVER ()) / (max(score) OVER () - min(score) OVER ()) END AS norm FROM {name})"
            for name in lists
        ]
        weights = {"lex": cfg.lexical_weight, "den": cfg.dense_weight}
        if cfg.fusion == "rrf":
            terms = [f"coalesce({weights[name]} / ({cfg.rrf_k} + {name}n.rank), 0)" for name in lists]
        else:
            terms = [f"coalesce({weights[name]} * {name}n.norm, 0)" for name in lists]
        if len(lists) == 1:  # one retriever: its own score, as the files backend returns
            fused_score = f"{lists[0]}n.score"
            joined = f"{lists[0]}n"
        else:
            fused_score = " + ".join(terms)
            joined = "lexn FULL OUTER JOIN denn USING (row_id)"
        lex_score = "lexn.score" if "lex" in lists else "NULL::float8"
        den_score = "denn.score" if "den" in lists else "NULL::float8"
        sql = (
            "WITH " + ", ".join(parts + normalized) + ", fused AS ("
            f"SELECT row_id, {fused_score} AS score, {lex_score} AS lexical, {den_score} AS dense FROM {joined}) "
            f"SELECT f.score, f.lexical, f.dense, {_SELECT_PASSAGE} FROM fused f JOIN passages p USING (row_id) "
            "ORDER BY f.score DESC, f.lexical DESC NULLS LAST, f.dense DESC NULLS LAST, f.row_id LIMIT %s"
        )
        args.append(limit)
        with self.connection() as conn, conn.transaction():
            conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            conn.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, n))}")
            return conn.execute(sql, args).fetchall()


def _state(conn: psycopg.Connection, key: str) -> Any:
    row = conn.execute("SELECT value FROM kb_state WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


def open_searcher(settings: Settings, embedder: Embedder | None = None) -> BaseSearcher:
    """The searcher for the configured backend."""
    if settings.store.backend == "postgres":
        try:
            return PgSearcher(settings, embedder)
        except ValueError as exc:
            raise PostgresError(str(exc)) from exc
    from index.search import Searcher

    return Searcher(settings, embedder=embedder)
