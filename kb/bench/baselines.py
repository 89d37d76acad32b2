"""Baselines for the benchmark, on the same queries and passages as ours:
plain BM25 on lower-cased whitespace tokens (rank-bm25, no Norwegian analysis)
and dense-only search (our embedder and FAISS, no lexical side)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi
from rich.console import Console
from rich.table import Table

from index.search.searcher import Searcher
from ingest.records import Passage
from kb.bench.evaluate import EvalQuery, answerable, first_relevant, load_queries, metrics, shown, squash
from kb.bench.measure import QUERIES, percentiles
from settings import Settings


def _mean(rows: list[dict[str, float]], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows)


SYSTEMS = ("plain BM25 (rank-bm25)", "ours: lexical", "ours: dense only", "ours: hybrid")
Run = tuple[list[dict[str, float]], list[float]]  # per query: metrics, milliseconds


def _run_plain(passages: list[Passage], queries: list[EvalQuery], texts: dict[str, str]) -> tuple[Run, float]:
    """Plain BM25 on lower-cased whitespace tokens; returns its run and its build time."""
    started = time.perf_counter()
    plain = BM25Okapi([p.text.lower().split() for p in passages])
    build_s = time.perf_counter() - started
    ids = [[(p.doc_id, p.passage_id)] for p in passages]
    scores, times = [], []
    for q in queries:
        started = time.perf_counter()
        values = plain.get_scores(q.query.lower().split())
        ranked = [ids[i] for i in np.argsort(-values)[:10] if values[i] > 0]
        times.append((time.perf_counter() - started) * 1000)
        scores.append(metrics(first_relevant(ranked, q.gold, texts)))
    return (scores, times), build_s


def _run_ours(searcher: Searcher, mode: str, queries: list[EvalQuery], texts: dict[str, str]) -> Run:
    scores, times = [], []
    for q in queries:
        result = searcher.search(q.query, k=10, mode=mode)
        times.append(result.took_ms)
        scores.append(metrics(first_relevant(shown(result), q.gold, texts)))
    return scores, times


def bench_baselines(settings: Settings, state: dict[str, Any], console: Console) -> None:
    searcher: Searcher = state["searcher"]
    queries = answerable(load_queries(QUERIES), searcher.documents)
    passages = list(searcher.all_passages())
    texts = {p.passage_id: squash(p.text) for p in passages}
    plain, build_s = _run_plain(passages, queries, texts)
    runs = {SYSTEMS[0]: plain}
    for name in SYSTEMS[1:]:
        runs[name] = _run_ours(searcher, name.split(": ")[1].split()[0], queries, texts)
    table = Table(
        title=f"Baselines on the evaluation set ({len(queries)} queries; plain BM25 index built in {build_s:.1f} s)", title_justify="left"
    )
    for column in ("system", "R@1", "R@10", "MRR@10", "p50 ms", "hybrid p50 / this p50"):
        table.add_column(column, justify="left" if column == "system" else "right")
    hybrid_p50 = percentiles(runs["ours: hybrid"][1])[0]
    for name, (scores, times) in runs.items():
        p50 = percentiles(times)[0]
        table.add_row(
            name,
            f"{_mean(scores, 'R@1'):.3f}",
            f"{_mean(scores, 'R@10'):.3f}",
            f"{_mean(scores, 'MRR@10'):.3f}",
            f"{p50:.1f}",
            f"{hybrid_p50 / p50:.1f}x",
        )
    console.print(table)
