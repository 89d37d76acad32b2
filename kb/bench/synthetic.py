"""Synthetic stores of any size, made from the bundled corpus, for the scale benchmark.

Each synthetic passage takes a run of sentences from one real passage and a run
from another, so the text has the corpus's vocabulary and sentence shapes; each
of its sentence windows gets the real embedding of a window of one of the two
source passages (chosen in proportion to their share of the text), plus a
little noise, normalized (embedding millions of windows with the 4-bit model
would take days on two cores). Documents of 1,000 passages get
random years, types and places. The vectors go into the embedding cache, so the
real index builder finds them there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.backends.files.store import Store, write_json
from index.builder.dense import open_vectors
from index.builder.embed import EmbeddingCache, embedder_name, text_key
from index.builder.indexer import INDEX_DIR
from index.builder.represent import window_texts
from index.builder.table import PassageTable, TableWriter
from index.builder.windows import WindowMap
from ingest.records import Document, Passage
from ingest.sentences import sentence_spans
from settings import Settings

PER_DOC = 1000
NOISE = 0.02
CACHE_BATCH = 20_000
YEARS = list(range(2005, 2026))
TYPES = ["rapport", "evaluering", "NOU", "avtale", "notat"]
PLACES = ["Oslo", "Groruddalen", "Oslo Sør", "Bergen", "Trondheim", "Stavanger", "Drammen", "Kristiansand"]


@dataclass
class Sources:
    """The real passages, their sentences and vectors that synthetic ones are mixed from."""

    passages: list[Passage]
    sentences: list[list[str]]
    vectors: np.ndarray  # the real windows' vectors
    windows: WindowMap
    usable: list[int]

    @classmethod
    def of(cls, settings: Settings) -> Sources:
        version = Store(settings.store.dir).require_current()
        passages = list(PassageTable(version.path))
        sentences = [[p.text[s:e] for s, e in sentence_spans(p.text)] for p in passages]
        usable = [i for i, s in enumerate(sentences) if len(s) >= 3 and not passages[i].is_note]
        info = version.manifest().index
        folder = version.path / INDEX_DIR
        return cls(passages, sentences, np.asarray(open_vectors(folder, info.windows, info.dim)), WindowMap.load(folder), usable)

    def window_vector(self, row: int, rng: random.Random) -> np.ndarray:
        return self.vectors[rng.randrange(int(self.windows.offsets[row]), int(self.windows.offsets[row + 1]))]


class Mixer:
    def __init__(self, sources: Sources, seed: int):
        self.sources = sources
        self.rng = random.Random(seed)
        self.nprng = np.random.default_rng(seed)

    def passage(self, number: int, doc_id: str, ordinal: int, last: int, offset: int) -> tuple[Passage, list[np.ndarray]]:
        """One synthetic passage (text from two real ones) and its windows' vectors."""
        src, rng = self.sources, self.rng
        a, b = rng.choice(src.usable), rng.choice(src.usable)
        take_a, take_b = rng.randint(2, 5), rng.randint(2, 5)
        start_a, start_b = rng.randrange(len(src.sentences[a]) - 1), rng.randrange(len(src.sentences[b]) - 1)
        chosen_a, chosen_b = src.sentences[a][start_a : start_a + take_a], src.sentences[b][start_b : start_b + take_b]
        text = " ".join(chosen_a + chosen_b)
        share = len(chosen_a) / (len(chosen_a) + len(chosen_b))
        passage = Passage(
            f"{number:016x}",
            doc_id,
            ordinal,
            text,
            offset,
            offset + len(text),
            src.passages[a].section,
            src.passages[a].language,
            prev_id=f"{number - 1:016x}" if ordinal else None,
            next_id=f"{number + 1:016x}" if ordinal < last else None,
        )
        dim = src.vectors.shape[1]
        vectors = []
        for _ in window_texts(passage):
            vector = src.window_vector(a if rng.random() < share else b, rng) + self.nprng.normal(0, NOISE / np.sqrt(dim), dim)
            vectors.append(vector / np.linalg.norm(vector))
        return passage, vectors

    def document(self, doc_id: str, title: str, passages: int) -> Document:
        rng = self.rng
        return Document(
            doc_id, f"{doc_id}.txt", title, publisher="Syntetisk", year=rng.choice(YEARS), doc_type=rng.choice(TYPES),
            language="nb", places=tuple(rng.sample(PLACES, 2)), passages=passages, parse_key="synthetic",
        )  # fmt: skip


def generate(settings: Settings, target: Path, n: int, seed: int = 7) -> Settings:
    """Write an unpublished version of `n` synthetic passages under `target` and fill its cache.

    Returns settings pointing at the new store and its own cache.
    """
    mixer = Mixer(Sources.of(settings), seed)
    version = target / "store" / "versions" / "v000001"
    (version / "texts").mkdir(parents=True)
    store = settings.with_overrides(store=target / "store")
    store = store.model_copy(update={"store": store.store.model_copy(update={"cache_dir": target / "store" / "cache"})})
    cache = EmbeddingCache(store.store.cache, embedder_name(settings.embedder))
    table, documents, keys, vectors = TableWriter(version), [], [], []
    for first in range(0, n, PER_DOC):
        doc_id, count = f"syn-{first // PER_DOC:05d}", min(PER_DOC, n - first)
        passages, offset = [], 0
        for ordinal in range(count):
            passage, window_vectors = mixer.passage(first + ordinal, doc_id, ordinal, count - 1, offset)
            passages.append(passage)
            keys += [text_key(text) for text in window_texts(passage)]
            vectors += window_vectors
            offset = passage.end + 2
        table.add(passages)
        (version / "texts" / f"{doc_id}.txt").write_text("\n\n".join(p.text for p in passages), encoding="utf-8")
        documents.append(mixer.document(doc_id, f"Syntetisk dokument {first // PER_DOC + 1}", count))
        if len(keys) >= CACHE_BATCH:
            cache.put(keys, np.array(vectors, dtype=np.float32))
            keys, vectors = [], []
    cache.put(keys, np.array(vectors, dtype=np.float32))
    cache.close()
    table.finish()
    write_json(version / "documents.json", [d.to_dict() for d in documents])
    return store
