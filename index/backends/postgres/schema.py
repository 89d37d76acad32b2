"""PostgreSQL schema for the knowledge base, created and upgraded by `python -m index migrate`.

Migrations are numbered SQL scripts applied in order inside one transaction
each; `kb_schema` records the applied version. `{dim}` is the embedder's
dimension, fixed when the schema is created (the HNSW index needs it). The
passage columns come from their one declaration (index/builder/columns.py); a
test checks that a migrated database has exactly those columns, so a new
`Passage` field needs a migration that adds its column.
"""

from __future__ import annotations

import psycopg

from index.builder.columns import COLUMN_NAMES, column_ddl

# The HNSW index over the sentence windows' vectors. A first load into an empty
# table drops it and builds it once at the end (index/backends/postgres/store.py):
# much faster than inserting a million vectors into the graph one at a time.
VECTOR_INDEX = "windows_embedding"
VECTOR_INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {VECTOR_INDEX} ON windows USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)
# Migration 1 indexed one vector per passage; kept as it was for databases created then.
_PASSAGE_VECTOR_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS passages_embedding ON passages USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)

MIGRATIONS: list[str] = [
    # 1: documents, passages with their vector and text search columns, lexicon, state
    r"""
    CREATE EXTENSION IF NOT EXISTS vector;

    -- The same æ/ø/å folding as the files backend's analysis (index/analysis.py),
    -- so the OCR'd report's "omradesatsing" meets "områdesatsing".
    CREATE FUNCTION kb_fold(t text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        RETURN replace(translate(lower(t), 'åøäöéèêòóüá', 'aoaoeeeooua'), 'æ', 'ae');

    -- What the text search indexes: the section path and the text, folded, with
    -- the norwegian configuration (Snowball stemming and stopwords). A hyphenated
    -- word also gives its parts and the joined form ("nav-kontor" -> "nav kontor
    -- navkontor"), as the files backend's analysis does. Declared immutable for the
    -- generated column; array_to_string on text[] is.
    CREATE FUNCTION kb_tsvector(section text[], body text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN to_tsvector('norwegian'::regconfig, regexp_replace(
            kb_fold(array_to_string(section, ' ') || ' ' || body), '(\w+)-(\w+)', '\1 \2 \1\2', 'g'));

    CREATE TABLE documents (
        doc_id text PRIMARY KEY,
        file text UNIQUE NOT NULL,
        meta jsonb NOT NULL,
        sha256 text NOT NULL,
        size bigint NOT NULL,
        mtime_ns bigint NOT NULL,
        parse_key text NOT NULL
    );

    CREATE TABLE passages (
        row_id bigserial PRIMARY KEY,
        {passage_columns},
        year integer, doc_type text, places text[] NOT NULL DEFAULT '{{}}',  -- copied from the document, for filters
        embedding vector({dim}) NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (kb_tsvector(section, text)) STORED,
        UNIQUE (passage_id),
        FOREIGN KEY (doc_id) REFERENCES documents (doc_id) ON DELETE CASCADE
    );
    {vector_index};
    CREATE INDEX passages_tsv ON passages USING gin (tsv);
    CREATE INDEX passages_doc ON passages (doc_id, ordinal);
    CREATE INDEX passages_year ON passages (year);
    CREATE INDEX passages_type ON passages (lower(doc_type));
    CREATE INDEX passages_language ON passages (language);
    CREATE INDEX passages_places ON passages USING gin (places);

    -- Written forms of every analyzed term, counted over all passages: the
    -- vocabulary for typo correction, compounds and æøå restoration.
    CREATE TABLE lexicon (
        term text NOT NULL,
        form text NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (term, form)
    );
    -- In how many passages each term occurs: the IDF that weights query terms.
    CREATE TABLE term_docs (term text PRIMARY KEY, docs bigint NOT NULL);

    CREATE TABLE kb_state (key text PRIMARY KEY, value jsonb NOT NULL);
    INSERT INTO kb_state VALUES ('generation', '0');
    """,
    # 2: the dense index holds sentence windows, several per passage (index/builder/represent.py);
    # the lexical side scores BM25 over stored postings; the term space for English queries.
    # The next ingest writes every document again (the manifest's index_version changed).
    r"""
    CREATE TABLE windows (
        row_id bigserial PRIMARY KEY,
        passage_row_id bigint NOT NULL REFERENCES passages (row_id) ON DELETE CASCADE,
        embedding vector({dim}) NOT NULL
    );
    CREATE INDEX windows_passage ON windows (passage_row_id);
    {vector_index};
    -- The vocabulary in the embedder's space, for translating English queries (index/builder/termspace.py),
    -- and the English reference words (english = true).
    CREATE TABLE term_space (
        term text NOT NULL, english boolean NOT NULL, embedding vector({dim}) NOT NULL, hubness real NOT NULL,
        PRIMARY KEY (english, term)
    );
    DROP INDEX IF EXISTS passages_embedding;
    ALTER TABLE passages DROP COLUMN embedding;

    -- BM25 as the files backend scores it: each passage's analyzed terms with their
    -- counts, and its length in terms (index/backends/postgres/lexical.py).
    ALTER TABLE passages ADD COLUMN lex_length integer NOT NULL DEFAULT 0;
    CREATE TABLE postings (
        term text NOT NULL,
        passage_row_id bigint NOT NULL REFERENCES passages (row_id) ON DELETE CASCADE,
        tf real NOT NULL,
        PRIMARY KEY (term, passage_row_id)
    );
    CREATE INDEX postings_passage ON postings (passage_row_id);
    """,
    # 3: passage tags (index/tags): themes, named measures and the places a passage names,
    # written for every passage at the end of an ingest; places' parents are in kb_state.
    r"""
    ALTER TABLE passages ADD COLUMN themes text[] NOT NULL DEFAULT '{{}}';
    ALTER TABLE passages ADD COLUMN measures text[] NOT NULL DEFAULT '{{}}';
    ALTER TABLE passages ADD COLUMN mentions text[] NOT NULL DEFAULT '{{}}';
    CREATE INDEX passages_themes ON passages USING gin (themes);
    CREATE INDEX passages_measures ON passages USING gin (measures);
    CREATE INDEX passages_mentions ON passages USING gin (mentions);
    """,
]

LATEST = len(MIGRATIONS)


def current_version(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass('kb_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM kb_schema").fetchone()
    return row[0] or 0


def migrate(conn: psycopg.Connection, dim: int) -> tuple[int, int]:
    """Apply the missing migrations; return (version before, version after)."""
    with conn.transaction():
        conn.execute("CREATE TABLE IF NOT EXISTS kb_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute("SELECT pg_advisory_xact_lock(7431)")  # two migrations at once wait for each other
        before = current_version(conn)
        for number in range(before + 1, LATEST + 1):
            index_sql = _PASSAGE_VECTOR_INDEX_SQL if number == 1 else VECTOR_INDEX_SQL
            conn.execute(MIGRATIONS[number - 1].format(dim=int(dim), vector_index=index_sql, passage_columns=column_ddl("postgres")))
            conn.execute("INSERT INTO kb_schema (version) VALUES (%s)", (number,))
    return before, LATEST


def missing_columns(conn: psycopg.Connection) -> list[str]:
    """Declared passage columns that the database's `passages` table lacks (empty when they match)."""
    rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'passages'").fetchall()
    present = {name for (name,) in rows}
    return [name for name in COLUMN_NAMES if name not in present]
