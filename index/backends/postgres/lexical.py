"""BM25 on PostgreSQL: the lexicon from its tables, IDF per term, and which passages to rank.

The ingest stores each passage's analyzed terms with their counts (`postings`,
the same analysis as the files backend) and its length; a query term counts
with the compounds that contain it ("satsing" also finds "områdesatsingene",
as the files backend's compound parts do), weighted by its BM25 IDF from
`term_docs`. PostgreSQL has no top-k text index, so the statement ranks only the
passages that hold one of the query's rarer terms (`match_plan`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import psycopg

from index.text.analysis import compound_map
from index.text.lexicon import Lexicon

MAX_EXPANSIONS = 10  # compounds added per query term ("satsing" -> "omradesatsing", …)
MATCH_BUDGET = 10_000  # passages the lexical statement may rank (see match_tsquery)
_SAFE_TERM = re.compile(r"^[a-z0-9]+$")


@dataclass(frozen=True)
class TermGroup:
    members: tuple[str, ...]  # the term and the compounds that contain it
    idf: float  # the term's IDF times its weight in the query
    rows: int  # passages that contain a member (at most; the sum over members)


def load_lexicon(conn: psycopg.Connection) -> tuple[Lexicon, dict[str, list[str]]]:
    """The lexicon from the `lexicon` table, and for each term the compounds that contain it."""
    counts: dict[str, int] = defaultdict(int)
    best: dict[str, tuple[int, str]] = {}
    for term, form, count in conn.execute("SELECT term, form, count FROM lexicon"):
        counts[term] += count
        if count > best.get(term, (0, ""))[0]:
            best[term] = (count, form)
    lexicon = Lexicon(counts, {}, {term: form for term, (_, form) in best.items()})
    compounds = compound_map(counts, lexicon.analyzer.stemmer.stemWord)
    lexicon.analyzer.compounds = compounds
    containing: dict[str, list[str]] = defaultdict(list)
    for compound, parts in sorted(compounds.items(), key=lambda item: -counts[item[0]]):
        for part in parts:
            if len(containing[part]) < MAX_EXPANSIONS:
                containing[part].append(compound)
    return lexicon, containing


class TermStats:
    """Passage counts per term (from `term_docs`), for IDF and the match budget."""

    def __init__(self, docs: dict[str, int], containing: dict[str, list[str]], count: int):
        self.docs = docs
        self.containing = containing
        self.count = count

    def idf(self, term: str) -> float:
        """BM25's (Lucene) inverse document frequency of a term (in itself or in a compound) among the passages."""
        df = min(self.docs.get(term, 0) + sum(self.docs.get(c, 0) for c in self.containing.get(term, ())), self.count)
        return float(np.log(1 + (self.count - df + 0.5) / (df + 0.5)))

    def term_groups(self, terms: list[str], weights: Mapping[str, float] | None = None) -> list[TermGroup]:
        """Per query term: a tsquery of it and the compounds that contain it, its IDF (times its weight) and row count."""
        groups = []
        for term in dict.fromkeys(terms):
            members = [t for t in dict.fromkeys([term, *self.containing.get(term, ())]) if _SAFE_TERM.match(t) and (t in self.docs)]
            if members:
                rows = min(self.count, sum(self.docs[m] for m in members))
                groups.append(TermGroup(tuple(members), self.idf(term) * (weights or {}).get(term, 1.0), rows))
        return groups


def match_plan(groups: list[TermGroup]) -> tuple[list[TermGroup], int]:
    """Which groups a passage must hold to be ranked, and how many of them: the rarest, within MATCH_BUDGET rows.

    PostgreSQL has no top-k text index: the statement scores every passage that
    matches, so a query of common words would score most of the table. A passage
    that holds only the common words would score low anyway (their IDF is low); its
    score still counts every group. The rarest group always takes part; when even
    it is over the budget, passages need two of the four rarest.
    """
    ordered = sorted(groups, key=lambda g: g.rows)
    if ordered[0].rows > MATCH_BUDGET and len(ordered) > 1:
        return ordered[:4], 2
    chosen, rows = [], 0
    for group in ordered:
        if chosen and rows + group.rows > MATCH_BUDGET:
            break
        chosen.append(group)
        rows += group.rows
    return chosen, 1


def phrase_tsquery(lexicon: Lexicon, phrases: tuple[str, ...]) -> str:
    """Passages whose analyzed words hold each phrase in order (`<->`)."""
    parts = []
    for phrase in phrases:
        terms = [t for t in lexicon.analyzer.terms(phrase) if _SAFE_TERM.match(t)]
        if terms:
            parts.append("(" + " <-> ".join(terms) + ")")
    return " & ".join(parts)
