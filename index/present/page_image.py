"""A PDF page as an image: the cited passage lightly highlighted, the quoted words strongly.

Text is found on the page in pieces of a few words. A piece that also occurs
elsewhere on the page (a heading repeated in the text, a phrase the page uses
twice) must not light up the wrong place, so pieces are taken in reading order:
each where the page's text blocks put it after the piece before.
"""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf

CHUNK_WORDS = 5  # text is searched for on the page in pieces of this many words
PASSAGE_COLOUR, PASSAGE_OPACITY = (1.0, 0.93, 0.62), 0.35  # light: the passage around the quote
QUOTE_COLOUR, QUOTE_OPACITY = (1.0, 0.72, 0.0), 0.8  # strong: the quoted sentences


def render_page(path: Path, page_number: int, passage_text: str, quote: str = "", zoom: float = 1.6, password: str | None = None, last_page: int | None = None) -> bytes:
    """PNG bytes of a 1-based physical page with the passage and, within it, the quote highlighted.

    With `last_page`, the page of the passage's span that shows the quote is drawn.
    """
    with pymupdf.open(path) as doc:
        if doc.needs_pass and not (password and doc.authenticate(password)):
            raise ValueError(f"{path.name}: encrypted")
        page = _quote_page(doc, page_number, last_page or page_number, quote)
        quoted = _in_reading_order(page, quote)
        covered = {_key(page, q) for q in quoted}
        light = [q for q in _in_reading_order(page, passage_text) if _key(page, q) not in covered]
        _mark(page, light, PASSAGE_COLOUR, PASSAGE_OPACITY)
        _mark(page, quoted, QUOTE_COLOUR, QUOTE_OPACITY)
        return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), annots=True).tobytes("png")


def _quote_page(doc: pymupdf.Document, first: int, last: int, quote: str) -> pymupdf.Page:
    opening = " ".join(re.findall(r"\S+", quote)[:CHUNK_WORDS])
    for number in range(first, min(last, len(doc)) + 1):
        if opening and doc[number - 1].search_for(opening):
            return doc[number - 1]
    return doc[first - 1]


def _in_reading_order(page: pymupdf.Page, text: str) -> list[pymupdf.Quad]:
    """The quads of each piece of `text`, each piece at its first place after the piece before."""
    words = re.findall(r"\S+", text)
    chosen: list[pymupdf.Quad] = []
    position: tuple | None = None
    for first in range(0, len(words), CHUNK_WORDS):
        found = sorted(page.search_for(" ".join(words[first : first + CHUNK_WORDS]), quads=True), key=lambda q: _key(page, q))
        after = [q for q in found if position is None or _key(page, q) > position]
        if not after:
            continue
        start = after[0]
        taken = [q for q in after if q.rect.y0 <= start.rect.y0 + 2.5 * start.rect.height and _key(page, q)[0] <= _key(page, start)[0] + 1]
        chosen.extend(taken)
        position = _key(page, taken[-1])
    return chosen


def _key(page: pymupdf.Page, quad: pymupdf.Quad) -> tuple[int, int, int]:
    """Reading position: the index of the text block holding the quad, then line and column."""
    blocks = _blocks(page)
    centre = quad.rect.tl + (quad.rect.br - quad.rect.tl) * 0.5
    index = next((i for i, rect in enumerate(blocks) if centre in rect), len(blocks))
    return index, round(quad.rect.y0), round(quad.rect.x0)


def _blocks(page: pymupdf.Page) -> list[pymupdf.Rect]:
    cached = getattr(page, "_kb_blocks", None)
    if cached is None:
        cached = [pymupdf.Rect(b[:4]) for b in page.get_text("blocks") if b[6] == 0]
        page._kb_blocks = cached
    return cached


def _mark(page: pymupdf.Page, quads: list[pymupdf.Quad], colour: tuple[float, float, float], opacity: float) -> None:
    for quad in quads:
        annot = page.add_highlight_annot(quad)
        annot.set_colors(stroke=colour)
        annot.set_opacity(opacity)
        annot.update()
