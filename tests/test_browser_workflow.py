"""The researcher's workflow in Chromium, through the app as `make run` starts it: a basket of
excerpts from two searches exports one RIS record per document; "ikke denne" removes a
document's hits. The user's files go to a temporary app.user_dir (beside the test's config)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.user import UserData

from .conftest import write_config
from .test_basket import parse_ris
from .test_browser import CHROMIUM, _make_run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"),
]
NOU = "Kommunal- og moderniseringsdepartementet (2020)"


@pytest.fixture(scope="module")
def workflow_app(corpus_store, tmp_path_factory):
    """One app for the module; its app.user_dir is <root>/var/user, beside its config file."""
    root = tmp_path_factory.mktemp("workflow-app")
    for url in _make_run(write_config(corpus_store, root / "config.yaml"), root, healthy_within=300):
        yield url, root / "var" / "user"


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        finally:
            browser.close()


def wait_for_hits(page) -> None:
    page.get_by_text("Siterte utdrag").wait_for(timeout=60_000)
    page.locator("code").filter(has_text="(20").nth(4).wait_for(timeout=60_000)  # the hits render one by one
    page.get_by_role("button", name="🚫 Ikke denne").nth(4).wait_for(timeout=60_000)


def add_hits(page, count: int, already: int) -> None:
    """Put the first `count` hits in the basket, each after the page shows the one before in it."""
    from playwright.sync_api import expect

    for number in range(count):
        button = page.locator('[class*="st-key-basket_hit_"]').nth(number).get_by_role("button")
        expect(button).to_have_text("🧺 Legg i kurven", timeout=60_000)
        button.click()
        expect(button).to_have_text("✓ I kurven – fjern", timeout=60_000)
        page.get_by_text(f"🧺 Referansekurv: {already + number + 1}").wait_for(timeout=60_000)


def test_a_basket_from_two_searches_exports_one_ris_record_per_document(workflow_app, browser_page, tmp_path: Path):
    url, user_dir = workflow_app
    page = browser_page
    UserData(user_dir).basket.clear()
    page.goto(url + "/?q=gratis+kjernetid+i+barnehage", wait_until="networkidle")
    wait_for_hits(page)
    add_hits(page, 2, already=0)
    box = page.get_by_role("textbox", name="Hva leter du etter?")
    box.fill("samarbeid mellom stat og kommune")
    box.press("Enter")
    page.wait_for_url("**q=samarbeid*", timeout=60_000)
    wait_for_hits(page)
    add_hits(page, 2, already=2)
    page.reload(wait_until="networkidle")  # the basket is kept on the server side: a reload keeps it
    page.get_by_text("🧺 Referansekurv: 4").wait_for(timeout=60_000)
    page.get_by_text("Vis kurven og last den ned").click()
    with page.expect_download(timeout=60_000) as download:
        page.locator('.st-key-basket_export_RIS').get_by_role("button").click()
    saved = tmp_path / "referanser.ris"
    download.value.save_as(saved)
    records = parse_ris(saved.read_text(encoding="utf-8"))
    items = UserData(user_dir).basket.items()
    assert len(items) == 4 and {i.query for i in items} == {"gratis kjernetid i barnehage", "samarbeid mellom stat og kommune"}
    assert sorted(r["ID"][0] for r in records) == sorted({i.doc_id for i in items})  # one record per document
    quotes = {r["ID"][0]: [n for n in r["N1"] if not n.startswith("Siterte steder")] for r in records}
    assert sum(len(q) for q in quotes.values()) == 4 and max(len(q) for q in quotes.values()) >= 2
    for i in items:  # each quote is in its own document's record, with its page or section
        assert any(i.quote.split()[0] in note and note.startswith(i.locator) for note in quotes[i.doc_id])


def test_not_this_one_removes_the_documents_hits(workflow_app, browser_page):
    from playwright.sync_api import expect

    url, _ = workflow_app
    page = browser_page
    page.goto(url + "/?q=levek%C3%A5r+i+byer&mode=lexical", wait_until="networkidle")
    wait_for_hits(page)
    citations = page.locator("code").filter(has_text="(20")
    texts = citations.all_inner_texts()
    nou = next(i for i, text in enumerate(texts) if text.startswith(NOU))
    page.locator('[class*="st-key-exclude_"]').nth(nou).get_by_role("button").click()
    chip = page.get_by_role("button", name="Utelatt: NOU 2020:16 ✕")
    chip.wait_for(timeout=60_000)
    expect(citations.filter(has_text=NOU)).to_have_count(0, timeout=60_000)
    expect(citations.nth(4)).to_be_visible(timeout=60_000)  # the other documents' hits are still there
    assert "x=nou-2020-16" in page.url
    chip.click()
    expect(citations.filter(has_text=NOU).first).to_be_visible(timeout=60_000)
    assert "x=" not in page.url
