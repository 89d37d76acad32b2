"""How well passages are tagged: the stored tags against hand labels (tests/eval/tags.jsonl).

Each label names a passage by its document and a quote from its start, and gives the themes
it is about, the measures and the places it names. Themes: precision and recall over
(passage, theme) pairs. Measures: a tag is right when a labelled measure of the passage is the
same name (words compared with Norwegian letters folded and inflection tolerated,
"Groruddalssatsinga" = "Groruddalssatsingen"); places: the same name, case aside. The tag
settings were chosen on the tune half (kb/bench/evaluate.py's split of the label ids); the
held-out half is the figure that counts. Goals (issue 14): themes precision ≥ 0.85 and recall
≥ 0.75; measures and places precision ≥ 0.90.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.present.conflicts import same_thing
from index.search.searcher import Searcher
from index.tags.places import PlaceFinder
from index.tags.tagger import KINDS
from index.tags.taxonomy import gazetteer
from kb.bench.evaluate import PARTS, split

LABELS = Path(__file__).resolve().parents[2] / "tests" / "eval" / "tags.jsonl"
GOALS = {"themes": (0.85, 0.75), "measures": (0.90, None), "places": (0.90, None)}


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _same(kind: str, finder: PlaceFinder) -> Callable[[str, str], bool]:
    if kind == "measures":
        return lambda a, b: a.casefold() == b.casefold() or (len(a.split()) == len(b.split()) and same_thing(a, b))
    if kind == "places":  # a label may name a place by an alias ("indre Oslo aust" for Oslo indre øst)
        return lambda a, b: _place(a, finder).casefold() == _place(b, finder).casefold()
    return lambda a, b: a == b


def _place(name: str, finder: PlaceFinder) -> str:
    found = finder.find(name) or finder.find(name[:1].upper() + name[1:])
    return found[0] if len(found) == 1 else name


def labelled_passages(searcher: Searcher, labels: list[dict[str, Any]]) -> dict[str, str]:
    """Each label's passage id (the first passage of its document that holds the quote)."""
    found: dict[str, str] = {}
    for doc_id in {label["doc_id"] for label in labels} & set(searcher.documents):
        passages = searcher.passages_of(doc_id)
        for label in (x for x in labels if x["doc_id"] == doc_id):
            match = next((p for p in passages if label["quote"] in p.text), None)
            if match:
                found[label["id"]] = match.passage_id
    return found


def evaluate_tags(searcher: Searcher, labels: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision and recall per kind and part, with counts; labels whose passage is gone are counted apart."""
    rows = labelled_passages(searcher, labels)
    stored = dict(zip(rows, searcher.backend.tags_of(list(rows.values())), strict=True))
    finder = PlaceFinder(gazetteer(), {p for d in searcher.documents.values() for p in d.places})
    counts = {part: {kind: [0, 0, 0] for kind in KINDS} for part in PARTS}  # true, tagged, labelled
    for label in labels:
        if label["id"] not in rows:
            continue
        tags = stored[label["id"]]
        for kind in KINDS:
            got, gold, same = list(getattr(tags, kind)), label[kind], _same(kind, finder)
            right = sum(1 for g in got if any(same(g, x) for x in gold))
            found = sum(1 for x in gold if any(same(g, x) for g in got))
            total = counts[split(label["id"])][kind]
            total[0], total[1], total[2] = total[0] + right, total[1] + len(got), total[2] + len(gold)
            total.append(found)
    report: dict[str, Any] = {"labels": len(labels), "missing": len(labels) - len(rows)}
    for part in PARTS:
        report[part] = {}
        for kind in KINDS:
            right, tagged, labelled, *found = counts[part][kind]
            report[part][kind] = {
                "precision": round(right / tagged, 3) if tagged else None,
                "recall": round(sum(found) / labelled, 3) if labelled else None,
                "tagged": tagged,
                "labelled": labelled,
                "passages": sum(1 for x in labels if split(x["id"]) == part and x["id"] in rows),
            }
    return report
