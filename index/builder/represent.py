"""How a passage is represented to each retriever: the windows the embedder sees, the text BM25 indexes."""

from __future__ import annotations

from ingest.records import Passage
from ingest.sentences import passage_sentences

WINDOW_WORDS = 60  # a sentence window grows sentence by sentence up to this many words
WINDOW_SENTENCES = 3


def lexical_text(passage: Passage) -> str:
    """What BM25 indexes: the section path too, so "tiltak i Oslo Sør" finds the
    passages under "3.2 Oslo Sørsatsinga / Eksempel på tiltak"."""
    return " ".join(passage.section) + "\n" + passage.text


def windows(passage: Passage) -> list[tuple[int, int]]:
    """The passage cut into windows of whole consecutive sentences (at most
    WINDOW_SENTENCES, about WINDOW_WORDS words), as offsets in its text.

    The dense index scores a passage by its best window: a question about one
    statement is closer to the sentence that makes it than to 200 words around
    it. A heading line joins the sentence after it.
    """
    out: list[tuple[int, int]] = []
    start = end = None
    words = count = 0
    for s, e in passage_sentences(passage.text):
        length = len(passage.text[s:e].split())
        if start is not None and (words + length > WINDOW_WORDS or count == WINDOW_SENTENCES):
            out.append((start, end))
            start = None
        if start is None:
            start, words, count = s, 0, 0
        end, words, count = e, words + length, count + 1
    if start is not None:
        out.append((start, end))
    return out


def window_texts(passage: Passage) -> list[str]:
    """What the embedder sees: each window's sentences as they stand.

    Measured on the tune queries (docs/retrieval.md): prefixing the section path,
    or the title and the section path, did not help and cost 50 % and 80 % more
    embedding time; the section path is indexed by BM25 instead.
    """
    return [passage.text[start:end] for start, end in windows(passage)]
