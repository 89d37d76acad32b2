"""PostgreSQL backend figures beside the files backend: `python -m index bench --backends files postgres`.

Two measurements, each on a throwaway local server (index/backends/postgres/local.py) unless
`--dsn` names one:
  corpus  the bundled corpus ingested through the real sink (embeddings from the
          cache the files build filled), re-ingest of the unchanged corpus, then
          search latency per mode with and without a filter, database size;
  scale   the synthetic passages of kb/bench/synthetic.py (same text, vectors, metadata
          as the files backend's scale run) loaded through the same sink: load
          time, HNSW build time, latency, recall@10 of the HNSW index against an
          exact scan, database size. Measured in subprocesses so each figure is
          its own process's.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from index.builder.windows import PER_PASSAGE
from kb.bench.measure import LATENCY_COLUMNS, QUERIES, ROOT, latency_cells, run_child
from kb.bench.scale import write_settings
from kb.bench.synthetic import generate
from settings import Settings

# The benchmark server's memory settings (a deployment tunes its own).
INDEX_BUILD_MEMORY = "3GB"
SERVER_CONF = {"shared_buffers": "2GB", "maintenance_work_mem": "2GB", "effective_cache_size": "8GB", "max_wal_size": "8GB"}


@contextmanager
def database(dsn: str | None, name: str, dim: int) -> Iterator[str]:
    """A fresh, migrated database: on the given server, or on a throwaway local one."""
    from index.backends.postgres.local import PgServer
    from index.backends.postgres.schema import migrate

    server, folder = None, None
    if dsn is None:
        folder = Path(tempfile.mkdtemp(prefix="kb-bench-pg-"))
        folder.chmod(0o755)
        server = PgServer.create(folder / "data", SERVER_CONF)
        dsn = server.dsn()
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        target = psycopg.conninfo.make_conninfo(dsn, dbname=name)
        with psycopg.connect(target, autocommit=True) as conn:
            migrate(conn, dim)
        yield target
    finally:
        if server is not None:
            server.stop("immediate")
            shutil.rmtree(folder, ignore_errors=True)


def embedder_dim(settings: Settings) -> int:
    from index.builder.embed import make_embedder

    return make_embedder(settings.embedder).dim


def on_postgres(settings: Settings, dsn: str) -> Settings:
    # A million 384-d vectors and their HNSW graph need about 2 GB to build in memory.
    store = settings.store.model_copy(update={"backend": "postgres", "dsn": dsn, "index_build_memory": INDEX_BUILD_MEMORY})
    return settings.model_copy(update={"store": store})


def database_mib(dsn: str) -> float:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20


# -- the bundled corpus --------------------------------------------------------------------

CORPUS_FILTER = json.dumps({"languages": ["nb"], "year_from": 2015})
SCALE_FILTER = json.dumps({"types": ["rapport"], "year_from": 2015})


def bench_corpus(settings: Settings, dsn: str | None, console: Console) -> dict[str, Any]:
    """Ingest the bundled corpus into PostgreSQL, re-ingest it unchanged, time searches."""
    work = Path(tempfile.mkdtemp(prefix="pg-corpus-", dir=ROOT / "var"))
    try:
        with database(dsn, "kb_bench_corpus", embedder_dim(settings)) as target:
            config = write_settings(on_postgres(settings, target), work / "config.yaml")
            first = run_child("ingest", "--config", str(config))
            again = run_child("ingest", "--config", str(config))
            figures = run_child("latency", "--config", str(config), "--queries", str(QUERIES), "--filters", CORPUS_FILTER)
            figures.update(ingest_s=first["seconds"], reingest_s=again["seconds"], database_mib=database_mib(target))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = Table(title="PostgreSQL backend, bundled corpus (ms, warm)", title_justify="left")
    for column in ("measure", "figure"):
        table.add_column(column)
    table.add_row("passages", str(figures["passages"]))
    table.add_row("first ingest (embeddings cached)", f"{figures['ingest_s']:.1f} s")
    table.add_row("re-ingest, unchanged", f"{figures['reingest_s']:.1f} s")
    table.add_row("searcher start", f"{figures['start_s']:.2f} s")
    for mode in ("hybrid", "lexical", "dense"):
        for label in ("none", "filter"):
            p50, p95 = figures[f"{mode}|{label}"]
            table.add_row(f"{mode}, {'no filter' if label == 'none' else 'lang=nb, year>=2015'} p50 / p95", f"{p50:.1f} / {p95:.1f} ms")
    table.add_row("app process RSS", f"{figures['rss_mib']:.0f} MiB")
    table.add_row("database size", f"{figures['database_mib']:.1f} MiB")
    console.print(table)
    return figures


# -- scale ----------------------------------------------------------------------------------

def load_synthetic(settings: Settings, version: Path) -> dict[str, float]:
    """Write a synthetic store version's documents through the postgres sink; time the parts."""
    from index.builder.table import PassageTable
    from ingest.records import CorpusInfo, Document
    from kb.sinks import PgSink

    documents = [Document.from_dict(d) for d in json.loads((version / "documents.json").read_text(encoding="utf-8"))]
    table = PassageTable(version)
    sink = PgSink(settings)
    started = time.perf_counter()
    with sink.lock():
        for document in documents:
            text = (version / "texts" / f"{document.doc_id}.txt").read_text(encoding="utf-8")
            sink.put(document, text, table.document(document.doc_id))
        loaded = time.perf_counter()
        passages = sum(d.passages for d in documents)
        sink.finish(documents, CorpusInfo("synthetic", "synthetic", 0, {}, "synthetic", {}, len(documents), passages, 0))
    finished = time.perf_counter()
    return {"load_s": loaded - started, "index_s": finished - loaded, "deferred_index": sink.deferred}


def hnsw_recall(settings: Settings, queries_path: str, probes: int = 32) -> float:
    """Recall@10 of the windows' HNSW index (as the searcher sets it) against an exact scan."""
    import numpy as np
    from pgvector.psycopg import register_vector

    from index.builder.embed import make_embedder

    embedder = make_embedder(settings.embedder)
    queries = [json.loads(line)["query"] for line in open(queries_path, encoding="utf-8") if line.strip()]
    vectors = [embedder.embed_query(q) for q in queries]
    with psycopg.connect(settings.store.postgres_dsn) as conn:
        register_vector(conn)
        rows = conn.execute("SELECT embedding FROM windows TABLESAMPLE SYSTEM (1) REPEATABLE (1) LIMIT %s", (probes,)).fetchall()
        vectors += [np.asarray(r[0].to_numpy() if hasattr(r[0], "to_numpy") else r[0], dtype=np.float32) for r in rows]
        recall = []
        for vector in vectors:
            nearest = "SELECT row_id FROM windows ORDER BY embedding <=> %s LIMIT 10"
            with conn.transaction():
                conn.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, settings.search.candidates * PER_PASSAGE))}")
                approximate = {r[0] for r in conn.execute(nearest, (vector,))}
            with conn.transaction():
                conn.execute("SET LOCAL enable_indexscan = off")
                exact = {r[0] for r in conn.execute(nearest, (vector,))}
            recall.append(len(approximate & exact) / 10)
    return float(np.mean(recall))


def measure_scale(settings: Settings, n: int, dsn: str | None) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"pg-scale-{n}-", dir=ROOT / "var"))
    try:
        started = time.perf_counter()
        synthetic = generate(settings, work, n)
        generate_s = time.perf_counter() - started
        with database(dsn, "kb_bench_scale", embedder_dim(settings)) as target:
            config = write_settings(on_postgres(synthetic, target), work / "config.yaml")
            version = work / "store" / "versions" / "v000001"
            built = run_child("load", "--config", str(config), "--version", str(version))
            figures = run_child("latency", "--config", str(config), "--queries", str(QUERIES), "--filters", SCALE_FILTER)
            figures.update(run_child("recall", "--config", str(config), "--queries", str(QUERIES)))
            figures.update(built, n=n, generate_s=generate_s, database_mib=database_mib(target))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def print_scale(results: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="PostgreSQL backend at scale (synthetic passages as in the files backend's scale run)", title_justify="left")
    for column in ("passages", "load s", "HNSW build s", *LATENCY_COLUMNS, "database MiB"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(f"{r['n']:,}", f"{r['load_s']:.0f}", f"{r['index_s']:.0f}", *latency_cells(r), f"{r['database_mib']:.0f}")
    console.print(table)


def run_pg_bench(settings: Settings, sizes: list[int], dsn: str | None, console: Console) -> list[dict[str, Any]]:
    results = [{"corpus": bench_corpus(settings, dsn, console)}]
    for n in sizes:
        results.append(measure_scale(settings, n, dsn))
        print_scale(results[-1:], console)
    return results
