"""Which sentence windows belong to which passage, for the dense index built over windows.

The dense index holds one vector per window (index/builder/represent.py), in
passage row order, so the windows of passage `r` are the rows
`offsets[r]:offsets[r + 1]` of the vector file. A passage's dense score is the
score of its best window.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.arrays import load_npy

OFFSETS_FILE = "window_offsets.npy"
PER_PASSAGE = 8  # windows asked of the vector index per passage wanted (passages have 5 on average)


class WindowMap:
    def __init__(self, offsets: np.ndarray):
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.rows = np.repeat(np.arange(len(self.offsets) - 1, dtype=np.int64), np.diff(self.offsets))

    @classmethod
    def load(cls, folder: Path) -> WindowMap:
        return cls(load_npy(folder / OFFSETS_FILE))

    def save(self, folder: Path) -> None:
        np.save(folder / OFFSETS_FILE, self.offsets)

    def __len__(self) -> int:
        return len(self.rows)

    def of_rows(self, rows: np.ndarray) -> np.ndarray:
        """The windows of the given passage rows, in order."""
        starts, ends = self.offsets[rows], self.offsets[np.asarray(rows) + 1]
        counts = ends - starts
        first = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        return first + np.arange(int(counts.sum()), dtype=np.int64)

    def best_per_passage(self, windows: list[tuple[int, float]], n: int) -> list[tuple[int, float]]:
        """(passage row, best window score) for the `n` best passages among scored windows."""
        best: dict[int, float] = {}
        for window, score in windows:  # best first, so the first window seen of a passage is its best
            row = int(self.rows[window])
            if row not in best:
                best[row] = score
                if len(best) == n:
                    break
        return list(best.items())
