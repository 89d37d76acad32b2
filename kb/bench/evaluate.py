"""Retrieval quality on tests/eval/queries.jsonl: Recall@1/5/10, MRR@10, nDCG@10.

Each query lists one or more gold evidence items (document id and a verbatim
quote); they are alternatives, any of which answers the query. A hit answers
when it is from a gold document and its passage text (or a near-duplicate
source's) contains that item's quote, whitespace and case normalized. The
query's rank is the best rank of any gold item.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from index.query import MODES
from index.search.hits import SearchResult
from index.search.searcher import Searcher, open_searcher
from settings import Settings

CUTOFFS = (1, 5, 10)


@dataclass(frozen=True)
class Gold:
    doc_id: str
    quote: str


@dataclass(frozen=True)
class EvalQuery:
    qid: str
    query: str
    kind: str
    gold: tuple[Gold, ...]


def load_queries(path: Path) -> list[EvalQuery]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        gold = tuple(Gold(g["doc_id"], g["quote"]) for g in raw["gold"])
        if not gold:
            raise ValueError(f"{path}:{number}: a query needs gold evidence")
        queries.append(EvalQuery(raw["id"], raw["query"], raw["kind"], gold))
    return queries


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def first_relevant(ranked: list[list[tuple[str, str]]], gold: tuple[Gold, ...], texts: dict[str, str]) -> int | None:
    """1-based rank of the first entry holding any gold item; an entry lists (doc_id,
    passage_id) of a hit and of its near-duplicate sources."""
    quotes = [(item.doc_id, _squash(item.quote)) for item in gold]
    for rank, ids in enumerate(ranked, start=1):
        if any(doc == gold_doc and quote in texts[pid] for doc, pid in ids for gold_doc, quote in quotes):
            return rank
    return None


def hit_sources(result: SearchResult) -> list[list[tuple[str, str]]]:
    """(doc_id, passage_id) of each hit and of its near-duplicate sources, in rank order."""
    return [[(h.passage.doc_id, h.passage.passage_id)] + [(s.doc_id, s.passage_id) for s in h.sources] for h in result.hits]


def gold_rank(result: SearchResult, gold: tuple[Gold, ...], texts: dict[str, str]) -> int | None:
    """The rank of the first hit that holds any gold item (or None)."""
    return first_relevant(hit_sources(result), gold, texts)


def metrics(rank: int | None) -> dict[str, float]:
    """Binary relevance, one answer needed: recall, reciprocal rank and nDCG at cut-offs."""
    out = {f"R@{k}": float(rank is not None and rank <= k) for k in CUTOFFS}
    out["MRR@10"] = 1.0 / rank if rank is not None and rank <= 10 else 0.0
    out["nDCG@10"] = 1.0 / math.log2(rank + 1) if rank is not None and rank <= 10 else 0.0
    return out


def evaluate(searcher: Searcher, queries: list[EvalQuery], modes=MODES, k: int = 10) -> dict[str, Any]:
    """Per mode: mean metrics overall and per kind of query, and each query's ranks."""
    texts = {p.passage_id: _squash(p.text) for p in searcher.all_passages()}
    report: dict[str, Any] = {}
    for mode in modes:
        per_query, per_kind = [], defaultdict(list)
        for q in queries:
            rank = gold_rank(searcher.search(q.query, k=k, mode=mode), q.gold, texts)
            scores = metrics(rank)
            per_query.append({"id": q.qid, "kind": q.kind, "rank": rank, **scores})
            per_kind[q.kind].append(scores)
        report[mode] = {
            "overall": _mean([{k: v for k, v in r.items() if k not in ("id", "kind", "rank")} for r in per_query]),
            "kinds": {kind: _mean(rows) | {"n": len(rows)} for kind, rows in sorted(per_kind.items())},
            "queries": per_query,
        }
    return report


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]} if rows else {}


def print_report(report: dict[str, Any], console: Console, n: int) -> None:
    names = [f"R@{k}" for k in CUTOFFS] + ["MRR@10", "nDCG@10"]
    table = Table(title=f"Evaluation set: {n} queries", title_justify="left")
    table.add_column("metric")
    for mode in report:
        table.add_column(mode, justify="right")
    for name in names:
        table.add_row(name, *(f"{report[mode]['overall'][name]:.3f}" for mode in report))
    kinds = Table(title="Recall@10 / MRR@10 per kind of query", title_justify="left")
    kinds.add_column("kind")
    kinds.add_column("n", justify="right")
    for mode in report:
        kinds.add_column(mode, justify="right")
    first = next(iter(report.values()))
    for kind, values in first["kinds"].items():
        kinds.add_row(
            kind, str(values["n"]), *(f"{report[m]['kinds'][kind]['R@10']:.2f} / {report[m]['kinds'][kind]['MRR@10']:.2f}" for m in report)
        )
    console.print(kinds)
    console.print(table)


def run_eval(settings: Settings, path: Path, as_json: bool, console: Console, backends: list[str] | None = None) -> int:
    """Evaluate the configured backend, or several side by side (`--backends files postgres`)."""
    queries = load_queries(path)
    if not backends:
        report = evaluate(open_searcher(settings), queries)
        if as_json:
            print(json.dumps(report, ensure_ascii=False, indent=1))
        else:
            print_report(report, console, len(queries))
        return 0
    reports = {}
    for backend in backends:
        chosen = settings.model_copy(update={"store": settings.store.model_copy(update={"backend": backend})})
        reports[backend] = evaluate(open_searcher(chosen), queries)
    if as_json:
        print(json.dumps(reports, ensure_ascii=False, indent=1))
    else:
        print_side_by_side(reports, console, len(queries))
    return 0


def print_side_by_side(reports: dict[str, dict[str, Any]], console: Console, n: int) -> None:
    names = [f"R@{k}" for k in CUTOFFS] + ["MRR@10", "nDCG@10"]
    table = Table(title=f"Evaluation set on each backend: {n} queries", title_justify="left")
    table.add_column("metric")
    for backend, report in reports.items():
        for mode in report:
            table.add_column(f"{backend}\n{mode}", justify="right")
    for name in names:
        table.add_row(name, *(f"{report[mode]['overall'][name]:.3f}" for report in reports.values() for mode in report))
    console.print(table)
