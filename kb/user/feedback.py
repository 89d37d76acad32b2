"""Judgements of hits (relevant / not relevant): `feedback.jsonl` under `app.user_dir`, one line a
click, and their export in the shape of `tests/eval/queries.jsonl` (query + gold quotes), so the
judged queries can join the evaluation set."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.query import Filters
from index.search.hits import Hit, SearchResult
from kb.user.files import append_jsonl, read_jsonl


@dataclass(frozen=True)
class Feedback:
    query: str
    mode: str
    filters: dict[str, Any]  # the search's Filters as JSON
    doc_id: str
    passage_id: str
    quote: str  # the excerpt the user judged, verbatim from the passage
    rank: int
    relevant: bool
    page: int | None = None  # the physical page of the passage, when it stands on one page
    lang: str = "nb"  # the query's language as the search read it (nb or en)
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Feedback:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def feedback_for(hit: Hit, result: SearchResult, filters: Filters, relevant: bool) -> Feedback:
    """The judgement of `hit` in `result` (searched with `filters`)."""
    p = hit.passage
    return Feedback(
        result.query, result.mode, _filters_json(filters), p.doc_id, p.passage_id, hit.excerpt.text, hit.rank, relevant,
        page=p.page_start if p.page_start is not None and p.page_end in (None, p.page_start) else None,
        lang="en" if result.english else "nb",
    )  # fmt: skip


def _filters_json(filters: Filters) -> dict[str, Any]:
    """The filters that narrow the search, tuples as lists."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(filters).items() if v not in ((), None)}


class FeedbackLog:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def add(self, feedback: Feedback) -> None:
        with self._lock:
            append_jsonl(self.path, asdict(feedback))

    def records(self) -> list[Feedback]:
        records = []
        for raw in read_jsonl(self.path):
            try:
                records.append(Feedback.from_json(raw))
            except TypeError:
                continue
        return records

    def judged(self, query: str) -> dict[str, bool]:
        """passage id -> the latest judgement of it for `query`."""
        return {r.passage_id: r.relevant for r in self.records() if r.query == query}

    def eval_jsonl(self) -> str:
        return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in eval_lines(self.records()))


def eval_lines(records: Iterable[Feedback]) -> list[dict[str, Any]]:
    """One line per query with a hit judged relevant, as in tests/eval/queries.jsonl: `gold` the
    quotes judged relevant, `not_relevant` the others (the latest judgement of a hit counts)."""
    latest: dict[str, dict[str, Feedback]] = {}
    for record in records:
        latest.setdefault(record.query, {})[record.passage_id] = record
    lines = []
    for query, judged in latest.items():
        gold = [_evidence(r) for r in judged.values() if r.relevant]
        if not gold:
            continue  # the evaluation needs gold evidence for every query
        last = max(judged.values(), key=lambda r: r.time)
        lines.append({
            "id": "fb-" + hashlib.sha1(query.encode()).hexdigest()[:8], "query": query, "lang": last.lang, "kind": "feedback",
            "gold": gold, "not_relevant": [_evidence(r) for r in judged.values() if not r.relevant],
            "mode": last.mode, "filters": last.filters,
        })  # fmt: skip
    return lines


def _evidence(record: Feedback) -> dict[str, Any]:
    evidence: dict[str, Any] = {"doc_id": record.doc_id, "quote": record.quote}
    if record.page is not None:
        evidence["page"] = record.page
    return evidence
