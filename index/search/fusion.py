"""Fusing ranked lists from the retrievers: pure functions over (id, score) lists.

`fuse` is the one place that reads the fusion settings (method and weights).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

from settings import SearchSettings

Ranked = Sequence[tuple[Hashable, float]]  # best first


def reciprocal_rank_fusion(lists: Mapping[str, Ranked], weights: Mapping[str, float], k: int = 60) -> list[tuple[Hashable, float]]:
    """score(id) = sum over lists of weight / (k + rank), rank counted from 1.

    Ties are broken by the order of first appearance, so the result is stable.
    """
    fused: dict[Hashable, float] = {}
    for name, ranked in lists.items():
        weight = weights.get(name, 1.0)
        for rank, (item, _) in enumerate(ranked, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda pair: -pair[1])


def _min_max(ranked: Ranked) -> dict[Hashable, float]:
    if not ranked:
        return {}
    scores = [score for _, score in ranked]
    low, high = min(scores), max(scores)
    if high == low:
        return {item: 1.0 for item, _ in ranked}
    return {item: (score - low) / (high - low) for item, score in ranked}


def weighted_fusion(lists: Mapping[str, Ranked], weights: Mapping[str, float]) -> list[tuple[Hashable, float]]:
    """Min-max normalize each list's scores to [0, 1], then sum them with weights.

    An id missing from a list contributes 0 from it.
    """
    fused: dict[Hashable, float] = {}
    for name, ranked in lists.items():
        weight = weights.get(name, 1.0)
        for item, score in _min_max(ranked).items():
            fused[item] = fused.get(item, 0.0) + weight * score
    return sorted(fused.items(), key=lambda pair: -pair[1])


def fuse(lists: Mapping[str, Ranked], cfg: SearchSettings, english: bool = False) -> list[tuple[Hashable, float]]:
    """One ranking from the retrievers' lists, as the settings say; a single list is kept as it is.

    A query in English gets a lower lexical weight: its own words seldom stand in
    Norwegian text, and its translations are less certain than a Norwegian word.
    """
    if len(lists) == 1:
        return list(next(iter(lists.values())))
    weights = {"lexical": cfg.english_lexical_weight if english else cfg.lexical_weight, "dense": cfg.dense_weight}
    if cfg.fusion == "rrf":
        return reciprocal_rank_fusion(lists, weights, cfg.rrf_k)
    return weighted_fusion(lists, weights)
