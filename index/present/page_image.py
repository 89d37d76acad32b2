"""A PDF page as an image with a passage's words highlighted, for the app."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf

CHUNK_WORDS = 5  # the passage is searched for on the page in pieces of this many words


def render_page(path: Path, page_number: int, passage_text: str, zoom: float = 1.6, password: str | None = None) -> bytes:
    """PNG bytes of a 1-based physical page, with the passage's text highlighted."""
    with pymupdf.open(path) as doc:
        if doc.needs_pass and not (password and doc.authenticate(password)):
            raise ValueError(f"{path.name}: encrypted")
        page = doc[page_number - 1]
        words = re.findall(r"\S+", passage_text)
        for first in range(0, len(words), CHUNK_WORDS):
            piece = " ".join(words[first : first + CHUNK_WORDS])
            for quad in page.search_for(piece, quads=True):
                page.add_highlight_annot(quad)
        return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), annots=True).tobytes("png")
