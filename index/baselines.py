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

from index.bench import ROOT, _percentiles
from index.evaluate import _squash, first_relevant, load_queries, metrics
from index.search import Searcher
from settings import Settings


def _mean(rows: list[dict[str, float]], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows)


def bench_baselines(settings: Settings, state: dict[str, Any], console: Console) -> None:
    searcher: Searcher = state["searcher"]
    queries = load_queries(ROOT / "tests" / "eval" / "queries.jsonl")
    passages = list(searcher.all_passages())
    texts = {p.passage_id: _squash(p.text) for p in passages}
    ids = [[(p.doc_id, p.passage_id)] for p in passages]
    started = time.perf_counter()
    plain = BM25Okapi([p.text.lower().split() for p in passages])
    build_s = time.perf_counter() - started
    runs: dict[str, tuple[list[dict[str, float]], list[float]]] = {}
    for name in ("plain BM25 (rank-bm25)", "ours: lexical", "ours: dense only", "ours: hybrid"):
        scores, times = [], []
        for q in queries:
            started = time.perf_counter()
            if name.startswith("plain"):
                values = plain.get_scores(q.query.lower().split())
                top = np.argsort(-values)[:10]
                ranked = [ids[i] for i in top if values[i] > 0]
                times.append((time.perf_counter() - started) * 1000)
                rank = first_relevant(ranked, q.gold, texts)
            else:
                mode = name.split(": ")[1].split()[0]
                result = searcher.search(q.query, k=10, mode=mode)
                times.append(result.took_ms)
                rank = first_relevant(
                    [[(h.passage.doc_id, h.passage.passage_id)] + [(s["doc_id"], s["passage_id"]) for s in h.sources] for h in result.hits],
                    q.gold,
                    texts,
                )
            scores.append(metrics(rank))
        runs[name] = (scores, times)
    table = Table(
        title=f"Baselines on the evaluation set ({len(queries)} queries; plain BM25 index built in {build_s:.1f} s)", title_justify="left"
    )
    for column in ("system", "R@1", "R@10", "MRR@10", "p50 ms", "hybrid p50 / this p50"):
        table.add_column(column, justify="left" if column == "system" else "right")
    hybrid_p50 = _percentiles(runs["ours: hybrid"][1])[0]
    for name, (scores, times) in runs.items():
        p50 = _percentiles(times)[0]
        table.add_row(
            name,
            f"{_mean(scores, 'R@1'):.3f}",
            f"{_mean(scores, 'R@10'):.3f}",
            f"{_mean(scores, 'MRR@10'):.3f}",
            f"{p50:.1f}",
            f"{hybrid_p50 / p50:.1f}x",
        )
    console.print(table)
