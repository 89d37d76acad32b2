"""Typo correction against a vocabulary of a million passages' size: Debian's Norwegian word
lists (wnorwegian: bokmål and nynorsk, about 1.5 million written forms, 420,000 index terms),
not the bundled corpus' vocabulary. Queries are the evaluation set's, each with two of its
words misspelt by one letter (seeded, so every run measures the same queries); the baseline is
the full scan the bundled corpus uses, measured in the same run.
"""

from __future__ import annotations

import random
import time
from functools import lru_cache
from pathlib import Path

from rich.console import Console

from index.text.analysis import Analyzer
from index.text.lexicon import Lexicon
from kb.bench.evaluate import load_queries
from kb.bench.measure import percentiles, print_table

WORD_LISTS = (Path("/usr/share/dict/bokmaal"), Path("/usr/share/dict/nynorsk"))
QUERIES = Path(__file__).resolve().parents[2] / "tests" / "eval" / "queries.jsonl"
LETTERS = "abcdefghijklmnopqrstuvwxyzæøå"


def real_vocabulary() -> dict[str, str]:
    """Index terms of the word lists, each with a written form."""
    analyzer, terms = Analyzer({}), {}
    for path in WORD_LISTS:
        for line in path.read_text(encoding="latin-1").splitlines():
            term = analyzer.term(line.strip().casefold())
            if term:
                terms.setdefault(term, line.strip())
    return terms


def two_typos(query: str, rng: random.Random) -> str:
    """The query with two of its longer words misspelt by one deleted, inserted or replaced letter."""
    words = query.split()
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    for i in rng.sample(long, min(2, len(long))):
        word, at = words[i], rng.randrange(1, len(words[i]) - 1)
        edit = rng.choice("dir")
        letter = rng.choice(LETTERS)
        words[i] = word[:at] + word[at + 1 :] if edit == "d" else word[:at] + letter + word[at:] if edit == "i" else word[:at] + letter + word[at + 1 :]
    return " ".join(words)


def _latencies(lexicon: Lexicon, queries: list[str]) -> list[float]:
    out = []
    for query in queries:
        lexicon.correct.cache_clear()
        started = time.perf_counter()
        lexicon.query_terms(query)
        lexicon.dense_query(query)
        out.append((time.perf_counter() - started) * 1000)
    return out


def bench_typos(console: Console, limit: int = 60) -> None:
    if not all(p.exists() for p in WORD_LISTS):
        console.print("typo correction at scale: skipped (install wnorwegian: make setup does)")
        return
    terms = real_vocabulary()
    rng = random.Random(13)
    queries = [two_typos(q.query, rng) for q in load_queries(QUERIES) if q.kind in ("fact-nb", "typo", "paraphrase")][:limit]
    ours = Lexicon(terms.keys(), {}, terms)
    started = time.perf_counter()
    ours.prepare()
    build = time.perf_counter() - started
    fast = _latencies(ours, queries)
    scan = Lexicon(terms.keys(), {}, terms)
    scan.correct = lru_cache(maxsize=4096)(scan.correct_by_scan)
    baseline = _latencies(scan, queries)
    rows = [
        ["full scan (baseline)", f"{len(terms):,}", *(f"{x:.0f}" for x in percentiles(baseline)), "0"],
        ["trigram candidates (ours)", f"{len(terms):,}", *(f"{x:.0f}" for x in percentiles(fast)), f"{build:.1f}"],
    ]
    print_table(
        f"Typo correction, {len(queries)} queries with two typos each (ms; target p95 ≤ 150)",
        ["method", "terms", "p50", "p95", "index build s"],
        rows,
        console,
    )
