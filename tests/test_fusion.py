"""Fusion as pure functions, on hand-written ranked lists."""

import pytest

from index.search.fusion import reciprocal_rank_fusion, weighted_fusion


def test_rrf_rewards_agreement_between_lists():
    lexical = [("a", 12.0), ("b", 9.0), ("c", 1.0)]
    dense = [("c", 0.91), ("a", 0.90), ("d", 0.5)]
    fused = reciprocal_rank_fusion({"lexical": lexical, "dense": dense}, {"lexical": 1.0, "dense": 1.0}, k=60)
    assert [item for item, _ in fused] == ["a", "c", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[-1][1] == pytest.approx(1 / 63)


def test_rrf_weights_shift_the_order():
    lexical = [("x", 5.0), ("y", 4.0)]
    dense = [("y", 0.9), ("x", 0.8)]
    lists = {"lexical": lexical, "dense": dense}
    assert reciprocal_rank_fusion(lists, {"lexical": 2.0, "dense": 1.0})[0][0] == "x"
    assert reciprocal_rank_fusion(lists, {"lexical": 1.0, "dense": 2.0})[0][0] == "y"


def test_rrf_ties_keep_first_appearance_and_empty_lists_are_fine():
    fused = reciprocal_rank_fusion({"lexical": [("p", 1.0)], "dense": [("q", 1.0)]}, {})
    assert [item for item, _ in fused] == ["p", "q"]
    assert reciprocal_rank_fusion({"lexical": [], "dense": []}, {}) == []


def test_weighted_fusion_normalizes_each_list():
    lexical = [("a", 30.0), ("b", 20.0), ("c", 10.0)]  # -> 1.0, 0.5, 0.0
    dense = [("c", 0.9), ("b", 0.8), ("a", 0.7)]  # -> 1.0, 0.5, 0.0
    fused = dict(weighted_fusion({"lexical": lexical, "dense": dense}, {"lexical": 1.0, "dense": 1.0}))
    assert fused == pytest.approx({"a": 1.0, "b": 1.0, "c": 1.0})
    fused = weighted_fusion({"lexical": lexical, "dense": dense}, {"lexical": 3.0, "dense": 1.0})
    assert [item for item, _ in fused] == ["a", "b", "c"]
    assert dict(fused)["a"] == pytest.approx(3.0)


def test_weighted_fusion_single_score_list_and_missing_items():
    fused = dict(weighted_fusion({"lexical": [("a", 2.0)], "dense": [("b", 0.5), ("a", 0.1)]}, {}))
    assert fused["a"] == pytest.approx(1.0 + 0.0)
    assert fused["b"] == pytest.approx(1.0)
