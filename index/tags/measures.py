"""Named measures and programmes, found by the patterns names recur in, not from a list.

Three patterns, over the whole corpus at once:
- a proper-noun compound whose head names a programme ("Groruddalssatsingen", "Språkløftet",
  "Jobbsjansen", "Oslo Sør-satsinga"), or a bare head followed by a name ("Områdeløft Fjell",
  "Handlingsprogram Oslo indre øst"). A compound counts as a name when it is written with a
  capital inside sentences ("områdesatsing" is a kind of thing; "Groruddalssatsingen" is one);
- a cue word and the name it introduces ("tiltaket «Nyttig arbeid»", "prosjektet Bydelsmødre"),
  or a quoted capitalised phrase in a sentence with a cue word;
- a lowercase name after "forsøket med", "ordningen med" …, when it recurs ("gratis kjernetid").
Names are grouped by their words with Norwegian letters folded and inflection tolerated
("Groruddalssatsinga" = "Groruddalssatsingen"); a group is shown by its most frequent form and
kept when it is mentioned at least twice in the corpus (a quoted name after a cue word once).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from wordfreq import zipf_frequency

from index.present.conflicts import same_thing
from index.text.analysis import stopwords

_HEADS = r"(?:satsing(?:en|a|ar|ane|er|ene)?|løft(?:et|a)?|loft(?:et|a)?|program(?:met)?|prosjekt(?:et)?|sjansen|tiltaket)"
_JOIN = r"(?:indre|ytre|nordre|søndre|øst|aust|vest|sør|nord|for|i)"
_CAP = r"[A-ZÆØÅ][\wæøåÆØÅ]*"
# a capitalised compound ending in a programme head, optionally after capitalised names joined by
# a hyphen ("Oslo Sør-satsinga"), optionally followed by a name ("Områdeløft Fjell")
_HEAD_NAME = re.compile(
    rf"(?<![\w-])((?:{_CAP} )?{_CAP}-)?({_CAP}{_HEADS})\b((?: (?:{_JOIN} )*{_CAP})*(?: (?:[Ii]ndre |[Yy]tre |[Nn]ordre |[Ss]øndre )?(?:[ØøOo]st|[Aa]ust|[Vv]est|[Ss]ør|[Nn]ord))?)"
)
_CUES = r"(?:tiltaket|tiltak|prosjektet|programmet|ordningen|ordninga|satsingen|satsinga|forsøket|forsøk|kampanjen|initiativet|modellen|metodikken|konseptet|tilbudet|tilbodet|tilskuddsordningen|tilskotsordninga)"
_QUOTED = re.compile(r"[«\"“]([A-ZÆØÅ][^»\"”\n]{1,60}?)[»\"”]")
_CUE_NAME = re.compile(rf"\b{_CUES}\s+({_CAP}(?:\s[\wæøå]+){{0,3}})")
_CUE_WORD = re.compile(rf"\b{_CUES}\b", re.IGNORECASE)
_WITH = re.compile(r"\b(?i:forsøket|forsøk|forsøksordningen|prøveordningen|prøveordninga)\s+med\s+((?:[a-zæøå]+\s){1,2}[a-zæøå]+)")
# heads that name an organisation, not a measure
_ORGANISATION = re.compile(r"(?:direktorat|departement|etat|kontor|bank|banken|tilsyn|institutt|universitet|høgskole|kommune|senter|senteret|fylke)\w*$", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;•\n]\s*|^\s*[-–]\s*)$")
COMMON_WORD = 3.0  # wordfreq Zipf: a one-word name this common is an ordinary word ("Arbeid")
MIN_MENTIONS = 2
MIN_LOWERCASE_MENTIONS = 3


@dataclass(frozen=True)
class Measure:
    name: str  # the most frequent form
    forms: tuple[str, ...]  # every form met in the corpus
    mentions: int
    case_sensitive: bool  # proper names match with their capital; lowercase names in any case


def find_measures(texts: Iterable[str], places: frozenset[str] = frozenset()) -> list[Measure]:
    """The measures named in `texts` (the corpus's passages), by the patterns above."""
    texts = list(texts)
    proper, strong, lowercase = Counter(), set(), Counter()
    midsentence_caps, midsentence_lower = Counter(), Counter()
    for text in texts:
        for match in _HEAD_NAME.finditer(text):
            name = _clean(match.group(0) if _names_a_place(match.group(3), places) else match.group(0)[: match.start(3) - match.start()])
            head = match.group(2)
            if _SENTENCE_START.search(text[: match.start()]) is None:
                midsentence_caps[head.casefold()] += 1
            proper[name] += 1
        for word in re.finditer(r"(?<![\w-])([a-zæøå]\w*" + _HEADS + r")\b", text):
            if _SENTENCE_START.search(text[: word.start()]) is None:
                midsentence_lower[word.group(1).casefold()] += 1
        for match in _CUE_NAME.finditer(text):
            name = _until_stopword(match.group(1))
            if name and not (" " not in name and zipf_frequency(name.casefold(), "nb") >= COMMON_WORD):
                proper[name] += 1
        for match in _QUOTED.finditer(text):
            near = text[max(0, match.start() - 40) : match.start()] + " " + text[match.end() : match.end() + 20]
            if _CUE_WORD.search(near) and len(match.group(1).split()) <= 5:
                name = _clean(match.group(1))
                proper[name] += 1
                strong.add(name)
        for match in _WITH.finditer(text):
            name = _until_stopword(match.group(1))
            if name and len(name.split()) >= 2:
                lowercase[name] += 1
    names = _fold_places({n: c for n, c in proper.items() if _is_proper(n, midsentence_caps, midsentence_lower, places)})
    groups = _group(names, case_sensitive=True, strong=strong)
    for name in list(lowercase):
        lowercase[name] = sum(t.casefold().count(name) for t in texts)
    groups += _group({n: c for n, c in lowercase.items() if c >= MIN_LOWERCASE_MENTIONS}, case_sensitive=False, strong=set())
    return sorted(groups, key=lambda m: (-m.mentions, m.name))


def _names_a_place(extension: str, places: frozenset[str]) -> bool:
    """A bare head's extension belongs to the name when it begins with a place ("Områdeløft Fjell"),
    not when it is a heading's next word ("Groruddalssatsingen Programområde")."""
    words = [w for w in extension.split() if w[:1].isupper()]
    return bool(words) and (words[0] in places or words[0].rstrip("s") in places)


def _clean(name: str) -> str:
    return " ".join(name.strip(" «»\"“”.,;:").split())


def _until_stopword(phrase: str) -> str:
    words = []
    stop = stopwords()
    for word in phrase.split():
        if word.casefold() in stop or not word.isalpha():
            break
        words.append(word)
    return _clean(" ".join(words))


def _is_proper(name: str, caps: Counter, lower: Counter, places: frozenset[str]) -> bool:
    if name in places or _ORGANISATION.search(name.split()[-1]) or not name[:1].isupper():
        return False
    head = re.search(rf"[\w]*{_HEADS}$", name.split()[0] if " " in name and re.match(rf"{_CAP}{_HEADS}\b", name) else name)
    if head is None:
        return True  # a cue-introduced or quoted name
    key = head.group(0).casefold()
    return " " in name or "-" in name or caps[key] > lower[key]


def _fold_places(names: dict[str, int]) -> dict[str, int]:
    """"Groruddalssatsinga i Oslo" is "Groruddalssatsinga" where that is a name of its own."""
    out: Counter = Counter()
    for name, count in names.items():
        head, _, rest = name.partition(" i ")
        out[head if rest and head in names else name] += count
    return dict(out)


def _group(counts: dict[str, int], case_sensitive: bool, strong: set[str]) -> list[Measure]:
    clusters: list[list[str]] = []
    for name in sorted(counts, key=lambda n: -counts[n]):
        for cluster in clusters:
            if len(cluster[0].split()) == len(name.split()) and same_thing(cluster[0], name):
                cluster.append(name)
                break
        else:
            clusters.append([name])
    out = []
    for cluster in clusters:
        mentions = sum(counts[n] for n in cluster)
        if mentions >= MIN_MENTIONS or any(n in strong for n in cluster):
            out.append(Measure(cluster[0], tuple(cluster), mentions, case_sensitive))
    return out


class MeasureMatcher:
    """Which of the corpus's measures a passage names."""

    def __init__(self, measures: list[Measure]):
        self._form = {}
        for measure in measures:
            for form in measure.forms:
                self._form.setdefault(form if measure.case_sensitive else form.casefold(), measure.name)
        forms = sorted(self._form, key=len, reverse=True)
        self._pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.IGNORECASE) if forms else None

    def find(self, text: str) -> list[str]:
        if self._pattern is None:
            return []
        found: dict[str, None] = {}
        for match in self._pattern.finditer(text):
            surface = match.group(1)
            name = self._form.get(surface) or self._form.get(surface.casefold())  # a proper name only as written
            if name:
                found[name] = None
        return list(found)
