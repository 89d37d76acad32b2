"""Tags for every passage of a version, and the table they are stored in beside the index."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.tags.measures import MeasureMatcher, find_measures
from index.tags.places import PlaceFinder
from index.tags.taxonomy import gazetteer, themes
from index.tags.themes import ThemeRule, ThemeScorer, mean_vector
from ingest.records import Passage
from settings import TagSettings

TAGS_FILE = "tags.json"
KINDS = ("themes", "measures", "places")


@dataclass(frozen=True)
class PassageTags:
    themes: tuple[str, ...] = ()  # theme ids (index/tags/themes.yaml)
    measures: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {"themes": list(self.themes), "measures": list(self.measures), "places": list(self.places)}


def tag_text(passage: Passage) -> str:
    """What is tagged: the section headings and the passage."""
    return " \n".join(passage.section) + " \n" + passage.text


def theme_rule(settings: TagSettings) -> ThemeRule:
    return ThemeRule(settings.theme_cue_weight, settings.theme_threshold, settings.theme_cue_only, settings.max_themes)


def tag_passages(
    passages: Sequence[Passage],
    windows: Callable[[int], np.ndarray | None],
    descriptions: np.ndarray | None,
    rule: ThemeRule,
    catalog_places: Iterable[str] = (),
) -> TagTable:
    """Tags for `passages` (in row order); `windows(row)` gives a passage's window vectors, if any."""
    finder = PlaceFinder(gazetteer(), catalog_places)
    texts = [tag_text(p) for p in passages]
    matcher = MeasureMatcher(find_measures((p.text for p in passages), frozenset(finder.places)))
    vectors = [mean_vector(windows(i)) for i in range(len(passages))]
    scorer = ThemeScorer(themes(), descriptions, rule).fit(vectors)
    rows = [
        PassageTags(tuple(scorer.tag(text, vector)), tuple(matcher.find(text)), tuple(finder.find(text)))
        for text, vector in zip(texts, vectors, strict=True)
    ]
    parents = {name: place.parent for name, place in finder.places.items() if place.parent}
    return TagTable(rows, parents)


def within(place: str, parents: Mapping[str, str]) -> set[str]:
    """A place and the places inside it, by the gazetteer's parents ("Oslo" -> Oslo, Stovner, Groruddalen …)."""
    children: dict[str, set[str]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, set()).add(child)
    out, todo = set(), [place]
    while todo:
        current = todo.pop()
        if current not in out:
            out.add(current)
            todo.extend(children.get(current, ()))
    return out


class TagTable:
    """The tags of a version's passages by row, with the places' parents for "Oslo includes Stovner"."""

    def __init__(self, rows: list[PassageTags], parents: dict[str, str]):
        self.rows = rows
        self.parents = parents
        self._index: dict[str, dict[str, list[int]]] = {kind: {} for kind in KINDS}
        self._values: dict[str, dict[str, int]] = {}  # per kind, sorted once: the sidebar asks on every render
        for row, tags in enumerate(rows):
            for kind in KINDS:
                for value in getattr(tags, kind):
                    self._index[kind].setdefault(value, []).append(row)

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, row: int) -> PassageTags:
        return self.rows[row] if 0 <= row < len(self.rows) else PassageTags()

    def values(self, kind: str) -> dict[str, int]:
        """Every value of a kind with its number of passages, most first."""
        if kind not in self._values:
            self._values[kind] = dict(sorted(((v, len(r)) for v, r in self._index[kind].items()), key=lambda x: (-x[1], x[0])))
        return self._values[kind]

    def within(self, place: str) -> set[str]:
        """A place and the places inside it."""
        return within(place, self.parents)

    def rows_with(self, kind: str, wanted: Iterable[str]) -> np.ndarray:
        """Rows tagged with any of `wanted` (places: or with a place inside one of them), casefolded."""
        names = set(wanted)
        if kind == "places":
            names = set().union(*(self.within(n) for n in names)) if names else set()
        folded = {n.casefold() for n in names}
        rows = [r for value, rs in self._index[kind].items() if value.casefold() in folded for r in rs]
        return np.unique(np.array(rows, dtype=np.int64))

    def counts(self, kind: str, rows: Iterable[int]) -> Counter:
        return Counter(v for r in rows for v in getattr(self.get(r), kind))

    def save(self, folder: Path) -> None:
        data = {"parents": self.parents, "rows": [[list(t.themes), list(t.measures), list(t.places)] for t in self.rows]}
        (folder / TAGS_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> TagTable:
        path = folder / TAGS_FILE
        if not path.exists():
            return cls([], {})
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls([PassageTags(tuple(a), tuple(b), tuple(c)) for a, b, c in data["rows"]], data["parents"])
