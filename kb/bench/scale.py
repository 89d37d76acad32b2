"""Scale benchmark: stores of 100,000 and 1,000,000 synthetic passages (kb/bench/synthetic.py).

The store is built by the real index builder (in a child process, so its time
and peak memory are its own); the searcher is then measured in another child
process: start time, query latency per mode, resident memory, and recall@10 of
the dense index against exact search.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from index.backends.files.store import CURRENT, FORMAT, write_json
from index.builder.manifest import IndexInfo, Manifest
from ingest.records import CorpusInfo
from kb.bench.measure import LATENCY_COLUMNS, QUERIES, ROOT, latency_cells, run_child
from kb.bench.synthetic import generate
from settings import Settings

SCALE_FILTER = json.dumps({"types": ["rapport"], "year_from": 2015})


def write_settings(settings: Settings, path: Path) -> Path:
    """A config file that loads back as `settings` (for the benchmark's child processes)."""
    import yaml

    data = {
        "corpus": {"dir": str(settings.corpus.dir)},
        "store": {**settings.store.model_dump(mode="json"), "cache_dir": str(settings.store.cache)},
        "index": settings.index.model_dump(mode="json"),
        "search": settings.search.model_dump(mode="json"),
        "embedder": settings.embedder.model_dump(mode="json"),
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _config(settings: Settings, path: Path, kind: str | None) -> Path:
    """The settings with the dense index forced to `kind` (flat: exact at any size)."""
    if kind == "flat":
        index = settings.index.model_copy(update={"exact_max_vectors": 10**9})
    else:
        index = settings.index.model_copy(update={"large_index": kind}) if kind else settings.index
    return write_settings(settings.model_copy(update={"index": index}), path)


def publish(store: Path, info: dict[str, Any], passages: int) -> None:
    """Point CURRENT at the synthetic version, with a manifest that says what it is."""
    version = store / "versions" / "v000001"
    corpus = CorpusInfo("synthetic", "synthetic", 0, {}, "synthetic", {}, passages // 1000 + 1, passages, 0)
    write_json(version / "manifest.json", {**Manifest(corpus, IndexInfo(**info)).to_dict(), "format": FORMAT})
    (store / CURRENT).write_text(version.name + "\n", encoding="utf-8")


def measure(settings: Settings, n: int, work: Path, kind: str | None = None) -> dict[str, Any]:
    """Generate, build and query a store of `n` passages; return the figures."""
    started = time.perf_counter()
    store_settings = generate(settings, work, n)
    generate_s = time.perf_counter() - started
    config = _config(store_settings, work / "config.yaml", kind)
    version = work / "store" / "versions" / "v000001"
    built = run_child("build", "--config", str(config), "--version", str(version))
    publish(work / "store", built["info"], n)
    size = sum(f.stat().st_size for f in version.rglob("*") if f.is_file())
    figures = {
        "n": n,
        "kind": built["info"]["dense"],
        "generate_s": generate_s,
        "build_s": built["seconds"],
        "build_peak_mib": built["peak_mib"],
        "store_mib": size / 2**20,
    }
    (work / "built.json").write_text(json.dumps(figures), encoding="utf-8")
    return {**figures, **query_figures(work)}


def query_figures(work: Path) -> dict[str, Any]:
    """Start time, latency, memory and recall of a built scale store (in a fresh process)."""
    return run_child("latency", "--config", str(work / "config.yaml"), "--queries", str(QUERIES), "--filters", SCALE_FILTER, "--recall")


def run_scale(
    settings: Settings, sizes: list[int], console: Console, kinds: list[str | None] | None = None, keep: bool = False
) -> list[dict[str, Any]]:
    """Measure each size (and dense index type); the stores are deleted unless `keep`."""
    results = []
    for n in sizes:
        for kind in kinds or [None]:
            work = Path(tempfile.mkdtemp(prefix=f"scale-{n}-", dir=ROOT / "var"))
            try:
                results.append(measure(settings, n, work, kind))
            finally:
                if not keep:
                    shutil.rmtree(work, ignore_errors=True)
            print_results(results[-1:], console)
    return results


def print_results(results: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="Scale (synthetic passages from corpus sentences, mixed real embeddings)", title_justify="left")
    for column in ("passages", "dense index", "build s", "build peak MiB", *LATENCY_COLUMNS, "store MiB"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(f"{r['n']:,}", r["kind"], f"{r['build_s']:.0f}", f"{r['build_peak_mib']:.0f}", *latency_cells(r), f"{r['store_mib']:.0f}")
    console.print(table)
