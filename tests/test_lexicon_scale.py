"""Typo correction in a vocabulary too large to scan: the trigram candidates find what a full scan finds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from index.text.analysis import Analyzer
from index.text.lexicon import SCAN_ALL, Lexicon, TrigramIndex

BOKMAAL = Path("/usr/share/dict/bokmaal")


@pytest.mark.skipif(not BOKMAAL.exists(), reason="Debian's wnorwegian is not installed (make setup installs it)")
def test_trigram_candidates_find_the_full_scans_best_match():
    analyzer = Analyzer({})
    words = BOKMAAL.read_text(encoding="latin-1").split()
    terms = {t: w for w in words[::4] if (t := analyzer.term(w.casefold()))}
    lexicon = Lexicon(terms, {}, terms)
    assert len(lexicon._choices) > SCAN_ALL  # large enough to use the trigram index
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyzæøå"
    same = 0
    sample = rng.sample([t for t in lexicon._choices if len(t) >= 6], 150)
    for term in sample:
        at = rng.randrange(1, len(term) - 1)
        typo = term[:at] + rng.choice(letters) + term[at + 1 :]
        fast, slow = lexicon.correct(typo), lexicon.correct_by_scan(typo)
        same += fast == slow or (fast is not None and slow is not None and _score(typo, fast) == _score(typo, slow))
    assert same >= 147  # ties aside, the same best match (measured: 300 of 300 on the whole list)


def test_trigram_index_ranks_terms_by_shared_trigrams():
    index = TrigramIndex(["områdesatsing", "områdeløft", "barnehage", "satsing"])
    assert index.candidates("omrdesatsing", top=1) == ["områdesatsing"]
    assert set(index.candidates("barnehagen", top=2)) >= {"barnehage"}


def _score(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b)
