"""Hybrid search with the cross-encoder beside plain hybrid, in one run (issue 20's budget:
p50 ≤ 150 ms, p95 ≤ 300 ms on 2 cores, bundled corpus)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from kb.bench.measure import percentiles, print_table
from settings import Settings

SHIPPED = Path(__file__).resolve().parents[2] / "index" / "models" / "reranker"


def bench_rerank(settings: Settings, queries: list[str], console: Console, model: Path | None = None) -> dict[str, float]:
    """p50/p95 of plain hybrid and hybrid + rerank over `queries`, and the model's load time."""
    import time

    from index.search.searcher import open_searcher

    model = model or settings.rerank.model or SHIPPED
    if not model.exists():
        console.print(f"no reranker at {model}: skipped")
        return {}
    rows, figures = [], {}
    for label, chosen in (("hybrid", settings.rerank.model_copy(update={"model": None})), ("hybrid + rerank", settings.rerank.model_copy(update={"model": model}))):
        searcher = open_searcher(settings.model_copy(update={"rerank": chosen}))
        searcher.warm()
        started = time.perf_counter()
        searcher.reranker.wait()
        loaded = time.perf_counter() - started
        for query in queries[:5]:
            searcher.search(query, mode="hybrid")
        samples = [searcher.search(q, mode="hybrid").took_ms for q in queries]
        p50, p95 = percentiles(samples)
        figures[f"{label} p50"], figures[f"{label} p95"] = p50, p95
        rows.append([label, f"{p50:.0f}", f"{p95:.0f}", f"{loaded:.1f} s" if chosen.model else ""])
        searcher.close()
    print_table(f"Reranking, warm, {len(queries)} queries (ms; {settings.rerank.candidates} candidates)", ["search", "p50", "p95", "model load"], rows, console)
    return figures
