"""The overview across documents ("Sammenstilling"): what was tried where, and what came of it.

For a question, the top hits are read for the (place, measure) pairs their passages are tagged
with (index/tags). Each pair becomes a row: the place, the measure, the passage's theme, and two
sentences quoted from the passage, verbatim: what was done (the sentence most about the row's
measure, place and the question) and what came of it (the best sentence that reports a result:
"førte til", "effekten", "evalueringen viser" …). Where the hits give different periods or
amounts for one programme, the conflict finder says so, each value with its source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from index.present.answer import Disagreement, disagreements
from index.search.hits import Hit, SearchResult
from index.tags.taxonomy import fold, theme_names
from ingest.units import passage_units

ROWS_PER_PASSAGE = 3
_OUTCOME = re.compile(
    r"\b(?:resultat\w*|effekt\w*|førte til|førde til|bidr(?:o|og|ar|eg|tt)\w* til|økte|auka|økning|auke|reduser\w*|"
    r"reduksjon|nedgang|gikk (?:ned|opp)|gjekk (?:ned|opp)|forbedr\w*|betra|lyktes|lukkast|måloppnå\w*|"
    r"(?:viser|synte|viste|fant|fann) at|erfaring\w*|virket|verka|endring\w*)\b",
    re.IGNORECASE,
)
_DONE = re.compile(
    r"\b(?:etabler\w*|start\w*|innfør\w*|gjennomfør\w*|tilb(?:ud|od|yr|ydde|aud)\w*|sats\w*|finansier\w*|"
    r"oppretta?\w*|tiltak\w*|prosjekt\w*|bygg\w*|rust\w* opp|opprusting|arbeid\w* med|bevilg\w*|løyv\w*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quote:
    text: str  # a verbatim slice of the passage text
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"quote": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class OverviewRow:
    place: str
    measure: str
    theme: str
    hit: Hit
    done: Quote
    outcome: Quote | None

    def to_json(self) -> dict[str, Any]:
        d, p = self.hit.document, self.hit.passage
        return {
            "place": self.place, "measure": self.measure, "theme": self.theme, "doc_id": d.doc_id, "title": d.title,
            "year": d.year, "hit": self.hit.rank, "citation": self.hit.citation, "location": self.hit.location(),
            "quote": self.done.text, "start": self.done.start, "end": self.done.end,
            "outcome": self.outcome.to_json() if self.outcome else None, "text": p.text,
        }  # fmt: skip


@dataclass
class Overview:
    query: str
    rows: list[OverviewRow]
    conflicts: list[Disagreement] = field(default_factory=list)
    citations: dict[int, str] = field(default_factory=dict)  # every hit's citation by its number

    def documents(self) -> list[str]:
        return list(dict.fromkeys(row.hit.document.doc_id for row in self.rows))

    def places(self) -> list[str]:
        return list(dict.fromkeys(row.place for row in self.rows if row.place))

    def to_json(self) -> dict[str, Any]:
        conflicts = []
        for c in self.conflicts:
            values = [{"value": v, "quote": s.text, "hit": s.hit_rank, "citation": self.citations.get(s.hit_rank, "")} for v, s in c.values]
            conflicts.append({"kind": c.kind, "about": c.about, "values": values})
        return {"query": self.query, "rows": [row.to_json() for row in self.rows], "conflicts": conflicts}


def overview(result: SearchResult, parents: Mapping[str, str] | None = None, language: str = "nb") -> Overview:
    """The overview of a search's hits (search with a generous k: 20 or more); `parents` (a place's
    municipality) lets a row name the most specific place: Fjell, not also Drammen."""
    names = theme_names(language)
    parents = parents or {}
    rows: list[OverviewRow] = []
    seen: set[tuple[str, str, str]] = set()
    for hit in result.hits:
        for place, measure in _pairs(hit, parents)[:ROWS_PER_PASSAGE]:
            key = (place, measure, hit.document.doc_id)
            if key in seen:
                continue
            done, outcome = _sentences(hit, place, measure, set(result.terms))
            if done is None:
                continue
            seen.add(key)
            theme = names.get(hit.tags.themes[0], "") if hit.tags.themes else ""
            rows.append(OverviewRow(place, measure, theme, hit, done, outcome))
    return Overview(result.query, rows, disagreements(result.hits), {hit.rank: hit.citation for hit in result.hits})


def _pairs(hit: Hit, parents: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (place, measure) pairs of a hit: its most specific tagged places (else the document's
    one catalog place) with its most specific measures; a passage with neither gives none."""
    tagged = set(hit.tags.places)
    places = [p for p in hit.tags.places if not any(parents.get(other) == p for other in tagged)]
    places = places or (list(hit.document.places[:1]) if len(hit.document.places) == 1 else [])
    measures = [m for m in hit.tags.measures if not any(o != m and o.startswith(m + " ") for o in hit.tags.measures)]
    if not places and not measures:
        return []
    return [(p, m) for m in (measures or [""]) for p in (places or [""])]


def _sentences(hit: Hit, place: str, measure: str, terms: set[str]) -> tuple[Quote | None, Quote | None]:
    """What was done (the quotable sentence most about the row) and what came of it."""
    text = hit.passage.text
    units = [u for u in passage_units(text, hit.passage.section, hit.passage.is_note) if u.quotable]
    scored = []
    for unit in units:
        sentence = text[unit.start : unit.end]
        folded = fold(sentence)
        score = (2.0 if measure and fold(measure) in folded else 0.0) + (1.0 if place and fold(place) in folded else 0.0)
        score += sum(1 for word in re.findall(r"\w+", folded) if word in terms) * 0.25
        scored.append((score, unit.start, Quote(sentence, unit.start, unit.end)))
    if not scored:
        return None, None
    outcomes = [s for s in scored if _OUTCOME.search(s[2].text)]
    actions = [(score + (0.5 if _DONE.search(q.text) else 0.0), start, q) for score, start, q in scored if not _OUTCOME.search(q.text)]
    done = max(actions or scored, key=lambda s: (s[0], -s[1]))[2]
    outcome = max((s for s in outcomes if s[2] != done), key=lambda s: (s[0], -s[1]), default=None)
    return done, outcome[2] if outcome else None
