"""Shared fixtures: real corpus files, PDFs built with PyMuPDF, settings in tmp folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED_PDFS = ROOT.parent / "shared" / "pdfs"


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return load_settings(ROOT / "config.yaml")


@pytest.fixture
def make_settings(base_settings: Settings, tmp_path: Path):
    """Settings pointing at a corpus folder and a store inside the test's tmp folder."""

    def build(corpus: Path | None = None, store: Path | None = None) -> Settings:
        corpus = corpus or tmp_path / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        return base_settings.with_overrides(corpus=corpus, store=store or tmp_path / "store")

    return build


@pytest.fixture(scope="session")
def corpus_store(base_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled corpus ingested and indexed with the real model, once per session.

    Embeddings are cached in var/test-cache (keyed by model and text), so a second
    local run does not embed again; CI starts from a clean clone and builds once.
    """
    from kb.build import ingest_corpus

    root = tmp_path_factory.mktemp("corpus-store")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = base_settings.with_overrides(corpus=corpus, store=root / "store")
    settings = settings.model_copy(update={"store": settings.store.model_copy(update={"cache_dir": ROOT / "var" / "test-cache"})})
    report = ingest_corpus(settings)
    assert report.published and not report.failed
    return settings


def write_config(settings: Settings, path: Path) -> Path:
    """A config file for `settings`' folders, for code that reads one (the app, make run)."""
    import yaml

    store = {"dir": str(settings.store.dir), "backend": settings.store.backend, "dsn": settings.store.dsn}
    if settings.store.cache_dir:
        store["cache_dir"] = str(settings.store.cache_dir)
    path.write_text(yaml.safe_dump({"corpus": {"dir": str(settings.corpus.dir)}, "store": store}), encoding="utf-8")
    return path


@pytest.fixture
def private_store(corpus_store: Settings, tmp_path: Path) -> Settings:
    """A private copy of the session's corpus and store that a test may change."""
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_store.corpus.dir, corpus)
    shutil.copytree(corpus_store.store.dir, tmp_path / "store", copy_function=os.link, ignore=shutil.ignore_patterns("ingest.lock"))
    return corpus_store.with_overrides(corpus=corpus, store=tmp_path / "store")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def shared_pdf():
    """A PDF from ../shared/pdfs, or a skip when this clone does not have that folder."""

    def get(name: str) -> Path:
        path = SHARED_PDFS / name
        if not path.exists():
            pytest.skip(f"{SHARED_PDFS} is not present in this checkout")
        return path

    return get
