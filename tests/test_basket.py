"""The reference basket: exports with one record per document, the APA list, and the user's files
(basket, history and saved searches, feedback) that survive a reload."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from index.present.answer import answer_for
from index.present.basket import BasketItem, by_document, item_from_hit, item_from_sentence, norwegian_key, short_title
from index.present.basket_export import BASKET_EXPORTS, export_basket, to_bibtex, to_csl_json, to_csv, to_ris
from index.query import Filters
from index.search.searcher import open_searcher
from ingest.records import Document
from kb.bench.evaluate import load_queries
from kb.user import UserData
from kb.user.feedback import Feedback, eval_lines, feedback_for
from kb.user.searches import RECENT_MAX

NOU = Document("nou-2020-16", "nou.pdf", "NOU 2020:16 Levekår i byer – Gode lokalsamfunn for alle", "Kommunal- og moderniseringsdepartementet", "Kommunal- og moderniseringsdepartementet", 2020, "NOU", "nb")
MENON = Document("menon-2025", "menon.pdf", "Evaluering av områdesatsing som statlig virkemiddel", "Menon Economics, på oppdrag for KDD", "Kaja Høiseth-Gilje; Henrik Schwabe", 2025, "evaluering", "nb")
AVTALE = Document("groruddalen-2015", "avtale.txt", "Intensjonsavtale om Groruddalen", "Oslo kommune", None, None, "avtale", "nb")


def item(document: Document, quote: str, start: int, where: str, section: tuple[str, ...] = ()) -> BasketItem:
    return BasketItem(document.doc_id, f"p{start}", quote, start, start + len(quote), where, section, f"{document.title}, {where}.", document, page=None)


ITEMS = [
    item(NOU, "Levekårene i byene varierer mye.", 900, "s. 45"),
    item(MENON, "Satsingene har gitt bedre nærmiljø.", 50, "s. 3–4"),
    item(NOU, "Barnehagen skal minst ha én ansatt per tre barn.", 100, "s. 12"),
    item(AVTALE, "Staten og Oslo kommune startet i 2007.", 10, "«1. Bakgrunn»", ("1. Bakgrunn",)),
    item(NOU, "Levekårene i byene varierer mye.", 900, "s. 45"),  # the same words again: one quote
]


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    records, current = [], {}
    for line in text.splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9])  - ?(.*)$", line):
            tag, value = match.groups()
            if tag == "ER":
                records.append(current)
                current = {}
            else:
                current.setdefault(tag, []).append(value)
        else:
            assert not line.strip(), f"not a RIS line: {line!r}"
    assert current == {}, "a record without ER"
    return records


def parse_bibtex(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """Entries as (type, key, fields), reading braces to their matching close."""
    entries = []
    for match in re.finditer(r"@(\w+)\{([^,]+),", text):
        fields, pos = {}, match.end()
        while (field := re.compile(r"\s*(\w+) = \{").match(text, pos)) is not None:
            depth, end = 1, field.end()
            while depth:
                depth += {"{": 1, "}": -1}.get(text[end], 0) if text[end - 1] != "\\" else 0
                end += 1
            fields[field.group(1)] = text[field.end() : end - 1]
            pos = end + 1 if text[end : end + 1] == "," else end
        assert text[pos:].lstrip().startswith("}")
        entries.append((match.group(1), match.group(2), fields))
    return entries


def test_ris_has_one_record_per_document_with_the_quotes_as_notes():
    records = parse_ris(to_ris(by_document(ITEMS)))
    assert [r["ID"] for r in records] == [["menon-2025"], ["nou-2020-16"], ["groruddalen-2015"]]  # APA order
    nou = records[1]
    assert nou["TY"] == ["GOVDOC"] and nou["AU"] == ["Kommunal- og moderniseringsdepartementet"] and nou["PY"] == ["2020"]
    assert nou["N1"] == [
        "Siterte steder: s. 12; s. 45",
        "s. 12: «Barnehagen skal minst ha én ansatt per tre barn.»",
        "s. 45: «Levekårene i byene varierer mye.»",
    ]  # in reading order, the repeated quote once
    assert records[0]["AU"] == ["Høiseth-Gilje, Kaja", "Schwabe, Henrik"] and records[0]["PB"] == ["Menon Economics"]
    assert records[2]["N1"][1] == "«1. Bakgrunn»: «Staten og Oslo kommune startet i 2007.»"


def test_bibtex_and_csl_json_parse_back_one_record_per_document():
    entries = parse_bibtex(to_bibtex(by_document(ITEMS)))
    assert [(kind, key) for kind, key, _ in entries] == [("techreport", "menon2025"), ("techreport", "nou202016"), ("misc", "groruddalen2015")]
    nou = entries[1][2]
    assert nou["author"] == "{Kommunal- og moderniseringsdepartementet}" and nou["year"] == "2020"
    assert nou["note"] == "Siterte steder: s. 12; s. 45"
    assert nou["annote"].split("\n\n") == ["s. 12: «Barnehagen skal minst ha én ansatt per tre barn.»", "s. 45: «Levekårene i byene varierer mye.»"]
    assert entries[0][2]["author"] == "Høiseth-Gilje, Kaja and Schwabe, Henrik"
    items = json.loads(to_csl_json(by_document(ITEMS)))
    assert [i["id"] for i in items] == ["menon-2025", "nou-2020-16", "groruddalen-2015"]
    assert items[1]["type"] == "report" and items[1]["issued"] == {"date-parts": [[2020]]}
    assert items[1]["author"] == [{"literal": "Kommunal- og moderniseringsdepartementet"}]
    assert items[0]["author"][0] == {"family": "Høiseth-Gilje", "given": "Kaja"} and "issued" not in items[2]
    assert items[1]["note"].splitlines()[1] == "s. 45: «Levekårene i byene varierer mye.»"


def test_csv_has_a_row_per_document_and_a_byte_order_mark():
    text = to_csv(by_document(ITEMS))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["doc_id"] for r in rows] == ["menon-2025", "nou-2020-16", "groruddalen-2015"]
    assert rows[1]["quotes"] == "2" and rows[1]["places"] == "s. 12; s. 45" and len(rows[1]["notes"].splitlines()) == 2
    assert rows[0]["reference"] == "Høiseth-Gilje, K. & Schwabe, H. (2025). Evaluering av områdesatsing som statlig virkemiddel. Menon Economics."


def test_apa_list_is_sorted_in_norwegian_with_year_letters():
    def doc(doc_id: str, author: str, year: int | None, title: str) -> Document:
        return Document(doc_id, f"{doc_id}.txt", title, "Utgiveren AS", author, year)

    docs = [
        doc("a", "Øyvind Ås", 2019, "Å bo i byen"),
        doc("b", "Zara Zahl", 2018, "Byliv"),
        doc("c", "Anne Ærø", 2020, "Nabolag"),
        doc("d", "Per Aasen", 2021, "Hager"),
        doc("e", "Per Aasen", 2021, "Bydeler"),
        doc("f", "Per Aasen", None, "Uten år"),
        doc("g", "Éva Eide", 2010, "Aksent"),
    ]
    items = [item(d, "Sitat.", 0, "s. 1") for d in docs]
    listed = export_basket(items, "APA")[0].strip().split("\n\n")
    assert listed == [
        "Aasen, P. (u.å.). Uten år. Utgiveren AS.",
        "Aasen, P. (2021a). Bydeler. Utgiveren AS.",
        "Aasen, P. (2021b). Hager. Utgiveren AS.",
        "Eide, É. (2010). Aksent. Utgiveren AS.",
        "Zahl, Z. (2018). Byliv. Utgiveren AS.",
        "Ærø, A. (2020). Nabolag. Utgiveren AS.",
        "Ås, Ø. (2019). Å bo i byen. Utgiveren AS.",
    ]
    assert norwegian_key("Ås") > norwegian_key("Ørn") > norwegian_key("Ærfugl") > norwegian_key("Zebra")
    organisation = export_basket(ITEMS, "APA")[0].strip().split("\n\n")
    assert organisation[1] == "Kommunal- og moderniseringsdepartementet. (2020). NOU 2020:16 Levekår i byer – Gode lokalsamfunn for alle."
    assert organisation[2] == "Oslo kommune. (u.å.). Intensjonsavtale om Groruddalen."
    assert short_title(NOU) == "NOU 2020:16" and short_title(MENON) == "Evaluering av områdesatsing som statlig virkemiddel"
    assert set(BASKET_EXPORTS) == {"RIS", "BibTeX", "CSL-JSON", "CSV", "APA"}


def test_the_basket_survives_a_reload_and_a_broken_file(tmp_path: Path):
    user = UserData(tmp_path / "user")
    assert user.basket.add(ITEMS[0]) and user.basket.add(ITEMS[1]) and not user.basket.add(ITEMS[4])
    again = UserData(tmp_path / "user").basket  # a new process, or a reload
    assert [i.quote for i in again.items()] == [ITEMS[0].quote, ITEMS[1].quote]
    assert again.items()[0] == ITEMS[0]  # the record, document included, round-trips
    again.remove(ITEMS[0].item_id)
    assert [i.doc_id for i in user.basket.items()] == ["menon-2025"]
    user.basket.clear()
    assert user.basket.items() == []
    (tmp_path / "user" / "basket.json").write_text("{not json", encoding="utf-8")
    assert user.basket.items() == [] and (tmp_path / "user" / "basket.json.broken").exists()
    assert user.basket.add(ITEMS[2]) and len(user.basket.items()) == 1


def test_history_keeps_each_search_once_newest_first_and_saved_searches_by_name(tmp_path: Path):
    searches = UserData(tmp_path).searches
    first = {"q": ["levekår"], "doc": ["menon-2025", "nou-2020-16"], "x": ["kmd-2019"]}
    assert searches.record(first) and not searches.record(first)  # a rerun of the same search
    assert searches.record({"q": ["barnehage"]}) and searches.record(first)
    assert [e.query for e in searches.recent()] == ["levekår", "barnehage"]
    assert searches.recent()[0].url() == "?q=levek%C3%A5r&doc=menon-2025&doc=nou-2020-16&x=kmd-2019"
    assert not searches.record({"mode": ["lexical"]})  # no query, nothing to keep
    for number in range(RECENT_MAX + 5):
        searches.record({"q": [f"søk {number}"]})
    assert len(searches.recent()) == RECENT_MAX
    searches.save("  Levekår  i byene ", first)
    searches.save("Barnehager", {"q": ["barnehage"], "mode": ["lexical"]})
    searches.save("Levekår i byene", {"q": ["levekår i byer"]})  # the same name: replaced
    reloaded = UserData(tmp_path).searches
    assert [(e.name, e.query) for e in reloaded.saved()] == [("Barnehager", "barnehage"), ("Levekår i byene", "levekår i byer")]
    assert reloaded.saved()[0].url({"ui": "en"}) == "?q=barnehage&mode=lexical&ui=en"
    reloaded.delete("Barnehager")
    reloaded.clear_history()
    assert [e.name for e in searches.saved()] == ["Levekår i byene"] and searches.recent() == []
    with pytest.raises(ValueError):
        searches.save(" ", first)


def test_feedback_exports_as_evaluation_queries(tmp_path: Path):
    log = UserData(tmp_path).feedback
    judged = [
        Feedback("barnehage", "hybrid", {}, "nou-2020-16", "p1", "Barnehagen skal minst ha én ansatt per tre barn.", 1, True, 12, time="2025-01-01T10:00:00+00:00"),
        Feedback("barnehage", "hybrid", {}, "kmd-2019", "p2", "Noe annet.", 2, True, time="2025-01-01T10:00:01+00:00"),
        Feedback("barnehage", "hybrid", {}, "kmd-2019", "p2", "Noe annet.", 2, False, time="2025-01-01T10:00:02+00:00"),  # changed mind
        Feedback("bare feil", "lexical", {"types": ["NOU"]}, "nou-2020-16", "p3", "Feil.", 1, False),
    ]
    for record in judged:
        log.add(record)
    with log.path.open("a", encoding="utf-8") as out:
        out.write('{"query": "cut sho')  # a write cut short is skipped
    assert UserData(tmp_path).feedback.records() == judged
    assert log.judged("barnehage") == {"p1": True, "p2": False}
    (tmp_path / "fb.jsonl").write_text(log.eval_jsonl(), encoding="utf-8")
    [query] = load_queries(tmp_path / "fb.jsonl")  # the evaluation reads it as it is
    assert query.query == "barnehage" and query.kind == "feedback" and [(g.doc_id, g.page) for g in query.gold] == [("nou-2020-16", 12)]
    [line] = eval_lines(judged)
    assert line["not_relevant"] == [{"doc_id": "kmd-2019", "quote": "Noe annet."}]


@pytest.fixture(scope="module")
def found(corpus_store):
    searcher = open_searcher(corpus_store)
    return searcher, searcher.search("gratis kjernetid i barnehage", k=6), searcher.search("samarbeid mellom stat og kommune", k=6)


@pytest.mark.slow
def test_items_from_real_hits_and_answer_sentences_quote_their_documents(found, corpus_store, tmp_path: Path):
    searcher, first, second = found
    items = [item_from_hit(hit, first.query) for hit in first.hits] + [item_from_hit(hit, second.query) for hit in second.hits]
    answer = answer_for(first, searcher, corpus_store.answer)
    by_rank = {hit.rank: hit for hit in first.hits}
    items += [item_from_sentence(s, by_rank[s.hit_rank], first.query) for s in answer.sentences]
    assert any(i.kind == "sentence" for i in items)
    for i in items:
        passage = next(p for p in searcher.passages_of(i.doc_id) if p.passage_id == i.passage_id)
        assert passage.text[i.start - passage.start : i.end - passage.start] == i.quote  # a verbatim slice, document offsets
        assert i.citation.endswith(".") and i.locator in i.citation
    records = parse_ris(export_basket(items, "RIS", searcher.documents)[0])
    assert sorted(r["ID"][0] for r in records) == sorted({i.doc_id for i in items})  # one record per document
    assert sum(len(r["N1"]) - 1 for r in records) == len({i.item_id for i in items})
    log = UserData(tmp_path).feedback
    log.add(feedback_for(first.hits[0], first, Filters(types=("NOU",)), True))
    [record] = log.records()
    assert record.quote == first.hits[0].excerpt.text and record.filters == {"types": ["NOU"]} and record.rank == 1
