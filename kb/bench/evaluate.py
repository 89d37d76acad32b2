"""Retrieval quality on tests/eval/queries.jsonl: Recall@1/5/10, MRR@10, nDCG@10, tune and held-out.

Each query lists one or more gold evidence items (document id, a verbatim quote,
and for PDFs the physical page); they are alternatives, any of which answers the
query. A hit answers when it is from a gold document and its own passage text
(what the user is shown, not the near-duplicates folded into its sources) holds
that item's quote, whitespace and case normalized. The query's rank is the best
rank of any gold item.

Queries are split by a fixed hash of their id into a tune part (40 %), on which
every setting is chosen, and a held-out part (60 %), whose figures are the ones
that count. A store answers the queries whose gold documents it holds, so the
bundled corpus and a store of real PDFs are evaluated with the same file.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.query import MODES
from index.search.hits import SearchResult
from index.search.searcher import Searcher
from index.text.analysis import Analyzer

CUTOFFS = (1, 5, 10)
METRICS = (*(f"R@{k}" for k in CUTOFFS), "MRR@10", "nDCG@10")
TUNE_SHARE = 40  # percent of the queries, by a fixed hash of the id
PARTS = ("tune", "held-out")


@dataclass(frozen=True)
class Gold:
    doc_id: str
    quote: str
    page: int | None = None


@dataclass(frozen=True)
class EvalQuery:
    qid: str
    query: str
    kind: str
    gold: tuple[Gold, ...]
    lang: str = "nb"

    @property
    def part(self) -> str:
        return split(self.qid)


def split(qid: str) -> str:
    """ "tune" or "held-out", fixed by the id alone."""
    return "tune" if int(hashlib.sha256(qid.encode()).hexdigest(), 16) % 100 < TUNE_SHARE else "held-out"


def load_queries(path: Path) -> list[EvalQuery]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        gold = tuple(Gold(g["doc_id"], g["quote"], g.get("page")) for g in raw["gold"])
        if not gold:
            raise ValueError(f"{path}:{number}: a query needs gold evidence")
        queries.append(EvalQuery(raw["id"], raw["query"], raw["kind"], gold, raw.get("lang", "nb")))
    return queries


def squash(text: str) -> str:
    """The normalization both the evaluator and the reachability test use."""
    return re.sub(r"\s+", " ", text).strip().casefold()


_squash = squash  # the name the baselines use


def answerable(queries: Iterable[EvalQuery], documents: Mapping[str, Any]) -> list[EvalQuery]:
    """The queries whose gold evidence is in a document this store holds."""
    return [q for q in queries if any(g.doc_id in documents for g in q.gold)]


def first_relevant(ranked: list[list[tuple[str, str]]], gold: tuple[Gold, ...], texts: dict[str, str]) -> int | None:
    """1-based rank of the first entry holding any gold item; an entry lists (doc_id, passage_id) pairs."""
    quotes = [(item.doc_id, squash(item.quote)) for item in gold]
    for rank, ids in enumerate(ranked, start=1):
        if any(doc == gold_doc and quote in texts[pid] for doc, pid in ids for gold_doc, quote in quotes):
            return rank
    return None


def hit_sources(result: SearchResult) -> list[list[tuple[str, str]]]:
    """(doc_id, passage_id) of each hit and of its near-duplicate sources, in rank order."""
    return [[(h.passage.doc_id, h.passage.passage_id)] + [(s.doc_id, s.passage_id) for s in h.sources] for h in result.hits]


def shown(result: SearchResult) -> list[list[tuple[str, str]]]:
    """(doc_id, passage_id) of each hit's own passage: the text the user is shown."""
    return [[(h.passage.doc_id, h.passage.passage_id)] for h in result.hits]


def gold_rank(result: SearchResult, gold: tuple[Gold, ...], texts: dict[str, str]) -> int | None:
    """The rank of the first hit whose own passage holds any gold item (or None)."""
    return first_relevant(shown(result), gold, texts)


def metrics(rank: int | None) -> dict[str, float]:
    """Binary relevance, one answer needed: recall, reciprocal rank and nDCG at cut-offs."""
    out = {f"R@{k}": float(rank is not None and rank <= k) for k in CUTOFFS}
    out["MRR@10"] = 1.0 / rank if rank is not None and rank <= 10 else 0.0
    out["nDCG@10"] = 1.0 / math.log2(rank + 1) if rank is not None and rank <= 10 else 0.0
    return out


def overlap(query: EvalQuery, analyzer: Analyzer) -> float:
    """The share of the query's content words (stemmed, stopwords dropped) found in its best gold quote."""
    words = [t for t in analyzer.terms(query.query) if not t.isdigit()]
    if not words:
        return 0.0
    return max(sum(1 for w in words if w in set(analyzer.terms(g.quote))) / len(words) for g in query.gold)


def evaluate(searcher: Searcher, queries: list[EvalQuery], modes=MODES, k: int = 10) -> dict[str, Any]:
    """Per mode and part: mean metrics overall and per kind; and each query's rank."""
    queries = answerable(queries, searcher.documents)
    texts = {p.passage_id: squash(p.text) for p in searcher.all_passages()}
    analyzer = Analyzer()
    report: dict[str, Any] = {"queries": {q.qid: {"kind": q.kind, "lang": q.lang, "part": q.part, "overlap": round(overlap(q, analyzer), 3)} for q in queries}}
    for mode in modes:
        ranks = {q.qid: gold_rank(searcher.search(q.query, k=k, mode=mode), q.gold, texts) for q in queries}
        for q in queries:
            report["queries"][q.qid][mode] = ranks[q.qid]
        report[mode] = {part: summarize([q for q in queries if q.part == part], ranks) for part in PARTS}
        report[mode]["all"] = summarize(queries, ranks)
    return report


def summarize(queries: list[EvalQuery], ranks: Mapping[str, int | None]) -> dict[str, Any]:
    per_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
    rows = []
    for q in queries:
        row = metrics(ranks[q.qid])
        rows.append(row)
        per_kind[q.kind].append(row)
    return {"n": len(rows), "overall": _mean(rows), "kinds": {kind: _mean(r) | {"n": len(r)} for kind, r in sorted(per_kind.items())}}


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]} if rows else dict.fromkeys(METRICS, 0.0)
