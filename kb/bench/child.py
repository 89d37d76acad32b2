"""The benchmark's child programs: `python -m kb.bench.child COMMAND --config FILE ...`.

Each figure that depends on a process's own state (thread settings, peak memory,
what is loaded) is measured in a fresh process; each command prints one JSON
object on its last line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def embed(args: argparse.Namespace) -> dict:
    """Passages per second of one embedding layout, on the texts in --texts."""
    from index.builder.embed import PassageEncoder
    from settings import EmbedderSettings

    texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
    cfg = EmbedderSettings.model_validate(json.loads(args.embedder))
    with PassageEncoder(cfg) as encoder:
        encoder.encode(texts[:4])  # load the model and start workers before timing
        started = time.perf_counter()
        encoder.encode(texts)
    return {"seconds": time.perf_counter() - started}


def build(args: argparse.Namespace) -> dict:
    """The files index of an unpublished version folder: time, peak memory, manifest."""
    import dataclasses
    import resource

    from index.builder.indexer import IndexBuild
    from settings import load_settings

    started = time.perf_counter()
    info = IndexBuild().build(Path(args.version), load_settings(args.config))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": time.perf_counter() - started, "peak_mib": peak, "info": dataclasses.asdict(info)}


def ingest(args: argparse.Namespace) -> dict:
    """One ingest of the configured corpus into the configured store."""
    from kb.build import ingest_corpus
    from settings import load_settings

    started = time.perf_counter()
    report = ingest_corpus(load_settings(args.config))
    return {"seconds": time.perf_counter() - started, "published": bool(report.published), "failed": len(report.failed)}


def latency(args: argparse.Namespace) -> dict:
    """Start time, latency per mode with and without a filter, memory; with --recall, the dense index's recall."""
    from kb.bench.measure import search_figures
    from settings import load_settings

    return search_figures(load_settings(args.config), Path(args.queries), args.filters, args.recall)


def load(args: argparse.Namespace) -> dict:
    """A synthetic version's documents written through the postgres sink."""
    from kb.bench.postgres import load_synthetic
    from settings import load_settings

    return load_synthetic(load_settings(args.config), Path(args.version))


def recall(args: argparse.Namespace) -> dict:
    """Recall@10 of PostgreSQL's HNSW index against an exact scan."""
    from kb.bench.postgres import hnsw_recall
    from settings import load_settings

    return {"recall_at_10": hnsw_recall(load_settings(args.config), args.queries)}


COMMANDS = {"embed": embed, "build": build, "ingest": ingest, "latency": latency, "load": load, "recall": recall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.bench.child")
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--config", help="config file")
    parser.add_argument("--texts", help="embed: a JSON list of texts")
    parser.add_argument("--embedder", help="embed: embedder settings as JSON")
    parser.add_argument("--version", help="build, load: a version folder")
    parser.add_argument("--queries", help="latency, recall: the evaluation queries (JSONL)")
    parser.add_argument("--filters", default="{}", help="latency: the filter to time, as JSON (Filters fields)")
    parser.add_argument("--recall", action="store_true", help="latency: also measure the dense index's recall@10")
    args = parser.parse_args(argv)
    print(json.dumps(COMMANDS[args.command](args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
