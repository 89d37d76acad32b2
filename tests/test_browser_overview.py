"""The overview ("Sammenstilling") through the real app in Chromium, started as the README does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_browser import CHROMIUM, running_app  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)")
def test_overview_of_employment_measures_spans_documents_and_places(running_app: str, tmp_path: Path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(running_app + "/?q=Hvilke+tiltak+for+sysselsetting+ble+pr%C3%B8vd%2C+og+hva+kom+ut+av+dem%3F", wait_until="networkidle")
            page.get_by_role("tab", name="Sammenstilling").click()
            counts = page.get_by_text(re.compile(r"\d+ rader fra \d+ dokumenter og \d+ steder"))
            counts.wait_for(timeout=120_000)
            rows, documents, places = map(int, re.findall(r"\d+", counts.inner_text()))
            assert rows >= 3 and documents >= 3 and places >= 3
            panel = page.get_by_role("tabpanel", name="Sammenstilling")
            panel.locator("[data-testid='stDataFrame']").nth(documents - 1).wait_for(timeout=60_000)  # one table per document
            assert panel.locator("[data-testid='stDataFrame']").count() == documents
            panel.get_by_text("sted", exact=True).click()  # group by place
            panel.locator("[data-testid='stDataFrame']").nth(places - 1).wait_for(timeout=60_000)
            assert panel.get_by_role("button", name="XLSX").is_visible()
            page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "overview.png").stat().st_size > 20_000
