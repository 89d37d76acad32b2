"""What a published index was built from and with: the typed manifest of both backends.

The files backend keeps it as `manifest.json` in each version, PostgreSQL as the
`manifest` row of `kb_state`. A searcher refuses an index built with another
embedder; the ingest rebuilds an index whose signature differs from the config.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from index.builder.embed import embedder_name
from index.tags.taxonomy import data_digest
from ingest.records import CorpusInfo
from settings import Settings

# Bump when the analysis or index layout changes, so stores built before are rebuilt.
INDEX_VERSION = 9  # 9: passage tags (index/tags); 8: sentence windows, the term space for English queries


LEXICAL_ONLY = "none"  # IndexInfo.dense of a version published before any of its passages had vectors

# Index settings read only when searching: changing them needs no rebuild.
QUERY_TIME = frozenset({"hnsw_ef_search", "ivf_nprobe", "rerank", "exact_filter_max", "translation_dictionary"})


def index_signature(settings: Settings) -> dict[str, Any]:
    """What an index depends on besides the passages: the embedder, the build settings, the layout."""
    built_with = {k: v for k, v in settings.index.model_dump(mode="json").items() if k not in QUERY_TIME}
    built_with["tags"] = {**settings.tags.model_dump(mode="json"), "data": data_digest()}  # retagged when either changes
    return {"embedder": embedder_name(settings.embedder), "index": built_with, "index_version": INDEX_VERSION}


@dataclass(frozen=True)
class IndexInfo:
    embedder: str
    index: Mapping[str, Any]  # the index settings it was built with
    index_version: int
    passages: int
    backend: str = "files"
    windows: int = 0  # sentence windows, each with a vector
    dim: int = 0
    dense: str = ""  # the FAISS index type (files backend)
    embedded_now: int = 0  # passages embedded by this build (the rest came from the cache)
    libraries: Mapping[str, str] = dataclasses.field(default_factory=dict)
    unembedded: int = 0  # passages without vectors yet (a version published words first)

    @property
    def dense_available(self) -> bool:
        """Whether any passage can be found by meaning (a words-first version reuses cached vectors)."""
        return self.dense != LEXICAL_ONLY

    @property
    def semantic_ready(self) -> bool:
        """Whether every passage has its vectors."""
        return self.dense_available and self.unembedded == 0

    def matches(self, settings: Settings) -> bool:
        wanted = index_signature(settings)
        return (self.embedder, dict(self.index), self.index_version) == (wanted["embedder"], wanted["index"], wanted["index_version"])


@dataclass(frozen=True)
class Manifest:
    corpus: CorpusInfo
    index: IndexInfo | None = None
    format: int = 1

    def to_dict(self) -> dict[str, Any]:
        data = {"format": self.format, **dataclasses.asdict(self.corpus)}
        data["index"] = dataclasses.asdict(self.index) if self.index else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        corpus = CorpusInfo(**{f.name: data[f.name] for f in dataclasses.fields(CorpusInfo)})
        index = IndexInfo(**data["index"]) if data.get("index") else None
        return cls(corpus, index, data.get("format", 1))
