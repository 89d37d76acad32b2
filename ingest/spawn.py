"""Starting worker processes safely from any host program (CLI, Streamlit, tests)."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bare_main() -> Iterator[None]:
    """Start spawned workers without importing the caller's main module.

    A spawned child re-imports `__main__`; under Streamlit (or AppTest) that is
    app.py, which would run the whole page in every worker. The workers need
    nothing from it, so the main module is hidden while they start.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
