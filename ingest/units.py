"""A passage's text as the units a reader sees: sentences, list items, headings,
notes, captions, table cells, table-of-contents lines and fragments.

Only whole statements ("sentence", and "item" when a list item is one) may be
quoted as an answer; the rest are kept as units of their own so that a heading
or a footnote line is never glued to a sentence. Every unit is an exact slice
of the passage text (offsets), so quotes stay the source's own words; a list
item's bullet is left outside its slice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ingest.headings import looks_like_title, numbered_level
from ingest.sentences import sentence_spans

QUOTABLE = frozenset({"sentence", "item"})

_BULLET = re.compile(r"(?:[•·▪●○◦■□➢►✓¢–\-*]|e(?=\s+[A-ZÆØÅ]))\s+")  # OCR reads "•" as "e" or "¢"
_INLINE_BULLET = re.compile(r"\s[•·▪●■➢►]\s+")  # bullets that extraction ran together in one paragraph
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}|…{2,}|_{4,}")
_TOC_ENTRY = re.compile(r"[A-Za-zÆØÅæøå)]\s+\d{1,3}\s+(?:\d{1,2}(?:\.\d{1,2})*\s+)?[A-ZÆØÅ]")
_NOTE_START = re.compile(r"\d{1,3}\s+\S")
# "17 Dette er et resultat …": a note number before a capital; "38 prosent av …" is a sentence
_NOTE_LINE = re.compile(r"\d{1,3}\s+[A-ZÆØÅ«\"“]")
_NOTE_CUES = re.compile(
    r"\((?:19|20)\d\d|https?://|www\.|\bNOU\s\d|Meld\.\s?St|St\.\s?meld|Prop\.\s\d|\bs\.\s\d|\bHentet\b|\bIbid\b|\bjf\.|"
    r"\b(?:[Ss]e|[Ss]jå) (?:også|kapittel|kap\.)"
)
# "Figur 3 Bygdevekstavtalens fasedelte løp." is a caption; "Figur 4.2 viser …" is a sentence
_CAPTION = re.compile(r"(?:Figur|Figure|Tabell|Table|Boks|Box|Kilde|Kjelde|Source)\s*\d+(?:[.,]\d+)*\s*[:.–-]?\s+[«\"“(]?[A-ZÆØÅ]|(?:Kilde|Kjelde|Source)\s*:")
_PHOTO_CREDIT = re.compile(r"\b(?:Foto|Photo|Illustrasjon)\s*:")
_STATEMENT_END = re.compile(r"[.!?…][»”\"')\]]*$|[.!?…][»”\"')\]]*\s*\(\S[^)]*\)\.?$")  # not ":", a list's lead-in
_STATEMENT_START = re.compile(r"[«\"“(\[]?[A-ZÆØÅÄÖÉÜ0-9]")
_NUMBERS_ONLY = re.compile(r"[\d\s.,%–\-−+/()kr]+")


@dataclass(frozen=True)
class Unit:
    kind: str  # sentence, item, heading, note, caption, table, toc, fragment
    start: int  # offsets in the passage text
    end: int

    @property
    def quotable(self) -> bool:
        return self.kind in QUOTABLE


def is_statement(text: str) -> bool:
    """A whole sentence: starts like one, ends like one and has at least four words."""
    text = text.strip()
    return len(text.split()) >= 4 and bool(_STATEMENT_START.match(text)) and bool(_STATEMENT_END.search(text))


def passage_units(text: str, headings: Iterable[str] = (), is_note: bool = False) -> list[Unit]:
    """The units of a passage's text, in order; `headings` is the passage's section path."""
    return list(_units(text, tuple(headings), is_note))


@lru_cache(maxsize=2048)
def _units(text: str, headings: tuple[str, ...], is_note: bool) -> tuple[Unit, ...]:
    """Memoized: a search cuts its hits into units for their citations, then again for the answer."""
    known = {" ".join(h.split()) for h in headings}
    return tuple(unit for start, end in _paragraphs(text) for unit in _paragraph_units(text, start, end, known, is_note))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Offsets of the blank-line separated paragraphs, surrounding spaces excluded."""
    spans = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _paragraph_units(text: str, start: int, end: int, headings: set[str], is_note: bool) -> list[Unit]:
    para = text[start:end]
    kind = _block_kind(para, headings, is_note)
    if kind is not None:
        return [Unit(kind, start, end)]
    if "\n" in para:  # lines kept apart by the layout (a list, a table, a table of contents)
        return [u for s, e in _lines(text, start, end) for u in _paragraph_units(text, s, e, headings, is_note)]
    pieces = _split_items(text, start, end)
    if len(pieces) > 1:
        return [u for s, e in pieces for u in _paragraph_units(text, s, e, headings, is_note)]
    if bullet := _BULLET.match(para):
        return _sentences(text, start + bullet.end(), end, item=True)
    return _sentences(text, start, end, item=False)


def _block_kind(para: str, headings: set[str], is_note: bool) -> str | None:
    """The kind of a paragraph that is one unit whole, or None for running text."""
    flat = " ".join(para.split())
    if is_note:
        return "note"
    if flat in headings:
        return "heading"
    if _DOT_LEADER.search(flat) or len(_TOC_ENTRY.findall(flat)) >= 3:
        return "toc"
    if _NOTE_START.match(flat) and _NOTE_CUES.search(flat[:120]) and not is_statement(flat):
        return "note"  # "5 Prop. 1 S (2024-2025) …", before it can pass for chapter 5
    if numbered_level(flat) is not None:
        return "heading"
    if _NUMBERS_ONLY.fullmatch(flat):
        return "table"
    if _NOTE_LINE.match(flat):
        return "note"
    if _CAPTION.match(flat):
        return "caption"
    if "\n" not in para and looks_like_title(flat) and not is_statement(flat) and len(sentence_spans(flat)) == 1:
        return "heading"
    return None


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for line in text[start:end].split("\n"):
        s = cursor + len(line) - len(line.lstrip())
        e = cursor + len(line.rstrip())
        if s < e:
            spans.append((s, e))
        cursor += len(line) + 1
    return spans


def _split_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A paragraph that holds several bulleted items run together, cut before each bullet."""
    cuts = [m.start() + 1 for m in _INLINE_BULLET.finditer(text, start, end)]
    if not cuts:
        return [(start, end)]
    bounds = [start, *cuts, end]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()]


# "Bomiljøtiltak og områdeutvikling: Det ble …": a label in front of a sentence is a heading of its own
_LABEL = re.compile(r"[A-ZÆØÅ][^.:!?\n]{2,60}:\s+(?=[A-ZÆØÅ])")  # not before a quotation: "Planen sier: «…»"
# "… Trondheim osv. De statlige …": an abbreviation that can end a sentence, before a capital
_ABBREVIATED_END = re.compile(r"\b(?:osv|o\.l|m\.m|mv|m\.v|etc|m\.fl|mfl)\.\s+(?=[A-ZÆØÅ][a-zæøå])")


def _spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence offsets, with labels cut off and abbreviations that end a sentence honoured."""
    out = []
    for s, e in sentence_spans(text, start, end):
        cuts = [m.end() for m in _ABBREVIATED_END.finditer(text, s, e)]
        label = _LABEL.match(text, s, e)
        if label and len(text[s : label.end()].split()) <= 6 and not _PHOTO_CREDIT.match(text, s, e):
            cuts.insert(0, label.end())
        bounds = [s, *cuts, e]
        out.extend((a, len(text[:b].rstrip())) for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip())
    return out


# not statements though they end like one: a link pointer, a reference, a list number before lower case
_NOT_STATEMENT = re.compile(
    r"\b(?:HER|HERE)\.$|^[A-ZÆØÅ][\w’'-]+(?:,? (?:og |and |& )?[A-ZÆØÅ][\w’'-]+)* \((?:19|20)\d\d[a-z]?\)\.$|^\d+\)\s+[a-zæøå]"
)
_INNER_CAPTION = re.compile(r"\S\s+(?:Figur|Figure|Tabell|Table)\s*\d+(?:\.\d+)*\s*:")


def _unbalanced_quote(text: str) -> bool:
    return text.count("”") + text.count("»") > text.count("“") + text.count("«")


def _sentences(text: str, start: int, end: int, item: bool) -> list[Unit]:
    units = []
    for s, e in _spans(text, start, end):
        piece = text[s:e]
        if _PHOTO_CREDIT.search(piece) or _CAPTION.match(piece):
            kind = "caption"
        elif _INNER_CAPTION.search(piece) or _unbalanced_quote(piece) or _NOT_STATEMENT.search(piece):
            kind = "fragment"  # a caption the layout put inside the sentence; the end of a quotation begun before
        elif is_statement(piece):
            kind = "item" if item else "sentence"
        else:
            kind = "fragment"
        units.append(Unit(kind, s, e))
    return units
