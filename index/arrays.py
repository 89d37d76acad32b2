"""Loading numpy arrays safely from several threads at once.

numpy reads every `.npy` header with `ast.literal_eval`, and CPython 3.11 keeps the
AST converter's recursion counter in interpreter-wide state: two threads parsing at
the same moment can fail with "SystemError: AST constructor recursion depth mismatch"
(python/cpython#106905). Streamlit serves each session from its own thread and an
ingest may publish while searchers open the new version, so every array load in this
package goes through one lock. Loads are rare (once per index version per process)
and cheap (memory-mapped arrays read only their header), so the lock costs nothing
measurable.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

LOAD_LOCK = threading.Lock()


def load_npy(path: Path, mmap_mode: str | None = None) -> np.ndarray:
    """One `.npy` array, memory-mapped when `mmap_mode` is given."""
    with LOAD_LOCK:
        return np.load(path, mmap_mode=mmap_mode)


def load_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an `.npz` archive, read at once (its headers are parsed lazily)."""
    with LOAD_LOCK, np.load(path) as archive:
        return {name: archive[name] for name in archive.files}
