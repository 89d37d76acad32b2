"""The shipped data the tagger reads: the theme taxonomy and the place gazetteer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ä": "a", "ö": "o", "ü": "u", "á": "a", "ŋ": "n", "š": "s", "č": "c", "đ": "d", "ž": "z", "ŧ": "t"})


def fold(text: str) -> str:
    """Lower case with Norwegian letters folded, so OCR text that lost æøå ("Omradeloft") meets them."""
    return text.casefold().translate(_FOLD)


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    name_en: str
    description: str
    cues: tuple[str, ...]  # folded word stems; a cue matches a word that starts with it

    def label(self, language: str = "nb") -> str:
        return self.name_en if language == "en" else self.name


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # municipality | district | area (| catalog: a place only the catalog names)
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    ambiguous: bool = False  # also an ordinary word ("Fjell", "Nes"): needs a place context

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@cache
def themes(path: Path = DATA / "themes.yaml") -> tuple[Theme, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        Theme(t["id"], t["name"], t["name_en"], " ".join(t["description"].split()), tuple(fold(c) for c in t.get("cues", ())))
        for t in data["themes"]
    )


@cache
def gazetteer(path: Path = DATA / "places.yaml") -> tuple[Place, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        Place(p["name"], p["kind"], p.get("parent"), tuple(p.get("aliases") or ()), bool(p.get("ambiguous", False)))
        for p in data["places"]
    )


@cache
def data_digest() -> str:
    """A short hash of the tagger's data and code: an index tagged with others is retagged."""
    digest = hashlib.sha256()
    for path in sorted([*DATA.glob("*.yaml"), *DATA.glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def theme_names(language: str = "nb") -> dict[str, str]:
    """Theme id -> the name the app shows."""
    return {theme.id: theme.label(language) for theme in themes()}
