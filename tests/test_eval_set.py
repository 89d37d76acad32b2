"""The evaluation set itself: well-formed, split by a fixed hash, and every gold quote reachable."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from index.backends.files.store import Store
from index.text.analysis import Analyzer
from kb.bench.evaluate import load_queries, overlap, split, squash
from kb.build import ingest_corpus

from .conftest import ROOT, SHARED_PDFS

QUERIES = load_queries(ROOT / "tests" / "eval" / "queries.jsonl")
PDF_CATALOG = ROOT / "tests" / "eval" / "pdf-catalog.yaml"
PDF_DOCS = {entry["id"] for entry in yaml.safe_load(PDF_CATALOG.read_text(encoding="utf-8"))["documents"]}


def test_the_set_is_large_enough_and_well_formed():
    assert len(QUERIES) >= 200 and len({q.qid for q in QUERIES}) == len(QUERIES)
    assert all(q.lang in ("nb", "nn", "en") and q.gold and all(g.quote.strip() for g in q.gold) for q in QUERIES)
    on_pdfs = [q for q in QUERIES if {g.doc_id for g in q.gold} <= PDF_DOCS]
    assert len(on_pdfs) >= 60 and all(g.page for q in on_pdfs for g in q.gold)
    assert len([q for q in QUERIES if q not in on_pdfs]) >= 128  # the 68 first ones and at least 60 new


def test_the_split_is_fixed_by_the_id():
    parts = Counter(split(q.qid) for q in QUERIES)
    assert 0.3 <= parts["tune"] / len(QUERIES) <= 0.5
    assert split("b001") == split("b001") and {split(f"x{i}") for i in range(50)} == {"tune", "held-out"}


def test_new_queries_share_few_words_with_their_quotes():
    """Outside factual look-ups, the new queries must not be answerable by word matching alone."""
    analyzer = Analyzer()
    new = [q for q in QUERIES if q.qid[0] in "bp" and not q.kind.startswith("fact")]
    assert sum(overlap(q, analyzer) for q in new) / len(new) <= 0.30


@pytest.mark.slow
def test_every_gold_quote_of_the_bundled_corpus_is_in_a_stored_passage(corpus_store):
    version = Store(corpus_store.store.dir).require_current()
    texts: dict[str, list[str]] = {}
    for passage in version.all_passages():
        texts.setdefault(passage.doc_id, []).append(squash(passage.text))
    missing = [(q.qid, g.quote) for q in QUERIES for g in q.gold if g.doc_id in texts and not any(squash(g.quote) in t for t in texts[g.doc_id])]
    assert missing == []
    assert {g.doc_id for q in QUERIES for g in q.gold} <= set(texts) | PDF_DOCS


@pytest.mark.slow
def test_every_gold_quote_of_the_real_pdfs_is_on_its_page(make_settings, tmp_path: Path):
    if not SHARED_PDFS.exists():
        pytest.skip(f"{SHARED_PDFS} is not present in this checkout")
    corpus = tmp_path / "pdfs"
    subprocess.run([str(ROOT / "scripts" / "pdf-eval-corpus.sh"), str(corpus)], check=True)
    settings = make_settings(corpus=corpus)
    assert not ingest_corpus(settings, with_index=False).failed
    passages = list(Store(settings.store.dir).require_current().all_passages())
    missing = []
    for q in QUERIES:
        for g in q.gold:
            if g.doc_id in PDF_DOCS and not any(
                p.doc_id == g.doc_id and squash(g.quote) in squash(p.text) and p.page_start <= g.page <= (p.page_end or p.page_start)
                for p in passages
            ):
                missing.append((q.qid, g.page, g.quote))
    assert missing == []
    shutil.rmtree(corpus)
