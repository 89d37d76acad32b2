"""Training queries in other words than the passage's: English glosses, Norwegian synonyms, nynorsk.

Pseudo-queries made of a document's own words teach hybrid search little that BM25 does not
already find (docs/rerank.md §3); the questions search fails most are English ones and
paraphrases (held-out MRR@10 0.43 and 0.42). These rewrites of a keyword query give training
queries of those kinds:
- `english`: each word replaced by an English word that Debian's FreeDict English–Norwegian
  dictionary, read backwards, offers for it; names (capitalised words it has no entry for) stay,
  other words without an entry are dropped;
- `synonym`: words replaced by a synonym from Debian's Norwegian thesaurus (mythes-no);
- `nynorsk`: a bokmål query put into nynorsk (and a nynorsk one into bokmål) by Apertium.
A dictionary offers many words, some wrong for the sense at hand, and a stem matches forms of
other words ("mest" → "master"); the embedder chooses among the offers the one nearest the word
and takes none below `min_similarity`. Resources not installed: the rewrite makes nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import Stemmer
from wordfreq import zipf_frequency

from index.text.translate import load_dictionary

THESAURUS = {"nb": Path("/usr/share/mythes/th_nb_NO_v2.dat"), "nn": Path("/usr/share/mythes/th_nn_NO_v2.dat")}
APERTIUM_PAIRS = {"nb": "nob-nno", "nn": "nno-nob"}
Embed = Callable[[Sequence[str]], np.ndarray]  # texts -> normalised query vectors, one row each


@dataclass(frozen=True)
class Offers:
    """Words a lexical resource offers in place of a word, by the word and by its stem."""

    by_word: Mapping[str, frozenset[str]]
    by_stem: Mapping[str, frozenset[str]]

    def of(self, word: str, stem: Callable[[str], str]) -> frozenset[str]:
        key = word.casefold()
        return self.by_word.get(key) or self.by_stem.get(stem(key)) or frozenset()

    @classmethod
    def of_pairs(cls, pairs: Iterable[tuple[str, str]], stem: Callable[[str], str]) -> Offers:
        by_word: dict[str, set[str]] = {}
        by_stem: dict[str, set[str]] = {}
        for word, offer in pairs:
            by_word.setdefault(word, set()).add(offer)
            by_stem.setdefault(stem(word), set()).add(offer)
        freeze = lambda d: {k: frozenset(v) for k, v in d.items()}  # noqa: E731
        return cls(freeze(by_word), freeze(by_stem))


@dataclass(frozen=True)
class Rule:
    """How one rewrite treats a word nothing is offered for, and when a rewrite counts."""

    kind: str  # english | synonym
    drop_unmatched: bool  # english: a Norwegian word left in would give the answer away
    min_replaced: float  # share of the query's words that must be replaced
    min_similarity: float


ENGLISH = Rule("english", drop_unmatched=True, min_replaced=0.5, min_similarity=0.88)
SYNONYM = Rule("synonym", drop_unmatched=False, min_replaced=0.5, min_similarity=0.9)


class Rewriter:
    """Rewrites keyword queries word by word; the embedder chooses among the offers."""

    def __init__(self, rule: Rule, offers: Offers, embed: Embed, stemmer: Stemmer.Stemmer):
        self.rule, self.offers, self.embed, self._stem = rule, offers, embed, stemmer.stemWord
        self._vectors: dict[str, np.ndarray] = {}

    def __bool__(self) -> bool:
        return bool(self.offers.by_word)

    def rewrite(self, query: str) -> str | None:
        words = query.split()
        out, replaced = [], 0
        for word in words:
            choice = self.best(word)
            if choice is not None:
                out.append(choice)
                replaced += 1
            elif not self.rule.drop_unmatched or word[:1].isupper():
                out.append(word)
        if replaced < max(1, self.rule.min_replaced * len(words)) or len(out) < 2:
            return None
        return " ".join(out)

    def best(self, word: str) -> str | None:
        key = word.casefold()
        offers = sorted(o for o in self.offers.of(key, self._stem) if self._stem(o.casefold()) != self._stem(key))
        if not offers:
            return None
        self._embed([key, *offers])
        similarity = {o: float(self._vectors[key] @ self._vectors[o]) for o in offers}
        best = max(offers, key=similarity.__getitem__)
        return best if similarity[best] >= self.rule.min_similarity else None

    def _embed(self, texts: list[str]) -> None:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            self._vectors.update(zip(new, self.embed(new), strict=True))


def english_offers(stem: Callable[[str], str], dictionary: Mapping[str, Sequence[str]] | None = None) -> Offers:
    """FreeDict read backwards: Norwegian word -> the common one-word English headwords for it."""
    entries = load_dictionary() if dictionary is None else dictionary
    pairs = (
        (no.casefold(), en)
        for en, nos in entries.items()
        if " " not in en and zipf_frequency(en, "en") >= 2.5
        for no in nos
        if " " not in no
    )
    return Offers.of_pairs(pairs, stem)


def thesaurus_offers(stem: Callable[[str], str], path: Path) -> Offers:
    """A MyThes thesaurus (first line its encoding; "word|n", then n lines "(class)|syn|syn…"):
    one-word synonyms common enough to be typed (wordfreq zipf ≥ 3)."""
    return Offers.of_pairs(((w, s) for w, s in read_thesaurus(path) if zipf_frequency(s, "nb") >= 3), stem)


def read_thesaurus(path: Path) -> Iterable[tuple[str, str]]:
    if not path.exists():
        return
    raw = path.read_bytes()
    encoding, _, body = raw.partition(b"\n")
    lines = body.decode(encoding.decode("ascii").strip() or "utf-8", "replace").splitlines()
    i = 0
    while i < len(lines):
        head, _, count = lines[i].partition("|")
        n = int(count) if count.isdigit() else 0
        for line in lines[i + 1 : i + 1 + n]:
            for synonym in line.split("|")[1:]:
                synonym = re.sub(r"\s*\(.*?\)\s*", "", synonym).strip()
                if synonym and " " not in synonym and synonym.casefold() != head.casefold():
                    yield head.casefold(), synonym
        i += 1 + n


def nynorsk_rewrites(queries: Sequence[str], language: str) -> list[str | None]:
    """Each query in the other written Norwegian (Apertium); None where it did not change or
    Apertium is not installed."""
    pair = APERTIUM_PAIRS.get(language)
    if pair is None or shutil.which("apertium") is None:
        return [None] * len(queries)
    lines = [" ".join(q.split()) for q in queries]
    return [t if t and t != q else None for q, t in zip(lines, _apertium(lines, pair), strict=True)]


def _apertium(lines: list[str], pair: str) -> list[str | None]:
    """One process for all lines, one output line each; where Apertium's lines do not pair up with
    the input's (it can break a line in the middle of a batch), each half is sent on its own."""
    if not lines:
        return []
    done = subprocess.run(["apertium", "-u", pair], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600)
    out = done.stdout.rstrip("\n").split("\n")
    if done.returncode == 0 and len(out) == len(lines):
        return [line.strip() for line in out]
    if len(lines) == 1:
        return [None]
    half = len(lines) // 2
    return _apertium(lines[:half], pair) + _apertium(lines[half:], pair)


@lru_cache(maxsize=1)
def norwegian_stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("norwegian")


def rewriters(embed: Embed) -> dict[str, list[Rewriter]]:
    """The word-by-word rewriters for a passage language: English glosses and same-language synonyms."""
    stemmer = norwegian_stemmer()
    english = Rewriter(ENGLISH, english_offers(stemmer.stemWord), embed, stemmer)
    return {
        language: [r for r in (english, Rewriter(SYNONYM, thesaurus_offers(stemmer.stemWord, path), embed, stemmer)) if r]
        for language, path in THESAURUS.items()
    }
