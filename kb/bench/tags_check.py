"""Theme tags re-scored by a cross-encoder (issue 20, part 3): a measurement, not an ingest step.

For every labelled passage (tests/eval/tags.jsonl) and theme, the cross-encoder scores (theme
description, window) for each of the passage's windows and keeps the best logit; that is
standardised per theme over the labelled passages (no labels used) and added, with a weight, to
the tagger's own score (index/tags/themes.py). The weight and the threshold are chosen on the
tune half by F1, the tagger's own score alone getting the same search, and precision and recall
are printed for both halves. Usage:

    python -m kb.bench.tags_check MODEL [--store STORE] [-c CONFIG]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.builder.indexer import theme_vectors
from index.builder.represent import windows
from index.search.rerank import load_cross_encoder
from index.search.searcher import open_searcher
from index.tags.tagger import tag_text, theme_rule
from index.tags.taxonomy import themes
from index.tags.themes import ThemeScorer, best_above, mean_vector
from kb.bench.evaluate import PARTS, split
from kb.bench.tags_eval import labelled_passages, load_labels
from settings import RerankSettings, Settings, load_settings

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 8.01, 0.1))


def theme_scores(settings: Settings, model_path: Path) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """The labels with a passage, the tagger's scores (labels × themes) and the cross-encoder's best logits."""
    searcher = open_searcher(settings)
    labels = load_labels()
    rows = labelled_passages(searcher, labels)
    kept = [label for label in labels if label["id"] in rows]
    by_id = {p.passage_id: (row, p) for row, p in enumerate(searcher.all_passages())}
    vectors_all = [mean_vector(v) for v in searcher.window_vectors(range(len(by_id)))]
    scorer = ThemeScorer(themes(), theme_vectors(settings, embed=False), theme_rule(settings.tags)).fit(vectors_all)
    model = load_cross_encoder(RerankSettings(model=model_path, max_length=settings.rerank.max_length))
    base, logits = [], []
    for label in kept:
        row, passage = by_id[rows[label["id"]]]
        base.append(scorer.scores(tag_text(passage), vectors_all[row])[0])
        spans = windows(passage) or [(0, len(passage.text))]
        texts = [passage.text[s:e] for s, e in spans]
        pairs = [(theme.description, text) for theme in themes() for text in texts]
        scores = np.asarray(model.predict(pairs, batch_size=32, show_progress_bar=False)).reshape(len(themes()), len(texts))
        logits.append(scores.max(axis=1))
    searcher.close()
    return kept, np.array(base), np.array(logits)


def tagged(scores: np.ndarray, threshold: float, most: int) -> list[list[int]]:
    return [best_above(row, threshold, most) for row in scores]


def precision_recall(labels: Sequence[dict], chosen: list[list[int]]) -> tuple[float, float]:
    ids = [t.id for t in themes()]
    right = sum(1 for label, got in zip(labels, chosen, strict=True) for i in got if ids[i] in label["themes"])
    given = sum(len(got) for got in chosen)
    wanted = sum(len(label["themes"]) for label in labels)
    return (right / given if given else 0.0), (right / wanted if wanted else 0.0)


def best_setting(labels: Sequence[dict], base: np.ndarray, z: np.ndarray, weights: Sequence[float], most: int) -> tuple[float, float]:
    """The (weight, threshold) with the best F1 on `labels`."""
    best, chosen = -1.0, (0.0, 0.0)
    for weight in weights:
        for threshold in THRESHOLDS:
            p, r = precision_recall(labels, tagged(base + weight * z, threshold, most))
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            if f1 > best + 1e-9:
                best, chosen = f1, (weight, threshold)
    return chosen


def report(labels: list[dict], base: np.ndarray, logits: np.ndarray, most: int) -> dict[str, Any]:
    z = (logits - logits.mean(axis=0)) / np.maximum(logits.std(axis=0), 1e-6)
    parts = {part: [i for i, label in enumerate(labels) if split(label["id"]) == part] for part in PARTS}
    tune = [labels[i] for i in parts["tune"]]
    out: dict[str, Any] = {}
    for name, weights in (("tagger alone", (0.0,)), ("tagger + cross-encoder", WEIGHTS)):
        weight, threshold = best_setting(tune, base[parts["tune"]], z[parts["tune"]], weights, most)
        out[name] = {"weight": weight, "threshold": threshold}
        for part, index in parts.items():
            p, r = precision_recall([labels[i] for i in index], tagged(base[index] + weight * z[index], threshold, most))
            out[name][part] = {"precision": round(p, 3), "recall": round(r, 3), "passages": len(index)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.bench.tags_check", description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a CrossEncoder folder")
    parser.add_argument("--store", help="store folder (default: the configured one)")
    parser.add_argument("-c", "--config")
    args = parser.parse_args(argv)
    settings = load_settings(args.config)
    if args.store:
        settings = settings.with_overrides(store=Path(args.store))
    labels, base, logits = theme_scores(settings, Path(args.model))
    print(json.dumps(report(labels, base, logits, settings.tags.max_themes), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
