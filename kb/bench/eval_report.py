"""`python -m index eval`: run the evaluation and print tune and held-out side by side."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from index.search.searcher import open_searcher
from index.tags.tagger import KINDS
from kb.bench.answer_eval import answer_records, load_offtopic, suggest_floor, summarize_answers
from kb.bench.evaluate import METRICS, PARTS, evaluate, load_queries
from kb.bench.tags_eval import GOALS, evaluate_tags, load_labels
from settings import Settings


def run_eval(settings: Settings, path: Path, as_json: bool, console: Console, backends: list[str] | None = None, modes=None) -> int:
    """Evaluate the configured backend, or several side by side (`--backends files postgres`)."""
    queries = load_queries(path)
    reports = {}
    for backend in backends or [settings.store.backend]:
        chosen = settings.model_copy(update={"store": settings.store.model_copy(update={"backend": backend})})
        searcher = open_searcher(chosen)
        searcher.wait_for_models()
        reports[backend] = evaluate(searcher, queries, **({"modes": modes} if modes else {}))
        records = answer_records(searcher, chosen, queries, load_offtopic())
        reports[backend]["answer"] = summarize_answers(records) | {"suggested floor (tune)": suggest_floor(records)}
        reports[backend]["tags"] = evaluate_tags(searcher, load_labels())
        searcher.close()
    if as_json:
        print(json.dumps(reports if backends else reports[settings.store.backend], ensure_ascii=False, indent=1))
        return 0
    for backend, report in reports.items():
        print_report(report, console, backend if backends else "")
    return 0


def _modes(report: dict[str, Any]) -> list[str]:
    return [m for m in report if m not in ("queries", "answer", "tags")]


def print_report(report: dict[str, Any], console: Console, backend: str = "") -> None:
    modes = _modes(report)
    counts = {part: report[modes[0]][part]["n"] for part in PARTS}
    title = f"{backend + ': ' if backend else ''}tune {counts['tune']} / held-out {counts['held-out']} queries"
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for mode in modes:
        for part in PARTS:
            table.add_column(f"{mode}\n{part}", justify="right")
    for name in METRICS:
        table.add_row(name, *(f"{report[mode][part]['overall'][name]:.3f}" for mode in modes for part in PARTS))
    console.print(table)
    console.print(kind_table(report, modes))
    console.print(answer_table(report["answer"]))
    if "tags" in report:
        console.print(tags_table(report["tags"]))


def tags_table(tags: dict[str, Any]) -> Table:
    """Passage tags against the hand labels (kb/bench/tags_eval.py), tune and held-out."""
    goals = "; ".join(f"{kind} P ≥ {p}" + (f", R ≥ {r}" if r else "") for kind, (p, r) in GOALS.items())
    table = Table(title=f"Passage tags, {tags['labels']} labelled passages (tests/eval/tags.jsonl): goals {goals}", title_justify="left")
    for column in ("tag", *(f"{m}\n{part}" for part in PARTS for m in ("precision", "recall", "tagged/labelled"))):
        table.add_column(column, justify="left" if column == "tag" else "right")
    for kind in KINDS:
        cells = []
        for part in PARTS:
            row = tags[part][kind]
            cells += [_figure(row["precision"]), _figure(row["recall"]), f"{row['tagged']}/{row['labelled']}"]
        table.add_row(kind, *cells)
    if tags["missing"]:
        table.caption = f"{tags['missing']} labelled passages are not in this store"
    return table


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def answer_table(answer: dict[str, Any]) -> Table:
    """The short answer's quality (kb/bench/answer_eval.py), tune and held-out."""
    table = Table(title="Short answer (hybrid): goals sentence share ≥ 0.98, first from gold ≥ 0.75, off-topic withheld 1.0, answerable withheld ≤ 0.05", title_justify="left")
    table.add_column("measure")
    for part in PARTS:
        table.add_column(part, justify="right")
    for name in answer["tune"]:
        table.add_row(name, *(f"{answer[part][name]:.3f}" if isinstance(answer[part][name], float) else str(answer[part][name]) for part in PARTS))
    floor = answer["suggested floor (tune)"]
    table.caption = "floors the tune part suggests: " + ", ".join(f"{k} {v}" for k, v in floor.items())
    return table


def kind_table(report: dict[str, Any], modes: list[str]) -> Table:
    """Recall@10 / MRR@10 per kind of query and part, with the kind's word overlap with its gold quotes."""
    table = Table(title="Recall@10 / MRR@10 per kind (tune | held-out); overlap = share of query words in the gold quote", title_justify="left")
    for column in ("kind", "n", "overlap", *(f"{mode}\ntune" for mode in modes), *(f"{mode}\nheld-out" for mode in modes)):
        table.add_column(column, justify="left" if column == "kind" else "right")
    overlaps: dict[str, list[float]] = defaultdict(list)
    for row in report["queries"].values():
        overlaps[row["kind"]].append(row["overlap"])
    for kind in sorted(overlaps):
        n = "/".join(str(report[modes[0]][part]["kinds"].get(kind, {}).get("n", 0)) for part in PARTS)
        cells = []
        for part in PARTS:
            for mode in modes:
                values = report[mode][part]["kinds"].get(kind)
                cells.append(f"{values['R@10']:.2f} / {values['MRR@10']:.2f}" if values else "–")
        table.add_row(kind, n, f"{sum(overlaps[kind]) / len(overlaps[kind]):.2f}", *cells)
    return table
