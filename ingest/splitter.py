"""ParsedDocument -> passages of about `target_words`, cut on sentence boundaries.

Rules, in order of strength:
- a passage never ends inside a sentence (a single "sentence" longer than
  `max_words`, such as a table flattened into one line, is cut at word gaps);
- a passage never ends on a heading: trailing headings move to the next passage
  (a heading and the first sentence under it may together pass `max_words`);
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
CHARS_PER_WORD = 20  # a "word" longer than this on average is not prose (a URL, a line of junk)


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
    """Cut an over-long sentence at word gaps into pieces of at most `max_words`,
    and a piece longer than `max_words` * CHARS_PER_WORD characters (a line with no
    spaces) at that many characters, so no passage grows without bound."""
    words = list(_WORDS.finditer(text, start, end))
    pieces = []
    for first in range(0, len(words), max_words):
        chunk = words[first : first + max_words]
        pieces.append((chunk[0].start(), chunk[-1].end()))
    limit = max_words * CHARS_PER_WORD
    return [(s, min(s + limit, e)) for a, e in pieces for s in range(a, e, limit)]


def units_of(doc: ParsedDocument, max_words: int) -> list[Unit]:
    """All sentences and headings of the document, in text order."""
    units: list[Unit] = []
    for index, block in enumerate(doc.blocks):
        spans = [(block.start, block.end)] if block.kind == "heading" else sentence_spans(doc.text, block.start, block.end)
        first = True
        for start, end in spans:
            words = len(_WORDS.findall(doc.text, start, end))
            too_long = words > max_words or end - start > max_words * CHARS_PER_WORD
            pieces = _word_pieces(doc.text, start, end, max_words) if too_long else [(start, end)]
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
    if all(u.kind == "heading" for u in current):
        return False  # a heading stays with what it heads, even past max_words
    if words + nxt.words > cfg.max_words or nxt.end - current[0].start > cfg.max_words * CHARS_PER_WORD:
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
        if previous[-1].end - unit.start > cfg.overlap_words * CHARS_PER_WORD:
            break
        carried.insert(0, unit)
        total += unit.words
    return carried if len(carried) < len(previous) else []


def group_units(units: list[Unit], cfg: IngestSettings) -> list[list[Unit]]:
    """Pack units into passages following the module's rules."""
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    for unit in units:
        if _should_cut(current, _words(current), unit, cfg):
            trailing = _trailing_headings(current)
            current = current[: len(current) - len(trailing)]
            if current:
                groups.append(current)
                carried = _overlap(current, trailing[0] if trailing else unit, cfg)
                current = carried if _words(carried + trailing) + unit.words <= cfg.max_words else []
                current += trailing
            else:
                groups.append(trailing)  # only headings before the notes: the document's end
                current = []
        current.append(unit)
    if current:
        groups.append(current)
    return _merge_short_tail(groups, cfg)


def _words(units: list[Unit]) -> int:
    return sum(u.words for u in units)


def _trailing_headings(current: list[Unit]) -> list[Unit]:
    """Headings at the end of a passage: they move to the next one, with their text."""
    trailing: list[Unit] = []
    for unit in reversed(current):
        if unit.kind != "heading":
            break
        trailing.insert(0, unit)
    return trailing


def _merge_short_tail(groups: list[list[Unit]], cfg: IngestSettings) -> list[list[Unit]]:
    """Fold a very short last body passage into the one before it when it fits."""
    if len(groups) < 2:
        return groups
    last, before = groups[-1], groups[-2]
    last_words = sum(u.words for u in last if u not in before)
    same_kind = (last[0].kind == "note") == (before[-1].kind == "note")
    fits = sum(u.words for u in before) + last_words <= cfg.max_words and last[-1].end - before[0].start <= cfg.max_words * CHARS_PER_WORD
    if same_kind and last_words < cfg.min_words // 2 and fits:
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
