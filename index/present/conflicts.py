"""Where sources disagree: the same programme given different periods, or the same thing different amounts.

A fact is a value in a quotable sentence tied to what it is about: a period
("Handlingsprogram Oslo indre øst (1996-2007)", "… i tidsrommet 1997–2006") or an
amount ("… over ein milliard kroner", "65 millioner kroner"). What it is about is the
proper-noun phrase just before the value, or the sentence's subject when the value
stands alone ("Kvarterløfta var ein innsats … i perioden 1997–2007"). Two facts
conflict when they come from different documents, are about the same thing (the
names compared with Norwegian letters folded, so nynorsk "aust", OCR's lost "ø" and
"øst" still meet) and give different values of the same kind.

Only the source's words are shown: each value keeps the sentence it was read from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

_YEAR = r"(?:1[89]|20)\d\d"
_PERIOD = re.compile(rf"\b(?:fr[aå]\s+)?({_YEAR})\s*(?:[–—-]|\btil\b)\s*((?:{_YEAR})|\d\d)\b(?!\s*[–—-]?\s*\d)")
_AMOUNT = re.compile(
    r"\b(\d[\d  ]*(?:[.,]\d+)?|ein|en|én|ett|eitt|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti)\s+"
    r"(milliard(?:er)?|millionar|millioner|mill\.|mrd\.)\s*(?:kroner|kr\.?|NOK)\b",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"[A-ZÆØÅ][\w-]*")
_JOINERS = {"i", "for", "og", "indre", "ytre", "nordre", "søndre", "sondre", "-"}
_COMPASS = {"sør", "sor", "nord", "øst", "ost", "aust", "vest"}  # "Oslo sør", "Oslo indre aust"
# lowercase words that belong to a name before it: "ny tiårig Groruddalssatsing" is another programme
_QUALIFIERS = {"ny", "nye", "nytt", "tiårig", "tiarig", "tiårige", "neste"}
_LEAD_INS = re.compile(r"(?:\s|\(|,|i perioden|i tidsrommet|i åra|i årene|fra|frå|mellom|perioden|tidsrommet|i)*$", re.IGNORECASE)
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e"})
_NYNORSK = {"aust": "ost"}  # folded nynorsk compass words and their bokmål
# what has a period or a budget: a name must hold one of these heads (nb and nn, any inflection)
_PROGRAMME = re.compile(r"(?:satsing|program|løft|loft|prosjekt|strategi|plan|avtale|reform|ordning|initiativ|tiltak)", re.IGNORECASE)
# words that name a kind of thing, not the thing: "satsinga" alone says nothing about which one
_GENERIC = {"satsinga", "satsingen", "satsing", "programmet", "prosjektet", "staten", "kommunen", "regjeringen", "regjeringa", "den", "det", "dei", "de"}
SAME_WORD = 85  # rapidfuzz ratio at or above which two folded words of a name are one ("satsinga", "satsingen")


@dataclass(frozen=True)
class Fact:
    kind: str  # "period" or "amount"
    about: str  # the name as the sentence gives it
    value: str  # normalized: "1996–2007", "1 milliard kroner"
    source: int  # the index of the sentence it came from, in the caller's list
    doc_id: str


@dataclass(frozen=True)
class Conflict:
    kind: str
    about: str
    facts: tuple[Fact, ...]  # one per differing value, in the caller's order


@dataclass(frozen=True)
class Statement:
    """A quotable sentence as the conflict finder needs it."""

    text: str
    doc_id: str


def facts_in(text: str, source: int, doc_id: str) -> list[Fact]:
    """The periods and amounts a sentence gives, each tied to its programme's name. Only the first
    value of a kind may fall back on the sentence's subject: "X var tiårig (2007–2016), men en ny
    avtale … (2017–2026)" gives X one period, not two."""
    out = []
    for number, match in enumerate(_PERIOD.finditer(text)):
        start, end = match.group(1), match.group(2)
        end = end if len(end) == 4 else start[:2] + end
        if int(end) < int(start) or int(end) - int(start) > 40:
            continue  # not a period: a page range, a reference
        about = _about(text, match.start(), first=number == 0)
        if about:
            out.append(Fact("period", about, f"{start}–{end}", source, doc_id))
    for number, match in enumerate(_AMOUNT.finditer(text)):
        about = _about(text, match.start(), first=number == 0)
        if about:
            number = re.sub(r"[  ]", " ", match.group(1)).strip().casefold()
            unit = "milliard" if match.group(2).casefold().startswith(("milliard", "mrd")) else "million"
            out.append(Fact("amount", about, f"{number} {unit} kroner", source, doc_id))
    return out


def _about(text: str, at: int, first: bool) -> str:
    """The name a value belongs to: the name right before it, else (for a sentence's first value) its subject."""
    before = text[:at]
    lead = _LEAD_INS.search(before)
    near = _name_ending(before[: lead.start()] if lead else before)
    return near or (_subject(text) if first else "")


def _name_ending(text: str) -> str:
    """The name that ends `text`: capitalized words with their joiners, a trailing compass word,
    and a lowercase programme word or qualifier in front ("handlingsprogram for Oslo indre aust")."""
    words = [w.strip("«»\"“”(),:;") for w in text.split()]
    name: list[str] = []
    for word in reversed(words):
        low = word.casefold()
        if _NAME_WORD.fullmatch(word) or (name and low in _JOINERS) or (not name and low in _COMPASS):
            name.insert(0, word)
        elif name and (low in _QUALIFIERS or (_PROGRAMME.fullmatch(low) is None and _PROGRAMME.search(low) and word.isalpha())):
            name.insert(0, word)
            if low not in _QUALIFIERS:
                break
        else:
            break
    while name and name[0].casefold() in _JOINERS:
        name.pop(0)
    return _meaningful(" ".join(name))


def _subject(text: str) -> str:
    """The first capitalized phrase of the sentence, when it is a name rather than a function word."""
    match = re.match(r"\W*((?:[A-ZÆØÅ][\w-]*)(?:\s+(?:[A-ZÆØÅ][\w-]*|i|for|og|indre))*)", text)
    return _meaningful(match.group(1)) if match else ""


def _meaningful(name: str) -> str:
    words = name.split()
    if not words or all(w.casefold() in _GENERIC for w in words):
        return ""
    if not _PROGRAMME.search(name) or words[-1].casefold() in _JOINERS or words[-1].endswith("-"):
        return ""  # a place or a sentence's first word, not a programme
    return name


def fold(name: str) -> list[str]:
    """A name's words, casefolded, æøå folded, nynorsk compass words as bokmål, joiners left out."""
    words = (w.casefold().translate(_FOLD) for w in re.findall(r"[\w-]+", name))
    return [_NYNORSK.get(w, w) for w in words if w not in _JOINERS]


def same_thing(a: str, b: str) -> bool:
    """Every word of each name has its like in the other: "Områdeløftet Nordbyen" is not "… Sørbyen",
    "ny tiårig Groruddalssatsing" is not "Groruddalssatsingen"."""
    left, right = fold(a), fold(b)
    covered = lambda xs, ys: all(max(fuzz.ratio(x, y) for y in ys) >= SAME_WORD for x in xs)  # noqa: E731
    return bool(left and right) and covered(left, right) and covered(right, left)


def _disagree(per_document: list[dict[str, Fact]]) -> bool:
    """Two documents whose values share nothing (one that gives both values agrees with each)."""
    return any(not (a.keys() & b.keys()) for i, a in enumerate(per_document) for b in per_document[i + 1 :])


def find_conflicts(statements: Iterable[Statement]) -> list[Conflict]:
    """Things two documents give different values for, each value with the first sentence that gives it."""
    facts = [fact for index, s in enumerate(statements) for fact in facts_in(s.text, index, s.doc_id)]
    conflicts: list[Conflict] = []
    used: set[int] = set()
    for i, fact in enumerate(facts):
        if i in used:
            continue
        group = [j for j, other in enumerate(facts) if j >= i and other.kind == fact.kind and same_thing(other.about, fact.about)]
        used.update(group)
        by_document: dict[str, dict[str, Fact]] = {}
        for j in group:
            by_document.setdefault(facts[j].doc_id, {}).setdefault(facts[j].value, facts[j])
        if _disagree(list(by_document.values())):
            chosen: dict[str, Fact] = {}
            for values in by_document.values():
                for value, f in values.items():
                    chosen.setdefault(value, f)
            conflicts.append(Conflict(fact.kind, fact.about, tuple(sorted(chosen.values(), key=lambda f: f.source))))
    return conflicts
