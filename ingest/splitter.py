"""ParsedDocument -> passages of about `target_words`, cut on sentence boundaries.

Rules, in order of strength:
- a passage never ends inside a sentence (a single "sentence" longer than
  `max_words`, such as a table flattened into one line, is cut at word gaps);
- a passage never ends on a heading: trailing headings move to the next passage;
- a heading starts a new passage once the current one has `min_words`;
- a paragraph end is the preferred cut once `target_words` is reached;
- consecutive passages share up to `overlap_words` of whole sentences, but not
  across a heading;
- notes (footnotes) form passages of their own, after the body.
Every sentence of every block lands in at least one passage, so the passages of
a document cover all of its text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from ingest.language import detect_language
from ingest.records import BlockSpan, ParsedDocument, Passage
from ingest.sentences import sentence_spans
from settings import IngestSettings

_WORDS = re.compile(r"\S+")


@dataclass(frozen=True)
class Unit:
    """A sentence (or a heading) placed in the clean text."""

    start: int
    end: int
    words: int
    block: int
    kind: str  # heading | paragraph | note
    block_start: bool


def _word_pieces(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word gaps into pieces of at most `max_words`."""
    words = list(_WORDS.finditer(text, start, end))
    pieces = []
    for first in range(0, len(words), max_words):
        chunk = words[first : first + max_words]
        pieces.append((chunk[0].start(), chunk[-1].end()))
    return pieces


def units_of(doc: ParsedDocument, max_words: int) -> list[Unit]:
    """All sentences and headings of the document, in text order."""
    units: list[Unit] = []
    for index, block in enumerate(doc.blocks):
        spans = [(block.start, block.end)] if block.kind == "heading" else sentence_spans(doc.text, block.start, block.end)
        first = True
        for start, end in spans:
            words = len(_WORDS.findall(doc.text, start, end))
            pieces = _word_pieces(doc.text, start, end, max_words) if words > max_words else [(start, end)]
            for piece_start, piece_end in pieces:
                count = len(_WORDS.findall(doc.text, piece_start, piece_end))
                units.append(Unit(piece_start, piece_end, count, index, block.kind, first))
                first = False
    return units


def _should_cut(current: list[Unit], words: int, nxt: Unit, cfg: IngestSettings) -> bool:
    if not current:
        return False
    if (nxt.kind == "note") != (current[-1].kind == "note"):
        return True
    if words + nxt.words > cfg.max_words:
        return True
    if nxt.kind == "heading" and current[-1].kind != "heading" and words >= cfg.min_words:
        return True
    return nxt.block_start and words >= cfg.target_words


def _overlap(previous: list[Unit], nxt: Unit, cfg: IngestSettings) -> list[Unit]:
    """Whole trailing sentences of the previous passage, up to `overlap_words`."""
    if nxt.kind == "heading" or cfg.overlap_words == 0:
        return []
    carried: list[Unit] = []
    total = 0
    for unit in reversed(previous):
        if unit.kind != nxt.kind or unit.kind == "heading" or total + unit.words > cfg.overlap_words:
            break
        carried.insert(0, unit)
        total += unit.words
    return carried if len(carried) < len(previous) else []


def group_units(units: list[Unit], cfg: IngestSettings) -> list[list[Unit]]:
    """Pack units into passages following the module's rules."""
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    words = 0
    for unit in units:
        if _should_cut(current, words, unit, cfg):
            trailing = []
            while current and current[-1].kind == "heading":
                trailing.insert(0, current.pop())
            if current:
                groups.append(current)
                current = _overlap(current, trailing[0] if trailing else unit, cfg) + trailing
            else:
                current = trailing
            words = sum(u.words for u in current)
        current.append(unit)
        words += unit.words
    if current:
        groups.append(current)
    return _merge_short_tail(groups, cfg)


def _merge_short_tail(groups: list[list[Unit]], cfg: IngestSettings) -> list[list[Unit]]:
    """Fold a very short last body passage into the one before it when it fits."""
    if len(groups) < 2:
        return groups
    last, before = groups[-1], groups[-2]
    last_words = sum(u.words for u in last if u not in before)
    same_kind = (last[0].kind == "note") == (before[-1].kind == "note")
    if same_kind and last_words < cfg.min_words // 2 and sum(u.words for u in before) + last_words <= cfg.max_words:
        merged = before + [u for u in last if u not in before]
        return [*groups[:-2], merged]
    return groups


def passage_id(doc_id: str, text: str, occurrence: int) -> str:
    """Stable id: the same text in the same document gets the same id in every run."""
    digest = hashlib.sha256(f"{doc_id}\x00{occurrence}\x00{text}".encode()).hexdigest()
    return digest[:16]


def _pages(doc: ParsedDocument, blocks: list[BlockSpan], start: int, end: int) -> tuple[int | None, int | None]:
    marks = [mark for block in blocks for mark in block.pages]
    if not marks:
        return None, None
    before = [page for offset, page in marks if offset <= start]
    inside = [page for offset, page in marks if offset < end]
    first = before[-1] if before else marks[0][1]
    return first, (inside[-1] if inside else first)


def split_document(doc: ParsedDocument, doc_id: str, cfg: IngestSettings, default_language: str = "nb") -> list[Passage]:
    """Split a parsed document into passages with stable ids, pages and neighbours."""
    groups = group_units(units_of(doc, cfg.max_words), cfg)
    labels = {page.number: page.label for page in doc.pages}
    seen: Counter[str] = Counter()
    drafts = []
    for ordinal, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        text = doc.text[start:end]
        blocks = [doc.blocks[i] for i in sorted({u.block for u in group})]
        page_start, page_end = _pages(doc, blocks, start, end)
        occurrence = seen[text]
        seen[text] += 1
        drafts.append(
            dict(
                passage_id=passage_id(doc_id, text, occurrence),
                doc_id=doc_id,
                ordinal=ordinal,
                text=text,
                start=start,
                end=end,
                section=_section(doc, group),
                language=detect_language(text, default_language),
                page_start=page_start,
                page_end=page_end,
                page_label_start=labels.get(page_start) if page_start else None,
                page_label_end=labels.get(page_end) if page_end else None,
                is_note=group[0].kind == "note",
            )
        )
    return _link(drafts)


def _section(doc: ParsedDocument, group: list[Unit]) -> tuple[str, ...]:
    """The section of the passage's first text (leading headings name it)."""
    first_text = next((u for u in group if u.kind != "heading"), group[0])
    return doc.blocks[first_text.block].section


def _link(drafts: list[dict]) -> list[Passage]:
    passages = []
    for index, draft in enumerate(drafts):
        prev_id = drafts[index - 1]["passage_id"] if index > 0 else None
        next_id = drafts[index + 1]["passage_id"] if index + 1 < len(drafts) else None
        passages.append(Passage(**draft, prev_id=prev_id, next_id=next_id))
    return passages
