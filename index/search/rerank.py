"""A cross-encoder re-scores the top of the fused list: each passage by its best window.

The model (`rerank.model`, a sentence-transformers CrossEncoder folder) is loaded lazily, in a
thread, on the first search that could use it; until it is ready, or when its folder is bad,
search keeps the fused order and the result says why (`Reranker.notice`, `error`). The passage's best
window is the one whose stored vector is nearest the query's, the windows the dense retriever
scored; the score that orders the top `candidates` blends the cross-encoder's logit with the
fused score (`rerank.fused_weight`, chosen on the tune queries: docs/rerank.md).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from index.builder.represent import windows
from index.models.folder import ModelFolderError, check_folder
from index.search.hits import Candidate
from settings import RerankSettings

log = logging.getLogger(__name__)

class Reranker:
    def __init__(self, settings: RerankSettings):
        self.settings = settings
        self.state = "off" if settings.model is None else "idle"  # off | idle | loading | ready | failed
        self.error = ""
        self._model = None
        self._lock = threading.Lock()
        self._loaded = threading.Event()

    @property
    def notice(self) -> str:
        """Why reranking is not in use now: "rerank_loading", "rerank_failed" (see `error`), or ""."""
        if self.state == "failed":
            return "rerank_failed"
        return "rerank_loading" if self.state in ("idle", "loading") else ""

    def start(self) -> None:
        """Begin loading the model in the background (once)."""
        with self._lock:
            if self.state != "idle":
                return
            self.state = "loading"
        threading.Thread(target=self._load, name="reranker-load", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading has finished; True when the model is ready."""
        self.start()
        if self.state != "off":
            self._loaded.wait(timeout)
        return self.state == "ready"

    def _load(self) -> None:
        try:
            self._model = load_cross_encoder(self.settings)
            self.state = "ready"
        except ModelFolderError as exc:
            self.error, self.state = str(exc), "failed"
            log.warning("reranker off: %s", exc)
        finally:
            self._loaded.set()

    def rerank(self, query: str, candidates: list[Candidate], texts: Sequence[str]) -> list[Candidate]:
        """The first len(texts) candidates re-ordered by the model; the rest after them, as they were."""
        top = candidates[: len(texts)]
        if self.state != "ready" or len(top) < 2:
            return candidates
        logits = self._logits(query, texts)
        blended = blend(logits, np.array([c.score for c in top]), self.settings.fused_weight)
        order = np.argsort(-blended, kind="stable")
        reranked = [replace(top[i], scores={**top[i].scores, "rerank": float(logits[i])}) for i in order]
        return reranked + candidates[len(top) :]

    def probabilities(self, query: str, texts: Sequence[str]) -> np.ndarray | None:
        """The model's probability that each text answers the query (None until it is ready)."""
        if self.state != "ready" or not texts:
            return None
        return 1.0 / (1.0 + np.exp(-self._logits(query, texts).astype(np.float64)))

    def _logits(self, query: str, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.predict([(query, text) for text in texts], batch_size=len(texts), show_progress_bar=False))


def blend(logits: np.ndarray, fused: np.ndarray, fused_weight: float) -> np.ndarray:
    """The cross-encoder's logits standardised over the list, plus the fused scores standardised, weighted."""
    return _standard(logits) + fused_weight * _standard(fused)


def _standard(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)


def best_windows(passages, vectors: Sequence[np.ndarray], query: np.ndarray) -> list[str]:
    """Each passage's window nearest the query vector (its first window when it has no vectors)."""
    out = []
    for passage, stored in zip(passages, vectors, strict=True):
        spans = windows(passage)
        best = int(np.argmax(stored @ query)) if len(stored) == len(spans) and len(spans) else 0
        start, end = spans[best] if spans else (0, len(passage.text))
        out.append(passage.text[start:end])
    return out


def load_cross_encoder(settings: RerankSettings):
    """The CrossEncoder in `settings.model`, checked first; ModelFolderError naming the file otherwise."""
    folder = check_folder(settings.model, "cross-encoder")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        from sentence_transformers import CrossEncoder

        # Stored in half precision to be small; computed in single precision, which is fast on a CPU.
        model = CrossEncoder(str(folder), device="cpu", max_length=settings.max_length, model_kwargs={"dtype": torch.float32})
        model.predict([("prøve", "en prøve")], show_progress_bar=False)  # the first call builds what later calls reuse
    except Exception as exc:
        raise ModelFolderError(f"{folder}: cannot load the cross-encoder ({type(exc).__name__}: {str(exc)[:200]})") from exc
    return model
