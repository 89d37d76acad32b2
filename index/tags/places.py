"""Places a passage names: Norwegian municipalities, city districts and named areas (the shipped
gazetteer, `places.yaml`) and the places the catalog gives its documents.

A name counts where it stands as a name: capitalised as the gazetteer writes it, as a whole
word (a genitive "Groruddalens" counts, a compound "Groruddalssatsingen" does not), compared
with Norwegian letters folded so OCR text without æøå still meets it. A name that is also an
ordinary word ("Fjell", "Nes", "Moss") counts only after a place preposition ("på Fjell", "i
Nes") or before "kommune"/"bydel". A passage's section headings count too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.tags.taxonomy import Place, fold

_WORD = re.compile(r"[^\W\d_]+")  # letters: "St. Hanshaugen" is "St Hanshaugen" on both sides
_PLACE_BEFORE = {"i", "på", "pa", "fra", "frå", "til", "ved", "rundt", "mot", "bydel", "bydelen", "nær", "naer"}
_PLACE_AFTER = {"kommune", "kommunes", "bydel", "sentrum"}
MAX_NAME_WORDS = 4
# a programme's name, not a place: "Handlingsprogram Oslo indre øst", "Områdeløft Fjell"
_PROGRAMME_BEFORE = re.compile(r"(?:satsing\w*|program\w*|løft\w*|loft\w*|plan\w*)$")
_CITATION_AFTER = re.compile(r"^,?\s+(?:19|20)\d\d\b")  # "(Ruud og Vestby 2017)": an author


@dataclass(frozen=True)
class _Entry:
    place: Place
    words: tuple[str, ...]  # as the gazetteer writes them (case kept)


class PlaceFinder:
    """Finds gazetteer places (and extra catalog places) in text; knows which lie inside which."""

    def __init__(self, places: Iterable[Place], extra: Iterable[str] = ()):
        known = {p.name: p for p in places}
        for name in extra:
            known.setdefault(name, Place(name, "catalog"))
        self.places = known
        self._entries: dict[tuple[str, ...], _Entry] = {}
        for place in known.values():
            for name in place.names:
                words = tuple(m.group() for m in _WORD.finditer(name))
                if words and len(words) <= MAX_NAME_WORDS:
                    self._entries.setdefault(tuple(fold(w) for w in words), _Entry(place, words))
        # the folded words a name can begin with (a one-word name also in the genitive): other words are passed by
        self._starts = {key[0] for key in self._entries} | {key[0] + "s" for key in self._entries if len(key) == 1}

    def find(self, text: str) -> list[str]:
        """The places `text` names, each once, in order of first mention."""
        words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
        folded = [fold(w[0]) if w[0][0].isupper() else "" for w in words]  # every name begins with a capital
        found: dict[str, None] = {}
        i = 0
        while i < len(words):
            length, entry = self._match_at(words, folded, i, text) if folded[i] in self._starts else (0, None)
            if entry is not None:
                found[entry.place.name] = None
            i += max(1, abs(length))
        return list(found)

    def _match_at(self, words: list[tuple[str, int, int]], folded: list[str], i: int, text: str) -> tuple[int, _Entry | None]:
        """The name starting at word i and its length; a negative length: words to pass over."""
        for length in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
            span = words[i : i + length]
            key = (folded[i], *(fold(w[0]) for w in span[1:]))
            entry = self._entries.get(key)
            if entry is None and key[-1].endswith("s"):
                entry = self._entries.get((*key[:-1], key[-1][:-1]))
            if entry and _in_compound(span, text):
                return -length, None  # "Oslo Sør-satsingen": neither Oslo Sør nor Oslo
            if entry and self._stands_as_name(entry, span, words, i, length, text):
                return length, entry
        return 0, None

    @staticmethod
    def _stands_as_name(entry: _Entry, span, words, i: int, length: int, text: str) -> bool:
        if entry.words[0][0].isupper() != span[0][0][0].isupper():
            return False  # the first word as the gazetteer writes it; later ones as they come ("Oslo sør")
        if any(w[0][0].isupper() and not x[0].isupper() for w, x in zip(span[1:], entry.words[1:], strict=True)):
            return False  # "Oslo Indre" is not "Oslo indre øst"
        start, end = span[0][1], span[-1][2]
        before = words[i - 1][0] if i > 0 and start - words[i - 1][2] <= 2 else ""
        if _PROGRAMME_BEFORE.search(fold(before)) or (len(before) > 1 and before.isupper()) or _CITATION_AFTER.match(text[end:]):
            return False  # in a programme's name, an organisation's ("NAV Oslo") or an author of a citation
        if not entry.place.ambiguous:
            return True
        before = before.casefold()
        after = words[i + length][0].casefold() if i + length < len(words) else ""
        return before in _PLACE_BEFORE or after in _PLACE_AFTER


def _in_compound(span, text: str) -> bool:
    """Part of a compound: "Oslo Sør-satsingen", "Fjell-prosjektet"."""
    start, end = span[0][1], span[-1][2]
    return (start > 0 and text[start - 1] in "-/") or (text[end : end + 1] == "-" and text[end + 1 : end + 2].isalpha())
