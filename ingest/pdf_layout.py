"""Page geometry for PDFs: text lines, running headers and footers, reading order.

PyMuPDF gives text lines with boxes and fonts. Three things it does not give:
- spaces that justified lines lost (rebuilt here from the gaps between glyphs);
- which lines are running headers, footers or page numbers (lines that repeat in
  the page margins of most pages are not content);
- the reading order of multi-column pages: its default order can put footnotes
  first and `sort=True` interleaves columns, so lines are grouped into columns
  by the empty vertical strips (gutters) between them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

import pymupdf

MARGIN_SHARE = 0.11  # top and bottom share of the page where running lines live
_PAGE_NUMBER = re.compile(r"^\W*(?:side|page|s\.)?\s*(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:av|of|/)\s*\d{1,4})?\W*$", re.IGNORECASE)
_SPACE_GAP = 0.12  # a gap wider than this share of the font size between glyphs is a space


@dataclass(frozen=True)
class Line:
    page: int  # 1-based physical page
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float  # font size, weighted by characters
    bold: bool  # most of its letters are bold
    column: int = 0  # reading-order group on its page

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _span_text(span: dict, previous_end: float | None) -> tuple[str, float | None]:
    """Text of a rawdict span, with spaces put back where glyph gaps show them."""
    out: list[str] = []
    threshold = _SPACE_GAP * span["size"]
    for char in span["chars"]:
        x0, x1 = char["bbox"][0], char["bbox"][2]
        c = char["c"]
        if previous_end is not None and x0 - previous_end > threshold and c != " " and out[-1:] != [" "]:
            out.append(" ")
        out.append(c)
        previous_end = x1 if c != " " else None
    return "".join(out), previous_end


def _line_from_raw(raw: dict, page_number: int) -> Line | None:
    parts: list[str] = []
    previous_end: float | None = None
    sizes: Counter[float] = Counter()
    bold_letters = letters = 0
    for span in raw["spans"]:
        text, previous_end = _span_text(span, previous_end)
        parts.append(text)
        count = sum(1 for ch in text if not ch.isspace())
        sizes[round(span["size"], 1)] += count
        if span["flags"] & pymupdf.TEXT_FONT_BOLD or "bold" in span["font"].lower():
            bold_letters += count
        letters += count
    text = re.sub(r"\s+", " ", "".join(parts)).strip()
    if not text:
        return None
    x0, y0, x1, y1 = raw["bbox"]
    size = sizes.most_common(1)[0][0]
    return Line(page_number, x0, y0, x1, y1, text, size, letters > 0 and bold_letters >= 0.6 * letters)


def page_lines(page: pymupdf.Page, textpage: pymupdf.TextPage | None = None) -> list[Line]:
    """All text lines of a page (horizontal text only), spaces repaired."""
    data = page.get_text("rawdict", textpage=textpage, flags=pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_IMAGES)
    lines = []
    for block in data["blocks"]:
        for raw in block.get("lines", []):
            if abs(raw["dir"][1]) > 0.1:  # rotated text: margins notes, stamps
                continue
            line = _line_from_raw(raw, page.number + 1)
            if line:
                lines.append(line)
    # OCR and some writers set one visual line as several pieces; join close ones
    # (closer than a column gap) so running headers can be recognised.
    return _merge_same_baseline(sorted(lines, key=lambda ln: (round(ln.y0), ln.x0)), gap_factor=0.8)


def _signature(line: Line) -> tuple[str, int]:
    """Text with digits masked, and the line's height band: headers repeat in place."""
    masked = re.sub(r"\d+", "#", line.text.lower())
    return re.sub(r"[^\w#]+", "", masked), int(line.y0 // 6)


def running_lines(pages: list[list[Line]], heights: list[float]) -> set[tuple[str, int]]:
    """Signatures of lines that repeat in the page margins of most pages."""
    if len(pages) < 2:
        return set()
    counts: Counter[tuple[str, int]] = Counter()
    for lines, height in zip(pages, heights, strict=True):
        found = {_signature(line) for line in lines if _in_margin(line, height)}
        counts.update({(text, band + shift) for text, band in found for shift in (-1, 0, 1)})
    needed = max(2, int(0.4 * len(pages) + 0.5))
    return {sig for sig, count in counts.items() if count >= needed}


def _in_margin(line: Line, height: float) -> bool:
    return line.y1 <= MARGIN_SHARE * height or line.y0 >= (1 - MARGIN_SHARE) * height


def _alone_on_baseline(line: Line, lines: list[Line], running: set[tuple[str, int]]) -> bool:
    return not any(
        other is not line
        and _signature(other) not in running
        and min(other.y1, line.y1) - max(other.y0, line.y0) > 0.5 * min(other.height, line.height)
        for other in lines
    )


def drop_running(lines: list[Line], height: float, running: set[tuple[str, int]]) -> list[Line]:
    """Remove running headers, footers and bare page numbers from one page."""
    return [
        line
        for line in lines
        if not _in_margin(line, height)
        or not (
            _signature(line) in running
            or (_PAGE_NUMBER.match(line.text) and _alone_on_baseline(line, lines, running))
        )
    ]


def _gutters(lines: list[Line], left: float, right: float) -> list[tuple[float, float]]:
    """Empty vertical strips between columns of narrow lines."""
    area = right - left
    starts = Counter(round(line.x0) for line in lines)
    # Column text is left-aligned: centred titles that cross a gutter are ignored.
    narrow = [
        line
        for line in lines
        if line.width < 0.6 * area and sum(starts[round(line.x0) + d] for d in (-1, 0, 1)) >= 3
    ]
    if len(narrow) < 6 or area <= 0:
        return []
    bins = [0] * (int(area) + 2)
    for line in narrow:
        for x in range(int(line.x0 - left), int(line.x1 - left) + 1):
            bins[x] += 1
    limit = max(1, len(narrow) // 50)
    gutters, start = [], None
    for x, count in enumerate(bins):
        if count <= limit and start is None:
            start = x
        elif count > limit and start is not None:
            if x - start >= 6 and start > 0.1 * area and x < 0.9 * area:
                gutters.append((left + start, left + x))
            start = None
    return _balanced(gutters, narrow)


def _balanced(gutters: list[tuple[float, float]], narrow: list[Line]) -> list[tuple[float, float]]:
    """Keep gutters with real columns on both sides (not a ragged right edge)."""
    kept = []
    for gap_start, gap_end in gutters:
        left_count = sum(1 for line in narrow if line.x1 <= gap_start + 1)
        right_count = sum(1 for line in narrow if line.x0 >= gap_end - 1)
        if min(left_count, right_count) >= 0.15 * len(narrow):
            kept.append((gap_start, gap_end))
    return kept


def reading_order(lines: list[Line]) -> list[Line]:
    """Lines in reading order: bands split by full-width lines, columns left to right."""
    if not lines:
        return []
    left, right = min(line.x0 for line in lines), max(line.x1 for line in lines)
    gutters = _gutters(lines, left, right)
    edges = [left, *[(a + b) / 2 for a, b in gutters], right]

    def column_of(line: Line) -> int | None:
        for index in range(len(edges) - 1):
            if line.x0 >= edges[index] - 2 and line.x1 <= edges[index + 1] + 2:
                return index
        return None  # crosses a gutter: spans columns

    ordered: list[Line] = []
    band: list[Line] = []
    band_number = 0
    for line in sorted(lines, key=lambda ln: (ln.y0, ln.x0)):
        column = column_of(line) if gutters else 0
        if column is None:
            ordered.extend(_flush_band(band, band_number))
            band, band_number = [], band_number + 1
            ordered.append(replace(line, column=band_number * 100))
            band_number += 1
        else:
            band.append(replace(line, column=band_number * 100 + 1 + column))
    ordered.extend(_flush_band(band, band_number))
    return _merge_same_baseline(ordered)


def _flush_band(band: list[Line], band_number: int) -> list[Line]:
    return sorted(band, key=lambda ln: (ln.column, ln.y0, ln.x0))


def _merge_same_baseline(lines: list[Line], gap_factor: float = 4.0) -> list[Line]:
    """Join pieces of one visual line ("1." and "Introduction" set as two lines)."""
    merged: list[Line] = []
    for line in lines:
        last = merged[-1] if merged else None
        if last and last.column == line.column and _same_visual_line(last, line, gap_factor):
            first, second = sorted((last, line), key=lambda ln: ln.x0)
            merged[-1] = replace(
                first,
                x1=max(first.x1, second.x1),
                y0=min(first.y0, second.y0),
                y1=max(first.y1, second.y1),
                text=f"{first.text} {second.text}",
                bold=first.bold and second.bold,
                size=max(first.size, second.size),
            )
        else:
            merged.append(line)
    return merged


def _same_visual_line(a: Line, b: Line, gap_factor: float) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    gap = max(a.x0, b.x0) - min(a.x1, b.x1)
    return overlap > 0.5 * min(a.height, b.height) and -1 <= gap < gap_factor * max(a.size, b.size)
