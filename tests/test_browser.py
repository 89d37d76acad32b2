"""One real-browser run: start the app as the README does (`make run`), search in Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT, write_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow, pytest.mark.browser]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"`make run` exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the app did not answer in time")


@pytest.fixture
def running_app(corpus_store, tmp_path: Path):
    yield from _make_run(write_config(corpus_store, tmp_path / "config.yaml"), tmp_path, healthy_within=300)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)")
def test_search_in_a_real_browser(running_app: str, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(running_app, wait_until="networkidle")
            box = page.get_by_role("textbox", name="Hva leter du etter?")
            box.fill("sysselsetting i Groruddalen")
            box.press("Enter")
            page.get_by_text("Siterte utdrag").wait_for(timeout=60_000)
            page.locator("code").filter(has_text="(20").nth(4).wait_for(timeout=60_000)  # the hits render one by one
            assert "q=sysselsetting" in page.url
            first = page.get_by_text("[1]", exact=False).first
            assert first.is_visible()
            assert page.locator("mark").count() > 0
            assert page.locator("code").filter(has_text="(20").count() >= 5
            shot = tmp_path / "search.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000


@pytest.fixture
def fresh_app(base_settings, tmp_path: Path):
    """`make run` on a store that does not exist yet, with an empty embedding cache: the app
    starts searchable by words while the embeddings are made in the background."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("groruddalen-2015-intensjonsavtale.txt", "imdi-2014-tverrsektorielt-samarbeid.txt", "catalog.yaml"):
        shutil.copy(CORPUS / name, corpus / name)
    settings = base_settings.with_overrides(corpus=corpus, store=tmp_path / "store")
    settings = settings.model_copy(update={"store": settings.store.model_copy(update={"cache_dir": tmp_path / "cache"})})
    yield from _make_run(write_config(settings, tmp_path / "config.yaml"), tmp_path, healthy_within=120)


def _make_run(config: Path, tmp_path: Path, healthy_within: float):
    port = free_port()
    log = open(tmp_path / "make-run.log", "w")
    process = subprocess.Popen(
        ["make", "run", f"CONFIG={config}", f"PORT={port}"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, healthy_within)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)")
def test_search_by_words_while_the_embeddings_are_made_then_hybrid(fresh_app: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(fresh_app + "/?q=samarbeid+mellom+stat+og+kommune", wait_until="networkidle")
            page.get_by_text("Siterte utdrag").wait_for(timeout=60_000)
            assert page.get_by_text("Ordsøk er klart").count() > 0  # said while the semantic index is built
            citations = page.locator("code").filter(has_text="(20")
            citations.first.wait_for(timeout=60_000)  # the hits render one by one while the embeddings are made
            assert page.get_by_text("søkemåte: ordsøk").count() > 0  # searched by words, with cited hits
            assert page.get_by_text("Kort svar fra kildene").is_visible() and citations.count() >= 3
            # no reload: the page notices the newer version and searches it in hybrid mode by itself
            page.get_by_text("søkemåte: kombinert").wait_for(timeout=600_000)
            assert page.get_by_text("Ordsøk er klart").count() == 0
        finally:
            browser.close()
