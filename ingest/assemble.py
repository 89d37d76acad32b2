"""Blocks from a reader -> one clean document text with offsets, sections and pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingest.records import Block, BlockSpan, PageSpan, ParsedDocument

BLOCK_SEPARATOR = "\n\n"


def _section_after(stack: list[tuple[int, str]], block: Block) -> list[tuple[int, str]]:
    """The heading stack after `block`: a heading closes deeper or equal levels."""
    if block.kind != "heading":
        return stack
    kept = [entry for entry in stack if entry[0] < block.level]
    return [*kept, (block.level, block.text)]


def assemble(
    blocks: Sequence[Block],
    page_labels: Mapping[int, str | None] | None = None,
    page_count: int = 0,
    warnings: Sequence[str] = (),
    found_metadata: dict[str, Any] | None = None,
) -> ParsedDocument:
    """Join blocks into the clean text; notes go after the body, keeping their section.

    Keeping notes out of the running text means a quote from the body never has
    a footnote's words in the middle of it, while the notes stay searchable.
    """
    text, spans, pages = _place(_with_sections(blocks), page_labels or {})
    return ParsedDocument(
        text=text,
        blocks=spans,
        pages=pages,
        page_count=page_count,
        warnings=tuple(warnings),
        found_metadata=dict(found_metadata or {}),
    )


Sectioned = list[tuple[Block, tuple[str, ...]]]


def _with_sections(blocks: Sequence[Block]) -> Sectioned:
    """Each non-empty block with its heading path; notes moved after the body."""
    notes: Sectioned = []
    body: Sectioned = []
    stack: list[tuple[int, str]] = []
    for block in blocks:
        if not block.text.strip():
            continue
        stack = _section_after(stack, block)
        (notes if block.kind == "note" else body).append((block, tuple(text for _, text in stack)))
    return body + notes


def _place(blocks: Sectioned, labels: Mapping[int, str | None]) -> tuple[str, tuple[BlockSpan, ...], tuple[PageSpan, ...]]:
    """The clean text, where each block lies in it, and where each page's body text lies."""
    parts: list[str] = []
    spans: list[BlockSpan] = []
    page_starts: dict[int, int] = {}
    page_ends: dict[int, int] = {}
    offset = 0
    for block, section in blocks:
        if parts:
            parts.append(BLOCK_SEPARATOR)
            offset += len(BLOCK_SEPARATOR)
        start, end = offset, offset + len(block.text)
        parts.append(block.text)
        marks = tuple((start + local, page) for local, page in block.pages)
        spans.append(BlockSpan(block.kind, start, end, section, block.note_id, marks))
        if block.kind != "note":
            _record_pages(marks, end, page_starts, page_ends)
        offset = end
    pages = tuple(PageSpan(number, labels.get(number), page_starts[number], page_ends[number]) for number in sorted(page_starts))
    return "".join(parts), tuple(spans), pages


def _record_pages(
    marks: tuple[tuple[int, int], ...], end: int, starts: dict[int, int], ends: dict[int, int]
) -> None:
    for index, (offset, page) in enumerate(marks):
        mark_end = marks[index + 1][0] if index + 1 < len(marks) else end
        starts[page] = min(starts.get(page, offset), offset)
        ends[page] = max(ends.get(page, mark_end), mark_end)
