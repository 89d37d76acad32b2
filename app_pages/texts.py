"""The app's texts in Norwegian bokmål and English, and the language switch."""

from __future__ import annotations

import streamlit as st

TEXTS: dict[str, tuple[str, str]] = {
    "app_title": ("Kunnskapsbase for områdesatsing", "Knowledge base for area-based initiatives"),
    "nav": ("Side", "Page"),
    "page_search": ("Søk", "Search"),
    "page_library": ("Bibliotek", "Library"),
    "page_add": ("Legg til dokumenter", "Add documents"),
    "language": ("Språk", "Language"),
    "search_label": ("Hva leter du etter?", "What are you looking for?"),
    "search_help": (
        'Skriv ord eller et spørsmål. Sett uttrykk i anførselstegn, f.eks. "gratis kjernetid".',
        'Type words or a question. Quote phrases, e.g. "gratis kjernetid".',
    ),
    "search_button": ("Søk", "Search"),
    "filters": ("Avgrens søket", "Narrow the search"),
    "all": ("Alle", "All"),
    "mode": ("Søkemåte", "Search mode"),
    "mode_hybrid": ("Kombinert (anbefalt)", "Hybrid (recommended)"),
    "mode_lexical": ("Ordsøk", "Keyword"),
    "mode_dense": ("Betydningssøk", "Semantic"),
    "documents": ("Dokumenter", "Documents"),
    "doc_type": ("Dokumenttype", "Document type"),
    "years": ("Årstall", "Years"),
    "lang_filter": ("Språk i teksten", "Language of the text"),
    "place": ("Sted", "Place"),
    "answer": ("Kort svar fra kildene", "Short answer from the sources"),
    "answer_note": (
        "Setningene er sitert ordrett; tallet viser til utdraget nedenfor.",
        "Sentences are quoted verbatim; the number points to the excerpt below.",
    ),
    "disagree_period": ("Kildene oppgir ulike perioder for {about}:", "The sources give different periods for {about}:"),
    "disagree_amount": ("Kildene oppgir ulike beløp for {about}:", "The sources give different amounts for {about}:"),
    "excerpts": ("Siterte utdrag", "Cited excerpts"),
    "semantic_building": (
        "Ordsøk er klart; betydningssøk bygges: {done} av {total} avsnitt. Siden bytter til kombinert søk av seg selv når det er ferdig.",
        "Keyword search is ready; semantic search is being built: {done} of {total} passages. The page switches to hybrid search by itself when it is done.",
    ),
    "semantic_building_new": (
        "Nye avsnitt finnes foreløpig bare med ordsøk; betydningssøket for dem bygges: {done} av {total} avsnitt. Siden oppdateres av seg selv.",
        "New passages are found by keywords only for now; their semantic index is being built: {done} of {total} passages. The page updates by itself.",
    ),
    "semantic_missing_new": (
        "Nye avsnitt finnes bare med ordsøk: betydningssøket for dem er ikke bygget. Kjør `python -m ingest` for å bygge det.",
        "New passages are found by keywords only: their semantic index has not been built. Run `python -m ingest` to build it.",
    ),
    "semantic_finishing": (
        "Ordsøk er klart; betydningssøket gjøres ferdig ({stage}).",
        "Keyword search is ready; semantic search is being finished ({stage}).",
    ),
    "stage_preparing": ("dokumentene sjekkes", "checking the documents"),
    "stage_translating": ("ordforrådet kobles til engelsk", "linking the vocabulary to English"),
    "semantic_missing": (
        "Bare ordsøk er tilgjengelig: betydningssøket er ikke bygget. Kjør `python -m ingest` for å bygge det.",
        "Only keyword search is available: semantic search has not been built. Run `python -m ingest` to build it.",
    ),
    "no_answer": (
        "Kildene svarer ikke på dette spørsmålet. Nedenfor er det nærmeste som finnes, men det er ikke et svar.",
        "The sources do not answer this question. Below is the closest they hold, but it is not an answer.",
    ),
    "no_answer_markup": ("Spørsmålet ser ut som kode eller markering, ikke ord.", "The query looks like code or markup, not words."),
    "no_answer_unknown_words": (
        "Ingen av ordene i spørsmålet står i de beste treffene.",
        "None of the query's words occur in the best matches.",
    ),
    "no_answer_too_far": (
        "Ingen setning i kildene ligger nær nok spørsmålet i betydning.",
        "No sentence in the sources comes close enough to the question in meaning.",
    ),
    "cited_passage": ("Det siterte avsnittet (utdraget er markert)", "The cited passage (the excerpt is marked)"),
    "no_answer_no_sentences": (
        "De beste treffene har ingen hele setninger å sitere; se utdragene nedenfor.",
        "The best matches hold no whole sentences to quote; see the excerpts below.",
    ),
    "closest": ("Nærmeste utdrag (ikke et svar)", "Closest excerpts (not an answer)"),
    "also_searched": ("Søkte også etter", "Also searched for"),
    "no_hits": ("Ingen treff.", "No results."),
    "no_hits_advice": (
        "Prøv færre eller andre ord, fjern avgrensninger i sidepanelet, eller bytt søkemåte (betydningssøk finner omskrivinger, ordsøk finner eksakte ord).",
        "Try fewer or other words, remove filters in the sidebar, or change search mode (semantic finds paraphrases, keyword finds exact words).",
    ),
    "filters_empty": ("Ingen dokumenter passer til avgrensningene.", "No documents match the filters."),
    "context": ("Hele avsnittet med naboavsnitt", "The whole passage with its neighbours"),
    "before": ("Før", "Before"),
    "after": ("Etter", "After"),
    "cite": ("Sitering (APA)", "Citation (APA)"),
    "show_page": ("Vis siden med utdraget markert", "Show the page with the passage highlighted"),
    "download_doc": ("Last ned dokumentet", "Download the document"),
    "page_word": ("s.", "p."),
    "section_word": ("Del", "Section"),
    "also_in": ("Samme tekst finnes også i", "The same text is also in"),
    "export": ("Last ned treffene", "Download the results"),
    "took": ("treff på {ms:.0f} ms", "results in {ms:.0f} ms"),
    "searched_as": ("søkemåte: {mode}", "search mode: {mode}"),
    "no_index": (
        "Indeksen er ikke bygget ennå. Kjør `make run` eller `python -m ingest`.",
        "The index has not been built yet. Run `make run` or `python -m ingest`.",
    ),
    "store_error": ("Kunnskapsbasen kan ikke leses nå: {reason}", "The knowledge base cannot be read now: {reason}"),
    "library_intro": ("Alle dokumenter i kunnskapsbasen.", "Every document in the knowledge base."),
    "open_doc": ("Les et dokument", "Read a document"),
    "ingested": ("Lagt inn", "Ingested"),
    "pages": ("Sider", "Pages"),
    "passages": ("Avsnitt", "Passages"),
    "title": ("Tittel", "Title"),
    "publisher": ("Utgiver", "Publisher"),
    "year": ("År", "Year"),
    "add_intro": (
        "Last opp PDF-, TXT- eller MD-filer. Filen sjekkes, lagres i korpuset og blir søkbar med en gang.",
        "Upload PDF, TXT or MD files. The file is checked, saved in the corpus and is searchable right away.",
    ),
    "files": ("Filer", "Files"),
    "add_button": ("Legg til", "Add"),
    "added": ("La til {file} som «{doc}».", "Added {file} as “{doc}”."),
    "refused": ("Avvist: {reason}", "Refused: {reason}"),
    "ingesting": ("Legger inn {file} …", "Ingesting {file} …"),
    "need_file": ("Velg minst én fil.", "Choose at least one file."),
    "metadata_source": ("Metadata fra", "Metadata from"),
    "queued": ("Venter på at en annen innlegging skal bli ferdig …", "Waiting for another ingest to finish …"),
    "embedding": ("Lager betydningsindeks: {done} av {total} avsnitt", "Building the semantic index: {done} of {total} passages"),
    "embedding_searchable": (
        "Søkbar med ordsøk nå; lager betydningsindeks: {done} av {total} avsnitt",
        "Searchable by keywords now; building the semantic index: {done} of {total} passages",
    ),
    "job_failed": ("Innleggingen stoppet: {reason}", "The ingest stopped: {reason}"),
    "job_missing": ("Fant ikke innleggingen {job}.", "Ingest {job} was not found."),
}


def lang() -> str:
    return st.session_state.get("ui_lang", "nb")


def t(key: str, **values) -> str:
    nb, en = TEXTS[key]
    text = en if lang() == "en" else nb
    return text.format(**values) if values else text
