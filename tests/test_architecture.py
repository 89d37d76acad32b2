"""The shape of the code: one direction (ingest → index → kb → app), small modules, one
place for the fusion weights and for the passage columns."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from index.builder.columns import COLUMN_NAMES, column_ddl, from_row, to_row
from ingest.records import Passage

from .conftest import ROOT

LAYERS = {"ingest": 0, "index": 1, "kb": 2, "app_pages": 3, "app": 3}


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", ["ingest", "index", "kb", "app_pages"])
def test_imports_point_down_only(folder: str):
    """A module imports only its own layer and those below; the `__main__` shims are the entry points."""
    upward = {}
    for path in sources(folder):
        if path.name == "__main__.py":
            continue
        above = {name for name in imported_packages(path) if LAYERS.get(name, -1) > LAYERS[folder]}
        if above:
            upward[str(path.relative_to(ROOT))] = sorted(above)
    assert upward == {}


def test_the_app_runs_no_sql_and_reaches_no_backend():
    for path in [ROOT / "app.py", *sources("app_pages")]:
        text = path.read_text(encoding="utf-8")
        assert not {"psycopg", "sqlite3", "psycopg_pool"} & imported_packages(path), path
        assert "index.backends.files" not in text and "index.backends.postgres" not in text, path
        assert "SELECT " not in text and "INSERT " not in text, path


def test_no_module_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in [*sources("ingest", "index", "kb", "app_pages"), ROOT / "app.py", ROOT / "settings.py"] if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert long == {}


def test_fusion_weights_are_read_by_the_fusion_code_only():
    readers = {str(p.relative_to(ROOT)) for p in sources("ingest", "index", "kb", "app_pages") if "lexical_weight" in p.read_text(encoding="utf-8")}
    assert readers == {"index/search/fusion.py"}


def test_passage_columns_come_from_the_record():
    assert len(COLUMN_NAMES) == len(dataclasses.fields(Passage))
    assert "start_offset INTEGER NOT NULL" in column_ddl("sqlite") and "section text[] NOT NULL" in column_ddl("postgres")
    assert "page_label_start TEXT," in column_ddl("sqlite")  # optional fields may be NULL
    passage = Passage("ab" * 8, "doc", 3, "Tekst «med» æøå", 10, 25, ("1 Innledning", "1.2 Mål"), "nn", 4, 5, "ii", "iii", None, "cd" * 8, True)
    for dialect in ("sqlite", "postgres"):
        assert from_row(to_row(passage, dialect)) == passage
