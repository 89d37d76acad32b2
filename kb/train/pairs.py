"""Training groups for the reranker, made from the documents a store holds (and tune queries).

A group is one query, one passage window that answers it (always a window as the index cuts
it: a positive cut differently from the negatives taught an earlier model to tell them apart by
their cut, and it ranked worse than no reranker), and windows of passages that the
search itself ranks high but do not (hard negatives, what the reranker will meet). Queries:
- a section heading, against its section's first window;
- a sentence, against the window beside the one that holds it (so its words are not simply
  there), and a keyword query of that sentence's words against the window that holds it;
- the keyword query with a typo, or with æ, ø, å lost as an OCR'd scan loses them;
- the keyword query in other words: glossed into English, with Norwegian synonyms, and the
  sentence in the other written Norwegian (kb/train/rewrite.py), against the same window;
- the tune part's real queries (tests/eval), against their gold passages; never a held-out one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from index.builder.represent import window_texts, windows
from index.query import Filters, parse_query
from index.search.rerank import best_windows
from index.search.searcher import QueryTerms, Searcher
from index.text.analysis import stopwords
from ingest.records import Passage
from ingest.sentences import passage_sentences
from kb.bench.evaluate import EvalQuery, squash
from kb.train.rewrite import APERTIUM_PAIRS, Rewriter, nynorsk_rewrites

OCR_LOSS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})
HEADING_NUMBER = re.compile(r"^[\dIVXivx]+(\.\d+)*\.?\s+")


@dataclass(frozen=True)
class Group:
    query: str
    positive: str
    negatives: tuple[str, ...]
    source: str  # heading | sentence | keywords | typo | ocr | english | synonym | nynorsk | bokmål | tune


@dataclass(frozen=True)
class Seed:
    """A query with the passage that answers it, before negatives are found."""

    query: str
    positive: str
    passage: Passage
    source: str


def seeds(passages: Sequence[Passage], rng: random.Random, per_passage: int = 2) -> Iterator[Seed]:
    """Pseudo-queries from the passages' own words."""
    stop = stopwords()
    headings: set[str] = set()
    for passage in usable(passages):
        heading = HEADING_NUMBER.sub("", passage.section[-1]).strip() if passage.section else ""
        if 2 <= len(heading.split()) <= 12 and heading.casefold() not in headings:
            headings.add(heading.casefold())
            yield Seed(heading, window_texts(passage)[0], passage, "heading")
        spans, cuts = sentence_spans(passage), windows(passage)
        for start, end in rng.sample(spans, min(per_passage, len(spans))):
            sentence = passage.text[start:end]
            kind = rng.choice(("sentence", "keywords", "keywords", "typo", "ocr"))
            query = sentence if kind == "sentence" else keywords(sentence, stop, rng)
            if kind == "typo":
                query = typo(query, rng)
            elif kind == "ocr":
                query = query.translate(OCR_LOSS)
            positive = answer_window(passage.text, cuts, start, end, kind == "sentence")
            if positive and len(query.split()) >= 2:
                yield Seed(query, positive, passage, kind)


def keyword_seeds(passages: Sequence[Passage], rng: random.Random, per_passage: int) -> Iterator[Seed]:
    """Keyword queries of more sentences, against the window that holds each: material for the
    English rewrite, which keeps a quarter of what it is given."""
    stop = stopwords()
    for passage in usable(passages):
        spans, cuts = sentence_spans(passage), windows(passage)
        for start, end in rng.sample(spans, min(per_passage, len(spans))):
            positive = answer_window(passage.text, cuts, start, end, False)
            if positive:
                yield Seed(keywords(passage.text[start:end], stop, rng), positive, passage, "keywords")


def usable(passages: Sequence[Passage]) -> Iterator[Passage]:
    return (p for p in passages if not p.is_note and len(p.text.split()) >= 25)


def sentence_spans(passage: Passage) -> list[tuple[int, int]]:
    return [(s, e) for s, e in passage_sentences(passage.text) if 8 <= len(passage.text[s:e].split()) <= 40]


def rewritten(pseudo: Sequence[Seed], rewriters: Mapping[str, Sequence[Rewriter]]) -> Iterator[Seed]:
    """Queries that do not share the passage's words: each keyword query glossed into English
    and with synonyms, each sentence put into the other written Norwegian; same windows."""
    for seed in pseudo:
        if seed.source == "keywords":
            for rewriter in rewriters.get(seed.passage.language, ()):
                if (query := rewriter.rewrite(seed.query)) is not None:
                    yield Seed(query, seed.positive, seed.passage, rewriter.rule.kind)
    for language in APERTIUM_PAIRS:
        mine = [s for s in pseudo if s.source == "sentence" and s.passage.language == language]
        for seed, query in zip(mine, nynorsk_rewrites([s.query for s in mine], language), strict=True):
            if query is not None:
                yield Seed(query, seed.positive, seed.passage, "nynorsk" if language == "nb" else "bokmål")


def answer_window(text: str, cuts: list[tuple[int, int]], start: int, end: int, without: bool) -> str | None:
    """The passage's window that holds the sentence text[start:end], or (`without`) a window next to
    it that does not: a real window either way, so the model cannot tell answers by their cut."""
    inside = next((i for i, (s, e) in enumerate(cuts) if s <= start < e), None)
    if inside is None:
        return None
    if not without:
        return text[slice(*cuts[inside])]
    beside = [i for i in (inside - 1, inside + 1) if 0 <= i < len(cuts) and (cuts[i][1] <= start or cuts[i][0] >= end)]
    return text[slice(*cuts[beside[0]])] if beside else None


def keywords(sentence: str, stop: frozenset[str], rng: random.Random) -> str:
    """Three to six of the sentence's content words, as a user types a search."""
    words = [w for w in re.findall(r"\w[\w-]*", sentence) if w.casefold() not in stop and len(w) > 3 and not w.isdigit()]
    words = list(dict.fromkeys(words))
    chosen = sorted(rng.sample(words, min(len(words), rng.randint(3, 6))), key=words.index)
    return " ".join(w.lower() if rng.random() < 0.7 else w for w in chosen)


def typo(query: str, rng: random.Random) -> str:
    """One word with a letter dropped, doubled, swapped with the next or replaced."""
    words = query.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5]
    if not long:
        return query
    i = rng.choice(long)
    w, j = words[i], rng.randrange(1, len(words[i]) - 1)
    edit = rng.choice(("drop", "double", "swap", "replace"))
    if edit == "drop":
        w = w[:j] + w[j + 1 :]
    elif edit == "double":
        w = w[:j] + w[j] + w[j:]
    elif edit == "swap":
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    else:
        w = w[:j] + rng.choice("aeiorstnlk") + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def tune_seeds(searcher: Searcher, queries: Sequence[EvalQuery]) -> Iterator[Seed]:
    """The tune part's queries with a gold passage from this store; held-out ones never."""
    by_doc: dict[str, list[Passage]] = {}
    for passage in searcher.all_passages():
        by_doc.setdefault(passage.doc_id, []).append(passage)
    for query in queries:
        if query.part != "tune":
            continue
        for gold in query.gold:
            hit = next((p for p in by_doc.get(gold.doc_id, []) if squash(gold.quote) in squash(p.text)), None)
            if hit is not None:
                yield Seed(query.query, best_window(searcher, hit, query.query), hit, "tune")
                break


def best_window(searcher: Searcher, passage: Passage, query: str) -> str:
    row = searcher.backend.table.rows_of([passage.passage_id])[passage.passage_id]
    vector = searcher.embedder.embed_query(query)
    return best_windows([passage], searcher.window_vectors([row]), vector)[0]


def with_negatives(searcher: Searcher, seed: Seed, count: int, golds: Sequence[str] = ()) -> Group | None:
    """The seed with the windows of up to `count` top fused candidates that are not its passage,
    its neighbours, or a passage holding its words (or a gold quote) verbatim."""
    parsed = parse_query(seed.query)
    terms = QueryTerms.of(searcher, parsed, "hybrid")
    vector = searcher.embedder.embed_query(terms.dense_text)
    candidates = searcher.retrieve(parsed, "hybrid", Filters(), terms, 10, vector) or []
    near = {seed.passage.passage_id, seed.passage.prev_id, seed.passage.next_id}
    must_not = [squash(g) for g in golds] + ([squash(seed.query)] if seed.source == "sentence" else [])
    kept = [c for c in candidates if c.passage.passage_id not in near and not any(q in squash(c.passage.text) for q in must_not)]
    kept = kept[:count]
    if not kept:
        return None
    texts = best_windows([c.passage for c in kept], searcher.window_vectors([c.row for c in kept]), vector)
    return Group(seed.query, seed.positive, tuple(texts), seed.source)
