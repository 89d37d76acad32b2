"""A real-browser run of library management: delete a document in Chromium, then search for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import write_config
from .test_browser import CHROMIUM, _make_run

pytestmark = [pytest.mark.slow, pytest.mark.browser]
QUERY = "/?q=intensjonsavtale+om+videre+innsats+i+Groruddalen+etter+2016"
TITLE = "Intensjonsavtale mellom staten og Oslo kommune"


@pytest.fixture
def private_app(private_store, tmp_path: Path):
    """`make run` on a private copy of the indexed corpus, which the test may change."""
    yield from _make_run(write_config(private_store, tmp_path / "config.yaml"), tmp_path, healthy_within=300)


def cited(page, url: str):
    """The citations of a search, once the hits have rendered."""
    page.goto(url + QUERY, wait_until="networkidle")
    page.get_by_text(re.compile("^(Siterte utdrag|Nærmeste utdrag)")).wait_for(timeout=60_000)
    citations = page.locator("code").filter(has_text="(20")
    citations.nth(4).wait_for(timeout=60_000)  # the hits render one by one
    return citations


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)")
def test_a_deleted_document_leaves_the_search(private_app: str, private_store, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            assert cited(page, private_app).filter(has_text=TITLE).count() > 0  # found before the deletion

            page.goto(private_app + "/?page=library", wait_until="networkidle")
            page.get_by_test_id("stSelectbox").filter(has_text="Les et dokument").click()
            page.get_by_role("option").filter(has_text="(groruddalen-2015)").click()
            page.get_by_text("Slett dokumentet").click()
            delete = page.get_by_role("button", name="Slett", exact=True)
            assert delete.is_disabled()  # not without the confirmation
            page.get_by_text("Ja, slett «").click()
            delete.click()
            page.get_by_text(re.compile(r"«groruddalen-2015» .* er slettet; versjon v\d+ er publisert")).wait_for(timeout=120_000)
            table = page.get_by_test_id("stTable")  # (expect waits for the page to show the new version)
            expect(table.filter(has_text="menon-2025")).to_have_count(1, timeout=60_000)
            expect(table.filter(has_text="groruddalen-2015")).to_have_count(0, timeout=60_000)
            choice = page.get_by_test_id("stSelectbox").filter(has_text="Les et dokument")
            expect(choice).to_have_count(1, timeout=60_000)
            expect(choice.filter(has_text="(groruddalen-2015)")).to_have_count(0)  # the choice is emptied
            page.screenshot(path=str(tmp_path / "deleted.png"), full_page=True)

            citations = cited(page, private_app)
            assert citations.count() >= 5 and citations.filter(has_text=TITLE).count() == 0
            assert page.get_by_text("Regjeringen og Oslo kommune").count() == 0

            page.goto(private_app + "/?page=add", wait_until="networkidle")  # the uploader's own words, in Norwegian
            page.get_by_test_id("stFileUploaderDropzoneInstructions").wait_for(timeout=60_000)
            shown = page.evaluate(
                """() => ['[data-testid=stFileUploaderDropzone] button p', '[data-testid=stFileUploaderDropzoneInstructions] span']
                    .map(css => document.querySelector(css)).map(e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content])"""
            )
            assert shown == [["0px", '"Velg filer"'], ["0px", '"Høyst 50 MB per fil • PDF, TXT, MD"']]
        finally:
            browser.close()
    assert not (private_store.corpus.dir / "groruddalen-2015-intensjonsavtale.txt").exists()
