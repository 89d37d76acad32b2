"""The index vocabulary in the embedder's space, for translating English query words.

Each index term that is a Norwegian word (its written form is not clearly more
frequent in English, by wordfreq) is embedded once, with the query prefix, from its most frequent
written form; the embeddings are cached like the passages' (under the model's
query name). Each term's hubness r(term), its mean similarity to its ten nearest
English reference words, corrects the translation's similarity
(index/text/translate.py). Both backends store the result with their index.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from index.arrays import load_npz
from index.builder.embed import EmbeddingCache, PassageEncoder, cached_vectors, embed_texts, embedder_name
from index.text.translate import TermSpace, clearly_english
from settings import Settings

SPACE_FILE = "termspace.npz"
MAX_TERMS = 50_000  # the most frequent terms; a query word costs one product with all of them
HUB_NEIGHBOURS = 10
WORD_BATCH = 64


def candidates(surface: Mapping[str, str], counts: Mapping[str, int]) -> list[str]:
    """The terms worth translating to: written as a word of three letters or more that is not clearly English,
    most frequent first."""
    usable = [t for t, form in surface.items() if len(form) >= 3 and form.isalpha() and not clearly_english(form.lower())]
    return sorted(usable, key=lambda t: (-counts.get(t, 0), t))[:MAX_TERMS]


def build_term_space(
    settings: Settings, surface: Mapping[str, str], counts: Mapping[str, int], english: list[str], cached_only: bool = False
) -> TermSpace:
    """Embed the candidate terms and the English reference words; compute each term's hubness.
    `cached_only`: embed nothing; the terms and words whose vectors are cached (words first)."""
    terms = candidates(surface, counts)
    cache = EmbeddingCache(settings.store.cache, embedder_name(settings.embedder) + "|query")
    try:
        if cached_only:
            terms, vectors = _cached(terms, [surface[t] for t in terms], cache)
            english, reference = _cached(english, english, cache)
        else:
            with PassageEncoder(settings.embedder, queries=True) as encoder:
                vectors, _ = embed_texts([surface[t] for t in terms], cache, encoder, WORD_BATCH)
                reference, _ = embed_texts(english, cache, encoder, WORD_BATCH)
    finally:
        cache.close()
    words = dict(zip(english, reference.astype(np.float32), strict=True)) if len(english) else {}
    return TermSpace(tuple(terms), vectors.astype(np.float32), hubness(vectors, reference), words)


def _cached(names: list[str], texts: list[str], cache: EmbeddingCache) -> tuple[list[str], np.ndarray]:
    pairs = [(name, vector) for name, vector in zip(names, cached_vectors(texts, cache), strict=True) if vector is not None]
    if not pairs:
        return [], np.zeros((0, 0), dtype=np.float32)
    return [name for name, _ in pairs], np.vstack([vector for _, vector in pairs]).astype(np.float32)


def hubness(vectors: np.ndarray, reference: np.ndarray, block: int = 4096) -> np.ndarray:
    """Each vector's mean similarity to its nearest reference vectors (0 without references)."""
    if len(vectors) == 0 or len(reference) == 0:
        return np.zeros(len(vectors), dtype=np.float32)
    k = min(HUB_NEIGHBOURS, len(reference))
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), block):
        sims = vectors[start : start + block] @ reference.T
        out[start : start + block] = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
    return out


def save(space: TermSpace, folder: Path) -> None:
    english = np.vstack(list(space.english.values())) if space.english else np.zeros((0, space.vectors.shape[-1]), np.float32)
    np.savez(
        folder / SPACE_FILE,
        terms=np.array(space.terms, dtype=str),
        vectors=space.vectors,
        hubness=space.hubness,
        english_words=np.array(list(space.english), dtype=str),
        english_vectors=english,
    )


def load(folder: Path) -> TermSpace | None:
    if not (folder / SPACE_FILE).exists():
        return None
    data = load_npz(folder / SPACE_FILE)
    english = dict(zip((str(w) for w in data["english_words"]), data["english_vectors"], strict=True))
    return TermSpace(tuple(str(t) for t in data["terms"]), data["vectors"], data["hubness"], english)
