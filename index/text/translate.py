"""English query words -> Norwegian index terms, for the lexical side of an English query.

Two sources, combined (measured in docs/retrieval.md; word frequencies from wordfreq):
- Debian's English–Norwegian FreeDict dictionary (`dict-freedict-eng-nor`): about
  11,000 headwords, so many words of this field are missing ("employment",
  "municipality", "housing");
- the embedder's multilingual space: each query word's nearest Norwegian terms of
  the index vocabulary ("employment" -> "arbeid", "earmarked" -> "øremerkede").
  Some terms sit near every English word (hubs); their similarity is corrected
  with CSLS: 2·cos(word, term) − r(term), where r(term) is the term's mean
  similarity to its ten nearest English reference words (the dictionary's
  headwords), computed at index time (index/builder/termspace.py).

The translations join the query's own terms with a lower weight; English words
are never "corrected" to Norwegian vocabulary (that is the searcher's rule).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from wordfreq import top_n_list, zipf_frequency

from index.text.lexicon import Lexicon

DICTIONARY = Path("/usr/share/dictd/freedict-eng-nor")
NEIGHBOURS = 2  # nearest Norwegian terms taken per English word
MIN_CSLS = 0.85  # and only when they are this close
ENGLISH_STOPWORDS = frozenset(
    """a an the of in on to and or for is are was were be been being what which who whom how why when where did do does
    doing that this these those with from by at as about their they them its it there here than then into over under after
    before between during through against not no nor only also more most such can could should would will shall may might
    must has have had having i we you he she our your his her my me us any all each other some many much few own same so
    very just above below up down out off again further once both give find examples example kind""".split()
)
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _dictd_number(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64.index(char)
    return value


@lru_cache(maxsize=2)
def load_dictionary(path: Path | None = DICTIONARY) -> dict[str, tuple[str, ...]]:
    """Headword -> Norwegian translations, from a dictd index and its compressed data; {} when absent."""
    if path is None:
        return {}
    index, data = Path(f"{path}.index"), Path(f"{path}.dict.dz")
    if not index.exists() or not data.exists():
        return {}
    raw = gzip.open(data).read()
    entries: dict[str, list[str]] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        head, offset, length = (line.split("\t") + ["", ""])[:3]
        if not head or head.startswith("00-") or not length:
            continue
        entry = raw[_dictd_number(offset) : _dictd_number(offset) + _dictd_number(length)].decode("utf-8", "replace")
        entries.setdefault(head.lower(), []).extend(_translations(entry.split("\n")[1:]))
    return {head: tuple(dict.fromkeys(words)) for head, words in entries.items() if words}


def _translations(lines: list[str]) -> list[str]:
    """The Norwegian words of a FreeDict entry: numbered lines of comma-separated words; glosses are English prose."""
    out = []
    for line in lines:
        line = re.sub(r"^\s*\d+\.\s*", "", line).strip()
        if not line or (len(line.split()) > 3 and "," not in line):
            continue  # an English gloss
        for part in line.split(","):
            part = re.sub(r"\s*\d+\.$", "", part.strip())
            if part and len(part.split()) <= 2 and not set(part.lower().split()) & ENGLISH_STOPWORDS:
                out.append(part)
    return out


ENGLISH_WORDS = 6_000  # the most frequent English words (wordfreq), embedded at index time (cached)
CLEARLY_ENGLISH = 1.0  # Zipf frequency in English above Norwegian by this much


def clearly_english(word: str) -> bool:
    """Far more frequent in English than in Norwegian (wordfreq): "housing" yes, "program" and "rapport" no."""
    return zipf_frequency(word, "en") - zipf_frequency(word, "nb") >= CLEARLY_ENGLISH


def english_words() -> list[str]:
    """The English reference words: wordfreq's most frequent English words that are clearly English.

    They correct the translation for hubness, and query words among them need no
    embedding at search time (their vectors are stored with the index); other
    query words are embedded when first seen.
    """
    return sorted(w for w in top_n_list("en", ENGLISH_WORDS) if w.isalpha() and len(w) >= 3 and clearly_english(w))


@dataclass(frozen=True)
class TermSpace:
    """Index terms that are Norwegian words, their vectors (query prefix) and hub scores."""

    terms: tuple[str, ...]
    vectors: np.ndarray  # len(terms) x dim, normalized
    hubness: np.ndarray  # r(term): mean similarity to its nearest English reference words
    english: Mapping[str, np.ndarray] = field(default_factory=dict)  # the reference words' vectors, reused for query words

    def nearest(self, vector: np.ndarray, k: int = NEIGHBOURS, minimum: float = MIN_CSLS) -> list[str]:
        if not self.terms:
            return []
        csls = 2 * (self.vectors @ vector) - self.hubness
        best = np.argpartition(-csls, min(k, len(csls) - 1))[:k]
        return [self.terms[i] for i in best[np.argsort(-csls[best])] if csls[i] >= minimum]


class Translator:
    def __init__(self, lexicon: Lexicon, space: TermSpace | None, dictionary: dict[str, tuple[str, ...]], embed: Callable[[Sequence[str]], np.ndarray]):
        self.lexicon = lexicon
        self.space = space
        self.dictionary = dictionary
        self.embed = embed  # words -> vectors (the embedder with its query prefix)
        self._cache: dict[str, tuple[str, ...]] = {}

    def content_words(self, text: str) -> list[str]:
        return [w for w, _, _ in self.lexicon.analyzer.words(text) if w not in ENGLISH_STOPWORDS and len(w) >= 3 and not w.isdigit()]

    def terms(self, text: str, own: set[str]) -> list[str]:
        """Norwegian index terms for the English words of `text`, not already among `own`."""
        words = self.content_words(text)
        unknown = [w for w in dict.fromkeys(words) if w not in self._cache]
        if unknown:
            for word, vector in zip(unknown, self._vectors(unknown), strict=True):
                self._cache[word] = self._translate(word, vector)
        found = [t for w in words for t in self._cache[w]]
        return [t for t in dict.fromkeys(found) if t not in own]

    def _vectors(self, words: list[str]) -> list[np.ndarray | None]:
        """The words' vectors: the reference words' from the index, the others embedded now."""
        if self.space is None:
            return [None] * len(words)
        missing = [w for w in words if w not in self.space.english]
        fresh = dict(zip(missing, self.embed(missing), strict=True)) if missing else {}
        return [self.space.english.get(w, fresh.get(w)) for w in words]

    def _translate(self, word: str, vector: np.ndarray | None) -> tuple[str, ...]:
        found = []
        for headword in (word, word[:-1] if word.endswith("s") else "", word[:-3] + "y" if word.endswith("ies") else ""):
            if headword in self.dictionary:
                found += [t for phrase in self.dictionary[headword] for t in self.lexicon.analyzer.terms(phrase)]
                break
        if vector is not None and self.space is not None:
            found += self.space.nearest(vector)
        return tuple(t for t in dict.fromkeys(found) if t in self.lexicon.vocabulary)
