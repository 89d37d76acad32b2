"""Which themes a passage is about: its meaning against each theme's description, and cue words.

The passage's mean window vector is compared with each theme's embedded description; the
similarity is taken relative to the passage's mean over all themes (a passage close to
everything is about nothing in particular) and then standardised per theme over the whole
corpus (some descriptions are closer to every passage than others). The cues are word stems
(`themes.yaml`) counted in the passage and its section headings; a stem matches a word it
begins, Norwegian letters folded. A theme is given when

    z(relative similarity) + cue_weight * log(1 + cues) >= threshold,

at most `max_themes` per passage, best first. Without vectors (words first, before the
embeddings exist) the cues decide alone: log(1 + cues) >= cue_only. The settings were chosen on
the tune half of the labelled passages (docs/tags.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from index.tags.taxonomy import Theme, fold


@dataclass(frozen=True)
class ThemeRule:
    cue_weight: float
    threshold: float
    cue_only: float
    max_themes: int


def mean_vector(windows: np.ndarray | None) -> np.ndarray | None:
    """A passage's windows as one normalized vector (None without windows)."""
    if windows is None or len(windows) == 0:
        return None
    mean = np.asarray(windows, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


class ThemeScorer:
    def __init__(self, themes: tuple[Theme, ...], descriptions: np.ndarray | None, rule: ThemeRule):
        self.themes = themes
        self.descriptions = descriptions  # one normalized vector per theme, or None
        self.rule = rule
        # one pattern per theme: a word that begins with one of its cue stems (or a cue phrase)
        self._cues = [re.compile(r"(?<![^\W\d_])(?:" + "|".join(map(re.escape, sorted(t.cues, key=len, reverse=True))) + ")") if t.cues else None for t in themes]
        self._mean = np.zeros(len(themes), dtype=np.float32)
        self._scale = np.ones(len(themes), dtype=np.float32)

    def fit(self, vectors: list[np.ndarray | None]) -> ThemeScorer:
        """Learn each theme's mean and spread of relative similarity over the corpus's passages."""
        present = [v for v in vectors if v is not None]
        if self.descriptions is not None and len(present) >= 2:
            relative = self._relative(np.vstack(present))
            self._mean = relative.mean(axis=0)
            self._scale = np.maximum(relative.std(axis=0), 1e-6)
        return self

    def _relative(self, vectors: np.ndarray) -> np.ndarray:
        similar = vectors @ self.descriptions.T
        return similar - similar.mean(axis=1, keepdims=True)

    def cue_counts(self, text: str) -> list[int]:
        folded = fold(text)
        return [len(pattern.findall(folded)) if pattern else 0 for pattern in self._cues]

    def scores(self, text: str, vector: np.ndarray | None) -> tuple[np.ndarray, float]:
        """Each theme's score and the threshold it must reach."""
        cues = np.log1p(np.array(self.cue_counts(text), dtype=np.float32))
        if self.descriptions is None or vector is None:
            return cues, self.rule.cue_only
        z = (self._relative(vector[None, :])[0] - self._mean) / self._scale
        return z + self.rule.cue_weight * cues, self.rule.threshold

    def tag(self, text: str, vector: np.ndarray | None) -> list[str]:
        scores, needed = self.scores(text, vector)
        return [self.themes[i].id for i in best_above(scores, needed, self.rule.max_themes)]


def best_above(scores: np.ndarray, threshold: float, most: int) -> list[int]:
    """The indices of the `most` highest scores at or above `threshold`, best first."""
    return [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] >= threshold and not math.isnan(scores[i])][:most]
