"""Sentence boundaries in Norwegian and English text, as character offsets.

A small rule-based splitter: a sentence ends at . ! ? or … (with any closing
quote or bracket) followed by a space and a capital, digit, quote or bullet,
unless the word before the point is a known abbreviation ("bl.a.", "f.eks.",
"St. meld.", "kap.") or an initial. No maintained library splits Norwegian with
character offsets offline (NLTK's Punkt data is a download; pysbd has no
Norwegian), and the index needs offsets to quote exactly.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    """
    al avd bl.a ca d.e d.s dep dr dvs e.g eks ekskl etc ev evt f.eks f.o.m fig fm gj.sn
    i.e inkl jf jfr kap kl kr m.a m.fl m.m mfl mht mill mio mrd mr mrs ms mv nb nr o.a
    o.l osv p.t pga pkt prof prop pst ref resp s sst st stk t.d t.o.m tab tlf ca utg vol
    vs meld innst red jr no nos pp ff mnd n.d u.å
    """.split()
)

_BOUNDARY = re.compile(r"[.!?…]+[»”\"')\]]*\s+(?=[\"«“(\[]?[A-ZÆØÅÄÖÉ0-9•–-])")
_WORD_BEFORE = re.compile(r"(\S+)$")


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the point ending at `end` closes an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, max(0, end - 40), end)
    if not match:
        return False
    word = match.group(1).rstrip(".").lstrip("(«\"“").lower()
    if word in ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences in text[start:end], trailing spaces excluded."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        point = match.start() + len(match.group(0).rstrip())
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        spans.append((cursor, point))
        cursor = match.end()
    if cursor < end:
        tail_end = end
        while tail_end > cursor and text[tail_end - 1].isspace():
            tail_end -= 1
        if tail_end > cursor:
            spans.append((cursor, tail_end))
    return spans


def passage_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence offsets in a passage's text; a paragraph break (blank line) always ends one."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for block in text.split("\n\n"):
        start = text.index(block, cursor)
        spans.extend(sentence_spans(text, start, start + len(block)))
        cursor = start + len(block)
    return spans or [(0, len(text))]
