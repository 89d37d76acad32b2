"""Norwegian text analysis for the lexical index: the same steps for passages and queries.

1. casefold and split into words (hyphenated words also give their parts:
   "Sør-satsinga" -> "sør-satsinga" parts "sør", "satsinga" and "sørsatsinga");
2. drop bokmål, nynorsk and English stopwords;
3. fold æ/ø/å and accents, so the OCR'd report's "omradesatsing" and
   "levekar" meet "områdesatsing" and "levekår";
4. Snowball Norwegian stemming ("omradesatsingene" -> "omradesatsing");
5. at index time, compounds also give their parts, found by splitting each
   term against the corpus vocabulary ("områdesatsing" -> "omrad" + "satsing"),
   so that "satsing" finds "områdesatsingene".
Folding comes before stemming so that a word and its OCR'd form without æøå
are stemmed alike ("levekår" and "levekar" both become "levek").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import Stemmer

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_FOLD = str.maketrans(
    {"å": "a", "ø": "o", "æ": "ae", "ä": "a", "ö": "o", "é": "e", "è": "e", "ê": "e", "ò": "o", "ó": "o", "ü": "u", "á": "a"}
)
_STOPWORD_FILE = Path(__file__).with_name("stopwords.txt")
MIN_PART = 4  # shortest compound part (after linking letters) that counts


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    words = set()
    for line in _STOPWORD_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        words.update(line.split())
    return frozenset(words)


def fold(term: str) -> str:
    return term.translate(_FOLD)


class Analyzer:
    """Turns text into index terms; `compounds` maps a term to its parts."""

    def __init__(self, compounds: dict[str, tuple[str, ...]] | None = None):
        self.stemmer = Stemmer.Stemmer("norwegian")
        self.stop = stopwords()
        self.compounds = compounds or {}
        self._terms: dict[str, str | None] = {}  # word -> term, memoized: excerpts analyze many words

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """Lower-cased words with their offsets in `text`."""
        return [(m.group(0).casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]

    def term(self, word: str) -> str | None:
        """One (lower-cased) word -> its index term, or None for a stopword."""
        found = self._terms.get(word, "")
        if found != "":
            return found
        term = None if word in self.stop else self.stemmer.stemWord(fold(word))
        if len(self._terms) < 500_000:
            self._terms[word] = term
        return term

    def term_pieces(self, text: str) -> Iterator[tuple[str, str]]:
        """(term, written word) in text order; hyphenated words give their parts and the joined form."""
        for word, _, _ in self.words(text):
            for piece in _pieces(word):
                term = self.term(piece)
                if term:
                    yield term, piece

    def terms(self, text: str) -> list[str]:
        return [term for term, _ in self.term_pieces(text)]

    def index_terms(self, text: str) -> list[str]:
        """Terms plus the parts of known compounds, for the index."""
        out = []
        for term in self.terms(text):
            out.append(term)
            out.extend(self.compounds.get(term, ()))
        return out


def _pieces(word: str) -> list[str]:
    if "-" not in word and "'" not in word and "’" not in word:
        return [word]
    parts = [p for p in re.split(r"[-'’]", word) if p]
    return [*parts, "".join(parts)]


def split_compound(term: str, vocabulary: set[str], stem=lambda word: word) -> tuple[str, ...]:
    """Parts of a compound term found in the vocabulary, longest head first.

    "levekarsutfordring" -> ("levek", "utfordring"); linking -s- and -e- are
    allowed between the parts, and a modifier may be matched by its stem. When
    only the head is known (and both sides have five letters or more), the head
    alone is returned: "omradesatsing" -> ("satsing",) in a corpus without "område".
    """
    head_only: tuple[str, ...] = ()
    for cut in range(MIN_PART, len(term) - MIN_PART + 1):
        head = term[cut:]
        if head not in vocabulary:
            continue
        modifier = term[:cut]
        options = [modifier, modifier[:-1]] if modifier[-1:] in "se" else [modifier]
        for candidate in [*options, *(stem(o) for o in options)]:
            if len(candidate) >= MIN_PART - 1 and candidate in vocabulary:
                return (candidate, head, *split_compound(head, vocabulary, stem))
        if not head_only and len(modifier) >= 5 and len(head) >= 5:
            head_only = (head,)
    return head_only


def compound_map(counts: Counter[str], stem=lambda word: word) -> dict[str, tuple[str, ...]]:
    """Compound -> parts, for every vocabulary term that splits into vocabulary terms."""
    vocabulary = {t for t in counts if len(t) >= MIN_PART - 1 and not t.isdigit()}
    found = {}
    for term in vocabulary:
        if len(term) >= 2 * MIN_PART:
            parts = split_compound(term, vocabulary, stem)
            if parts:
                found[term] = parts
    return found


def surface_forms(analyzer: Analyzer, texts: Iterable[str]) -> tuple[Counter[str], dict[str, str]]:
    """Term counts and, for each term, its most frequent written form (for display)."""
    counts: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    for text in texts:
        for term, piece in analyzer.term_pieces(text):
            counts[term] += 1
            written.setdefault(term, Counter())[piece] += 1
    return counts, {term: forms.most_common(1)[0][0] for term, forms in written.items()}
