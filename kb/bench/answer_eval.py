"""How good the short answer is, on the evaluation set's queries and on off-topic ones.

- sentence share: answer sentences that read as whole sentences (checked here by
  rules independent of the segmenter: a capital or digit first, a full stop last,
  four words or more, no heading run into the sentence, no footnote number);
- first from gold: answerable queries whose first answer sentence is quoted from a
  passage that holds a gold quote;
- withheld: off-topic and nonsense queries (tests/eval/offtopic.jsonl) with no
  answer (goal 1.0), and answerable ones wrongly withheld (goal ≤ 0.05).

The relevance floor's two thresholds are chosen on the tune part only
(`suggest_floor`); held-out figures are the ones that count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.present.answer import Answer, answer_for
from index.query import QueryError
from index.search.hits import SearchResult
from index.search.searcher import Searcher
from index.text.analysis import stopwords
from kb.bench.evaluate import PARTS, EvalQuery, answerable, first_relevant, split, squash
from settings import Settings

STOPWORDS = stopwords()
OFFTOPIC = Path(__file__).resolve().parents[2] / "tests" / "eval" / "offtopic.jsonl"
# a heading run into the sentence after it: "… i barnehage Alle fire- og femåringar …", "… demokrati Det er …"
_CAPITAL_AFTER_WORD = re.compile(r"(?<=[a-zæøå]) ([A-ZÆØÅ][a-zæøå]*)\b")
_FOOTNOTE_LINE = re.compile(r"^\d{1,3} [A-ZÆØÅ]")


@dataclass(frozen=True)
class OffTopic:
    qid: str
    query: str
    kind: str

    @property
    def part(self) -> str:
        return split(self.qid)


def load_offtopic(path: Path = OFFTOPIC) -> list[OffTopic]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [OffTopic(r["id"], r["query"], r["kind"]) for r in rows]


def reads_as_sentence(text: str) -> bool:
    text = text.strip()
    if len(text.split()) < 4 or not re.match(r"[«\"“(]?[A-ZÆØÅ0-9]", text) or not re.search(r"[.!?…:][»”\"')\]]*$|\)\.?$", text):
        return False
    glued = any(m.group(1).casefold() in STOPWORDS for m in _CAPITAL_AFTER_WORD.finditer(text))
    return not glued and not _FOOTNOTE_LINE.match(text)


def _from_gold(answer: Answer, result: SearchResult, query: EvalQuery) -> bool:
    """Whether the first answer sentence quotes a passage that holds a gold quote."""
    if answer.withheld or not answer.sentences:
        return False
    passage = result.hits[answer.sentences[0].hit_rank - 1].passage
    return first_relevant([[(passage.doc_id, passage.passage_id)]], query.gold, {passage.passage_id: squash(passage.text)}) == 1


def answer_records(searcher: Searcher, settings: Settings, queries: list[EvalQuery], offtopic: list[OffTopic]) -> list[dict[str, Any]]:
    """One record per query: its part, whether it should be answered, the evidence and the outcome."""
    records = []
    for q in answerable(queries, searcher.documents):
        result = searcher.search(q.query)
        answer = answer_for(result, searcher, settings.answer)
        records.append(_record(q.qid, q.kind, q.part, True, answer) | {"first_from_gold": _from_gold(answer, result, q)})
    for o in offtopic:
        try:
            answer = answer_for(searcher.search(o.query), searcher, settings.answer)
        except QueryError:  # no words at all: the app says so and shows nothing
            answer = Answer([], True, "empty")
        records.append(_record(o.qid, o.kind, o.part, False, answer))
    return records


def _record(qid: str, kind: str, part: str, should: bool, answer: Answer) -> dict[str, Any]:
    evidence = answer.evidence
    return {
        "id": qid, "kind": kind, "part": part, "answerable": should, "withheld": answer.withheld,
        "similarity": evidence.similarity if evidence else None, "covered": evidence.covered if evidence else None,
        "english": evidence.english if evidence else False, "checked": evidence.checked if evidence else None,
        "sentences": [s.text for s in answer.sentences],
    }


def summarize_answers(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    for part in PARTS:
        mine = [r for r in records if r["part"] == part]
        good = [r for r in mine if r["answerable"]]
        bad = [r for r in mine if not r["answerable"]]
        sentences = [s for r in good for s in r["sentences"]]
        out[part] = {
            "answerable": len(good),
            "off-topic": len(bad),
            "sentence share": _share(sentences, reads_as_sentence),
            "first from gold": _share(good, lambda r: r["first_from_gold"]),
            "off-topic withheld": _share(bad, lambda r: r["withheld"]),
            "answerable withheld": _share(good, lambda r: r["withheld"]),
        }
    return out


def _share(items: list, test) -> float:
    return sum(1 for item in items if test(item)) / len(items) if items else 0.0


def suggest_floor(records: list[dict[str, Any]], max_wrong: float = 0.03) -> dict[str, float]:
    """Thresholds from the tune part: each the highest that wrongly withholds at most
    `max_wrong` of the answerable tune queries it applies to."""
    tune = [r for r in records if r["part"] == "tune" and r["answerable"] and r["similarity"] is not None]
    groups = {
        "floor_covered": [r["covered"] for r in tune if not r["english"]],
        "floor_similarity": [r["similarity"] for r in tune if not r["english"]],
        "floor_similarity_english": [r["similarity"] for r in tune if r["english"]],
    }
    if any(r.get("checked") is not None for r in tune):
        groups["floor_check"] = [r["checked"] for r in tune if r.get("checked") is not None]
    return {key: _quantile_floor(values, max_wrong) for key, values in groups.items()}


def _quantile_floor(values: list[float], share: float) -> float:
    values = sorted(values)
    return round(values[int(share * len(values))] - 1e-4, 4) if values else 0.0
