"""The overview across documents: rows of verbatim quotes, conflicts, CSV/XLSX, the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from index.present.overview_export import overview_csv, overview_xlsx
from index.search.searcher import open_searcher
from kb.service import KnowledgeBase


@pytest.fixture(scope="module")
def kb(corpus_store):
    searcher = open_searcher(corpus_store)
    yield KnowledgeBase(searcher, corpus_store)
    searcher.close()


def test_rows_quote_the_passages_and_span_documents_and_places(kb: KnowledgeBase):
    view = kb.overview("Hvilke tiltak for arbeid og sysselsetting ble prøvd, og hva kom ut av dem?")
    assert len(view.documents()) >= 3 and len(view.places()) >= 3
    data = view.to_json()
    for row in data["rows"]:
        assert row["text"][row["start"] : row["end"]] == row["quote"]  # verbatim
        assert row["place"] or row["measure"]
        if row["outcome"]:
            assert row["text"][row["outcome"]["start"] : row["outcome"]["end"]] == row["outcome"]["quote"]
        assert row["citation"] and row["doc_id"] in kb.documents
    assert {"place", "measure", "theme", "doc_id", "citation", "quote", "text"} <= set(data["rows"][0])
    keys = [(r["place"], r["measure"], r["doc_id"]) for r in data["rows"]]
    assert len(keys) == len(set(keys))  # one row per place, measure and document


def test_conflicting_periods_are_shown_side_by_side(kb: KnowledgeBase):
    view = kb.overview("Hvor lenge varte Groruddalssatsingen, hvilken periode?").to_json()
    groruddalen = [c for c in view["conflicts"] if "Groruddal" in c["about"]]
    assert groruddalen, view["conflicts"]
    values = {v["value"] for v in groruddalen[0]["values"]}
    assert "2012–2016" in values and "2007–2016" in values
    assert all(v["citation"] and v["quote"] for v in groruddalen[0]["values"])


def test_exports_read_back(kb: KnowledgeBase):
    view = kb.overview("tiltak for sysselsetting")
    data = overview_csv(view)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a byte order mark
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "Sted" and len(rows) == len(view.rows) + 1
    assert rows[1][3].startswith(view.rows[0].done.text)
    sheet = load_workbook(io.BytesIO(overview_xlsx(view, "en"))).active
    assert sheet["A1"].value == "Place" and sheet.max_row == len(view.rows) + 1


def test_the_cli_prints_the_same_overview(corpus_store, tmp_path, capsys):
    from kb.cli.index import main

    config = tmp_path / "c.yaml"
    from .conftest import write_config

    write_config(corpus_store, config)
    assert main(["overview", "tiltak for sysselsetting", "--json", "--config", str(config), "--csv", str(tmp_path / "o.csv")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["rows"] and "conflicts" in printed and (tmp_path / "o.csv").stat().st_size > 100
    assert main(["search", "barnehage", "--theme", "oppvekst", "--json", "--config", str(config)]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and all("oppvekst" in hit["themes"] for hit in hits)
