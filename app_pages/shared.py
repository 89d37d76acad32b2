"""What every page of the app shares: settings, the cached searcher, texts, escaping."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import psycopg
import streamlit as st
from psycopg_pool import ConnectionPool, PoolTimeout

from index.pg_search import PgSearcher
from index.pg_store import PostgresError, describe
from index.search import BaseSearcher, Searcher
from index.store import Store, StoreError, Version
from settings import Settings, load_settings

CONFIG_ENV = "KB_CONFIG"  # tests and deployments point the app at another config file

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
    "excerpts": ("Siterte utdrag", "Cited excerpts"),
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
}


def lang() -> str:
    return st.session_state.get("ui_lang", "nb")


def t(key: str, **values) -> str:
    nb, en = TEXTS[key]
    text = en if lang() == "en" else nb
    return text.format(**values) if values else text


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$>:])")


def esc(text: str) -> str:
    """Text from documents or users, safe inside st.markdown: no HTML, no Markdown."""
    escaped = html.escape(text, quote=False)
    return _MARKDOWN_SPECIALS.sub(lambda m: f"&#{ord(m.group(1))};", escaped).replace("\n", "<br>")


def highlighted(text: str, matches: list[tuple[int, int]] | tuple, offset: int = 0) -> str:
    """Escaped text with the matched words wrapped in <mark>."""
    parts, cursor = [], 0
    for start, end in sorted(matches):
        start, end = start - offset, end - offset
        if start < cursor or start < 0 or end > len(text):
            continue
        parts.append(esc(text[cursor:start]))
        parts.append(f"<mark>{esc(text[start:end])}</mark>")
        cursor = end
    parts.append(esc(text[cursor:]))
    return "".join(parts)


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return load_settings(os.environ.get(CONFIG_ENV) or None)


@st.cache_resource(show_spinner=False, max_entries=2)
def _searcher_for(version_path: str) -> Searcher:
    searcher = Searcher(get_settings(), Version(Path(version_path)))
    searcher.warm()
    return searcher


@st.cache_resource(show_spinner=False, max_entries=2)
def _pg_searcher_for(dsn: str, generation: int) -> BaseSearcher:
    searcher = PgSearcher(get_settings(), dsn=dsn)
    searcher.warm()
    return searcher


@st.cache_resource(show_spinner=False)
def _pg_probe(dsn: str) -> ConnectionPool:
    """Connections for the generation check every page run makes (not a new connection each time)."""
    return ConnectionPool(dsn, min_size=0, max_size=2, kwargs={"autocommit": True, "connect_timeout": 10}, max_idle=60, open=True)


def _pg_generation(dsn: str) -> int | None:
    """The database's generation (None before the first ingest); PostgresError when it does not answer."""
    try:
        with _pg_probe(dsn).connection(timeout=10) as conn:
            if not conn.execute("SELECT to_regclass('kb_state') IS NOT NULL").fetchone()[0]:
                return None
            row = conn.execute("SELECT value FROM kb_state WHERE key = 'generation'").fetchone()
    except (psycopg.Error, PoolTimeout) as exc:
        raise PostgresError(f"PostgreSQL ({describe(dsn)}) is not answering: {str(exc).strip().splitlines()[0]}") from None
    return int(row[0]) if row else None


def get_searcher() -> BaseSearcher | None:
    """The searcher for the published data; after an ingest, a new searcher.

    Files backend: one per published version. Postgres backend: one per
    generation, which every ingest moves on (documents and lexicon reloaded).
    """
    settings = get_settings()
    if settings.store.backend == "postgres":
        try:
            dsn = settings.store.postgres_dsn
        except ValueError as exc:  # backend postgres without a DSN
            raise PostgresError(str(exc)) from None
        generation = _pg_generation(dsn)
        return None if not generation else _pg_searcher_for(dsn, generation)
    try:
        version = Store(settings.store.dir).current()
    except StoreError:
        return None
    if version is None or not (version.path / "index").exists():
        return None
    return _searcher_for(str(version.path))
