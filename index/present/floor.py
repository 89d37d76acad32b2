"""The relevance floor: when nothing in the sources answers the question, say so.

Two pieces of evidence, both cheap: how close the best sentence of the top hits
is to the question in the embedder's space, and how many of the question's own
words (as typed, before any typo correction) the corpus knows at all. A nonsense
query knows none of its words and sits far from every sentence; an off-topic one
("pannekakeoppskrift") may share a word or two, but no sentence is close. The two
thresholds are calibrated on the evaluation set's tune part and a set of
off-topic and nonsense queries (tests/eval/offtopic.jsonl); docs/answer.md has
the figures. A third when the answer check is on (`answer.check_model`): the
cross-encoder's best probability that a candidate sentence answers the question
(`floor_check`; docs/rerank.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.search.hits import SearchResult
from index.text.analysis import Analyzer
from settings import AnswerSettings

_MARKUP = re.compile(r"[<>{}$;=|\\\[\]*^]")
# token shapes of code rather than words: a path ("../", "..\\", "/etc"), a URL, a command's flag or
# comment ("-rf", "--"), an assignment or call ("src=x", "alert(")
_CODE_TOKEN = re.compile(r"\.\.[/\\]|^[/\\]\w|\w://|^--?[\w-]*$|\w=|\w\(|[/\\]\w+[/\\]")
UNKNOWN_WEIGHT = 2.0  # a query word the corpus never uses counts double: it is what the question is about


@dataclass(frozen=True)
class Evidence:
    similarity: float | None  # the best sentence's similarity to the query (None: lexical search)
    covered: float  # share of the query's content words found in the top hits' passages
    words: int  # content words in the query
    english: bool
    markup: bool  # the query is code or markup rather than words
    checked: float | None = None  # the answer check's best sentence probability (None: no check)

    @classmethod
    def of(
        cls, result: SearchResult, similarity: float | None, analyzer: Analyzer, vocabulary: set[str], top: int = 3, checked: float | None = None
    ) -> Evidence:
        if result.english:  # its words were searched as their Norwegian translations
            terms = set(result.terms)
        else:
            terms = {term for term, _ in analyzer.term_pieces(result.query) if not term.isdigit()}
        found: set[str] = set()
        for hit in result.hits[:top]:
            found |= terms & set(analyzer.index_terms(hit.passage.text + " " + " ".join(hit.passage.section)))
        weight = {t: 1.0 if t in vocabulary else UNKNOWN_WEIGHT for t in terms}
        covered = sum(weight[t] for t in found) / sum(weight.values()) if terms else 0.0
        markup = looks_like_code(result.query)
        return cls(similarity, covered, len(terms), result.english, markup, checked)


def looks_like_code(query: str) -> bool:
    """Code, markup, a path or a URL rather than a question: two marks of code in all, counting
    the characters words never carry and the tokens shaped like code."""
    marks = len(_MARKUP.findall(query)) + sum(len(_CODE_TOKEN.findall(token)) for token in query.split())
    return marks >= 2


def judge(evidence: Evidence, cfg: AnswerSettings) -> str:
    """Why the sources do not answer ("" when they may): `markup`, `unknown_words` or `too_far`."""
    if evidence.markup:
        return "markup"
    if not evidence.english and evidence.words and evidence.covered < cfg.floor_covered:
        return "unknown_words"
    floor = cfg.floor_similarity_english if evidence.english else cfg.floor_similarity
    if evidence.similarity is not None and evidence.similarity < floor:
        return "too_far"
    if evidence.checked is not None and evidence.checked < cfg.floor_check:
        return "too_far"
    return ""
