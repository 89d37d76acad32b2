"""Scale benchmark: stores of 100,000 and 1,000,000 synthetic passages.

Synthetic passages are made from the bundled corpus: each takes a run of
sentences from one real passage and a run from another, so the text has the
corpus's vocabulary and sentence shapes; its embedding is the two source
passages' real embeddings mixed in the same proportion, plus a little noise,
and normalized (embedding a million texts with the 4-bit model would take days
on two cores). Documents of 1,000 passages get random years, types, places.

The vectors are put in the embedding cache and the store is built by the real
index builder (IndexBuild, in a subprocess, so its time and peak memory are its
own); the searcher is then measured in another subprocess: load time, query
latency per mode, resident memory, and recall@10 of the dense index against
exact search.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from index.arrays import load_npy
from index.build import INDEX_DIR, embedding_text
from index.embed import EmbeddingCache, embedder_name, text_key
from index.store import CURRENT, FORMAT, Store, write_json
from ingest.records import Passage
from ingest.sentences import sentence_spans
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PER_DOC = 1000
NOISE = 0.02


def _sources(settings: Settings) -> tuple[list[list[str]], list[Passage], np.ndarray]:
    version = Store(settings.store.dir).require_current()
    from index.table import PassageTable

    table = PassageTable(version.path / INDEX_DIR)
    passages = list(table)
    vectors = load_npy(version.path / INDEX_DIR / "vectors.npy")
    sentences = [[p.text[s:e] for s, e in sentence_spans(p.text)] for p in passages]
    return sentences, passages, vectors


def generate(settings: Settings, target: Path, n: int, seed: int = 7) -> Settings:
    """Write a store with `n` synthetic passages (unpublished index) and fill its cache."""
    sentences, sources, vectors = _sources(settings)
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    usable = [i for i, s in enumerate(sentences) if len(s) >= 3 and not sources[i].is_note]
    years, types = list(range(2005, 2026)), ["rapport", "evaluering", "NOU", "avtale", "notat"]
    places = ["Oslo", "Groruddalen", "Oslo Sør", "Bergen", "Trondheim", "Stavanger", "Drammen", "Kristiansand"]
    version = target / "store" / "versions" / "v000001"
    (version / "passages").mkdir(parents=True)
    (version / "texts").mkdir()
    store_settings = settings.with_overrides(store=target / "store").model_copy()
    store_settings = store_settings.model_copy(
        update={"store": store_settings.store.model_copy(update={"cache_dir": target / "store" / "cache"})}
    )
    cache = EmbeddingCache(store_settings.store.cache, embedder_name(settings.embedder))
    documents, keys, vecs = [], [], []
    for first in range(0, n, PER_DOC):
        doc_id = f"syn-{first // PER_DOC:05d}"
        lines, parts, offset = [], [], 0
        for ordinal in range(min(PER_DOC, n - first)):
            a, b = rng.choice(usable), rng.choice(usable)
            take_a, take_b = rng.randint(2, 5), rng.randint(2, 5)
            start_a, start_b = rng.randrange(len(sentences[a]) - 1), rng.randrange(len(sentences[b]) - 1)
            chosen_a, chosen_b = sentences[a][start_a : start_a + take_a], sentences[b][start_b : start_b + take_b]
            text = " ".join(chosen_a + chosen_b)
            share = len(chosen_a) / (len(chosen_a) + len(chosen_b))
            passage = Passage(
                f"{first + ordinal:016x}",
                doc_id,
                ordinal,
                text,
                offset,
                offset + len(text),
                sources[a].section,
                sources[a].language,
                prev_id=f"{first + ordinal - 1:016x}" if ordinal else None,
                next_id=f"{first + ordinal + 1:016x}" if ordinal + 1 < min(PER_DOC, n - first) else None,
            )
            vector = share * vectors[a] + (1 - share) * vectors[b] + nprng.normal(0, NOISE / np.sqrt(vectors.shape[1]), vectors.shape[1])
            keys.append(text_key(embedding_text(passage)))
            vecs.append(vector / np.linalg.norm(vector))
            lines.append(json.dumps(passage.to_dict(), ensure_ascii=False))
            parts.append(text)
            offset += len(text) + 2
        (version / "passages" / f"{doc_id}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (version / "texts" / f"{doc_id}.txt").write_text("\n\n".join(parts), encoding="utf-8")
        documents.append(
            {
                "doc_id": doc_id,
                "file": f"{doc_id}.txt",
                "title": f"Syntetisk dokument {first // PER_DOC + 1}",
                "publisher": "Syntetisk",
                "year": rng.choice(years),
                "doc_type": rng.choice(types),
                "language": "nb",
                "places": rng.sample(places, 2),
                "passages": len(lines),
                "pages": 0,
                "sha256": "",
                "size": 0,
                "mtime_ns": 0,
            }
        )
        if len(keys) >= 20_000:
            cache.put(keys, np.array(vecs, dtype=np.float32))
            keys, vecs = [], []
    cache.put(keys, np.array(vecs, dtype=np.float32))
    cache.close()
    write_json(version / "documents.json", documents)
    return store_settings


_BUILD_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from settings import load_settings
from index.build import IndexBuild
settings = load_settings({config!r})
started = time.perf_counter()
info = IndexBuild().build(Path({version!r}), None, settings)
print(json.dumps({{"seconds": time.perf_counter() - started, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "info": info}}))
"""

_QUERY_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np, psutil
from settings import load_settings
from index.search import Searcher, Filters
settings = load_settings({config!r})
started = time.perf_counter()
searcher = Searcher(settings)
load_s = time.perf_counter() - started
searcher.warm()
queries = [json.loads(line)["query"] for line in open({queries!r}) if line.strip()]
out = {{"load_s": load_s}}
for mode in ("hybrid", "lexical", "dense"):
    for label, flt in (("none", None), ("year>=2015,type=rapport", Filters(types=("rapport",), year_from=2015))):
        for q in queries[:5]:
            searcher.search(q, mode=mode, filters=flt)
        times = sorted(searcher.search(q, mode=mode, filters=flt).took_ms for q in queries)
        out[f"{{mode}}|{{label}}"] = [float(np.median(times)), times[int(0.95 * (len(times) - 1))]]
out["rss_mib"] = psutil.Process().memory_info().rss / 2**20  # before the exact scan below maps every vector
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
vectors = searcher.dense.vectors
embedder = searcher.embedder
probe = [embedder.embed_query(q) for q in queries]
rng = np.random.default_rng(1)
probe += [np.asarray(vectors[i], dtype=np.float32) for i in rng.choice(len(vectors), 100, replace=False)]
Q = np.stack(probe).astype(np.float32)
top = np.full((len(probe), 10), -1.0, dtype=np.float32); ids = np.zeros((len(probe), 10), dtype=np.int64)
for start in range(0, len(vectors), 100_000):
    block = np.asarray(vectors[start:start + 100_000], dtype=np.float32)
    sims = Q @ block.T
    cand = np.argpartition(-sims, 9, axis=1)[:, :10]
    cs = np.take_along_axis(sims, cand, axis=1)
    allv = np.concatenate([top, cs], axis=1); alli = np.concatenate([ids, cand + start], axis=1)
    keep = np.argsort(-allv, axis=1)[:, :10]
    top = np.take_along_axis(allv, keep, axis=1); ids = np.take_along_axis(alli, keep, axis=1)
recall = []
for qi, q in enumerate(probe):
    ann = {{row for row, _ in searcher.dense.search(q, 10)}}
    recall.append(len(ann & set(ids[qi].tolist())) / 10)
out["recall_at_10"] = float(np.mean(recall))
print(json.dumps(out))
"""


def _child(code: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "2"}
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


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
        index = settings.index.model_copy(update={"exact_max_passages": 10**9})
    else:
        index = settings.index.model_copy(update={"large_index": kind}) if kind else settings.index
    return write_settings(settings.model_copy(update={"index": index}), path)


def publish(store: Path, info: dict[str, Any]) -> None:
    version = store / "versions" / "v000001"
    write_json(version / "manifest.json", {"format": FORMAT, "synthetic": True, **info})
    (store / CURRENT).write_text(version.name + "\n", encoding="utf-8")


def measure(settings: Settings, n: int, work: Path, kind: str | None = None) -> dict[str, Any]:
    """Generate, build and query a store of `n` passages; return the figures."""
    started = time.perf_counter()
    store_settings = generate(settings, work, n)
    generate_s = time.perf_counter() - started
    config = _config(store_settings, work / "config.yaml", kind)
    version = work / "store" / "versions" / "v000001"
    built = _child(_BUILD_CHILD.format(root=str(ROOT), config=str(config), version=str(version)))
    publish(work / "store", built["info"])
    size = sum(f.stat().st_size for f in version.rglob("*") if f.is_file())
    figures = {
        "n": n,
        "kind": built["info"]["index"]["dense"],
        "generate_s": generate_s,
        "build_s": built["seconds"],
        "build_peak_mib": built["peak_mib"],
        "store_mib": size / 2**20,
    }
    (work / "built.json").write_text(json.dumps(figures), encoding="utf-8")
    return {**figures, **query_figures(work)}


def query_figures(work: Path) -> dict[str, Any]:
    """Load time, latency, memory and recall of a built scale store (in a fresh process)."""
    return _child(
        _QUERY_CHILD.format(root=str(ROOT), config=str(work / "config.yaml"), queries=str(ROOT / "tests" / "eval" / "queries.jsonl"))
    )


def run_scale(
    settings: Settings, sizes: list[int], console: Console, kinds: list[str | None] | None = None, keep: bool = False
) -> list[dict[str, Any]]:
    """Measure each size (and dense index type); the stores are deleted unless `keep`."""
    import shutil
    import tempfile

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
    for column in (
        "passages",
        "dense index",
        "build s",
        "build peak MiB",
        "load s",
        "RSS MiB",
        "hybrid p50/p95 ms",
        "hybrid+filter p50",
        "lexical p50",
        "dense p50",
        "recall@10 vs exact",
        "store MiB",
    ):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            f"{r['n']:,}",
            r["kind"],
            f"{r['build_s']:.0f}",
            f"{r['build_peak_mib']:.0f}",
            f"{r['load_s']:.2f}",
            f"{r['rss_mib']:.0f}",
            "{:.0f} / {:.0f}".format(*r["hybrid|none"]),
            f"{r['hybrid|year>=2015,type=rapport'][0]:.0f}",
            f"{r['lexical|none'][0]:.0f}",
            f"{r['dense|none'][0]:.0f}",
            f"{r['recall_at_10']:.3f}",
            f"{r['store_mib']:.0f}",
        )
    console.print(table)
