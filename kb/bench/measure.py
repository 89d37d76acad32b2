"""What every benchmark section shares: child processes, percentiles, tables, search latency."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from rich.console import Console
from rich.table import Table

from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "tests" / "eval" / "queries.jsonl"
MODES = ("hybrid", "lexical", "dense")


def run_child(*args: str, threads: int = 2) -> dict[str, Any]:
    """Run `python -m kb.bench.child ARGS` in a fresh process; return the JSON it printed last."""
    done = subprocess.run(
        [sys.executable, "-m", "kb.bench.child", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": str(threads)},
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def print_table(title: str, columns: list[str], rows: list[list[Any]], console: Console) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column != columns[0] else "left")
    for row in rows:
        table.add_row(*(f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)


def load_query_texts(path: Path) -> list[str]:
    return [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def search_figures(settings: Settings, queries_path: Path, filters_json: str, with_recall: bool = False) -> dict[str, Any]:
    """Open a searcher and time every mode, with and without a filter (run in a fresh process)."""
    from index.query import Filters
    from index.search.searcher import open_searcher

    started = time.perf_counter()
    searcher = open_searcher(settings)
    figures: dict[str, Any] = {"start_s": time.perf_counter() - started, "passages": len(searcher)}
    searcher.warm()
    queries = load_query_texts(queries_path)
    fields = {key: tuple(value) if isinstance(value, list) else value for key, value in json.loads(filters_json).items()}
    for mode in MODES:
        for label, filters in (("none", None), ("filter", Filters(**fields))):
            for query in queries[:5]:
                searcher.search(query, mode=mode, filters=filters)  # warm
            figures[f"{mode}|{label}"] = list(percentiles([searcher.search(q, mode=mode, filters=filters).took_ms for q in queries]))
    memory = psutil.Process().memory_info()  # before an exact scan maps every vector
    figures["rss_mib"] = memory.rss / 2**20
    figures["own_mib"] = (memory.rss - memory.shared) / 2**20  # without the memory-mapped store files the OS can drop
    figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if with_recall:
        figures["recall_at_10"] = dense_recall(searcher, queries)
    return figures


def dense_recall(searcher, queries: list[str], samples: int = 100) -> float:
    """Recall@10 of the files backend's dense index against an exact scan of every vector, ties counted as found."""
    dense = searcher.backend.dense
    vectors = dense.vectors
    probe = [searcher.embedder.embed_query(q) for q in queries]
    rows = np.random.default_rng(1).choice(len(vectors), min(samples, len(vectors)), replace=False)
    probe += [np.asarray(vectors[i], dtype=np.float32) for i in rows]
    queries_matrix = np.stack(probe).astype(np.float32)
    top = np.full((len(probe), 10), -1.0, dtype=np.float32)
    ids = np.zeros((len(probe), 10), dtype=np.int64)
    for start in range(0, len(vectors), 100_000):
        sims = queries_matrix @ np.asarray(vectors[start : start + 100_000], dtype=np.float32).T
        best = np.argpartition(-sims, min(9, sims.shape[1] - 1), axis=1)[:, :10]
        values = np.concatenate([top, np.take_along_axis(sims, best, axis=1)], axis=1)
        rows_so_far = np.concatenate([ids, best + start], axis=1)
        keep = np.argsort(-values, axis=1)[:, :10]
        top, ids = np.take_along_axis(values, keep, axis=1), np.take_along_axis(rows_so_far, keep, axis=1)
    # Tie-aware: a window the approximate search returns counts when it scores as well as the
    # exact tenth (identical texts, e.g. repeated headings, share one vector, so "which of the
    # tied rows" is no error).
    found = []
    for i, q in enumerate(probe):
        returned = [row for row, _ in dense.search(q, 10)]
        exact_scores = np.asarray(vectors[np.sort(returned)], dtype=np.float32) @ q if returned else np.zeros(0)
        found.append(float(np.sum(exact_scores >= top[i, 9] - 1e-6)) / 10)
    return float(np.mean(found))


LATENCY_COLUMNS = ("start s", "RSS MiB (own)", "hybrid p50/p95 ms", "hybrid+filter p50", "lexical p50", "dense p50", "recall@10 vs exact")


def latency_cells(figures: dict[str, Any]) -> list[str]:
    """The LATENCY_COLUMNS of one scale run, from `search_figures` (and its recall)."""
    return [
        f"{figures['start_s']:.2f}",
        f"{figures['rss_mib']:.0f} ({figures.get('own_mib', 0):.0f})",
        "{:.0f} / {:.0f}".format(*figures["hybrid|none"]),
        f"{figures['hybrid|filter'][0]:.0f}",
        f"{figures['lexical|none'][0]:.0f}",
        f"{figures['dense|none'][0]:.0f}",
        f"{figures['recall_at_10']:.3f}",
    ]
