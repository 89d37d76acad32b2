"""python -m index search|eval|migrate|bench

search "QUERY" [--k 10] [--mode hybrid|lexical|dense] [--doc ID] [--type T]
       [--year-from Y] [--year-to Y] [--lang nb|nn|en] [--place P] [--theme T]
       [--measure M] [--json] [--batch FILE] [--store DIR] [--config FILE]
overview "QUERY" [the filters of search] [--json] [--csv FILE] [--xlsx FILE]
eval [--queries FILE] [--corpus DIR] [--store DIR] [--modes M ...] [--set KEY=VALUE ...] [--json]
migrate [--dsn DSN]
bench [...]  (see kb/bench/run.py)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from settings import ConfigError, Settings, load_settings

DEFAULT_QUERIES = Path(__file__).resolve().parents[2] / "tests" / "eval" / "queries.jsonl"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", type=Path, help="config file (default: config.yaml)")
    parser.add_argument("--store", type=Path, help="store folder (overrides store.dir)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m index")
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("search", help="search the index")
    search.add_argument("query", nargs="?", help='the query (quote phrases with "...")')
    search.add_argument("-k", "--k", type=int, help="number of hits (default from config)")
    search.add_argument("-m", "--mode", choices=["hybrid", "lexical", "dense"])
    _filters(search)
    search.add_argument("--json", action="store_true", help="print one JSON object")
    search.add_argument("--batch", type=Path, help="read one query per line; print one JSON object per line")
    _common(search)
    view = sub.add_parser("overview", help="what was tried where and what came of it, across documents")
    view.add_argument("query")
    view.add_argument("-m", "--mode", choices=["hybrid", "lexical", "dense"])
    _filters(view)
    view.add_argument("--json", action="store_true", help="print one JSON object")
    view.add_argument("--csv", type=Path, help="also write the table as CSV (UTF-8 with BOM, for Excel)")
    view.add_argument("--xlsx", type=Path, help="also write the table as an Excel file")
    view.add_argument("--lang-ui", choices=["nb", "en"], default="nb", help="language of theme names and column headings")
    _common(view)
    evaluate = sub.add_parser("eval", help="retrieval quality on the evaluation set")
    evaluate.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--backends", nargs="+", choices=["files", "postgres"], help="evaluate these store backends side by side")
    evaluate.add_argument("--corpus", type=Path, help="ingest this corpus folder into the store first (e.g. a folder of real PDFs)")
    evaluate.add_argument("--modes", nargs="+", choices=["hybrid", "lexical", "dense"], help="only these modes")
    evaluate.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting, e.g. search.candidates=200")
    _common(evaluate)
    migrate = sub.add_parser("migrate", help="create or upgrade the PostgreSQL schema (store.backend: postgres)")
    migrate.add_argument("--dsn", help="database (overrides store.dsn and KB_DSN)")
    _common(migrate)
    bench = sub.add_parser("bench", help="speed and memory figures")
    bench.add_argument("--quick", action="store_true", help="skip the from-scratch build and the scale runs")
    bench.add_argument("--scale", type=int, nargs="*", default=None, help="scale sizes (default 100000 1000000)")
    bench.add_argument(
        "--kinds", nargs="+", choices=["flat", "hnsw", "hnsw_sq8", "ivf_sq8"], help="files backend: dense index types to compare at scale"
    )
    bench.add_argument(
        "--backends", nargs="+", choices=["files", "postgres"], default=["files"], help="measure these store backends (default: files)"
    )
    bench.add_argument("--dsn", help="postgres: a server to measure on (default: a throwaway local one)")
    _common(bench)
    return parser.parse_args(argv)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--doc", action="append", default=[], help="only this document id (repeatable)")
    parser.add_argument("--type", action="append", default=[], help="only this document type (repeatable)")
    parser.add_argument("--lang", action="append", default=[], choices=["nb", "nn", "en"])
    parser.add_argument("--place", action="append", default=[], help="passages naming this place or a place in it (repeatable)")
    parser.add_argument("--theme", action="append", default=[], help="passages with this theme id, e.g. arbeid (repeatable; docs/tags.md)")
    parser.add_argument("--measure", action="append", default=[], help="passages naming this measure (repeatable)")
    parser.add_argument("--not-doc", action="append", default=[], help="leave this document out (repeatable)")
    parser.add_argument("--year-from", type=int)
    parser.add_argument("--year-to", type=int)


def filters_from(args: argparse.Namespace):
    from index.query import Filters

    return Filters(
        tuple(args.doc), tuple(args.type), tuple(args.lang), tuple(args.place), args.year_from, args.year_to,
        tuple(args.theme), tuple(args.measure), tuple(args.not_doc),
    )  # fmt: skip


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(args.config).with_overrides(store=args.store)


def run_search(args: argparse.Namespace, console: Console) -> int:
    from index.present.answer import answer_for
    from index.query import QueryError
    from index.search.searcher import open_searcher

    settings = settings_from(args)
    searcher = open_searcher(settings)
    searcher.wait_for_models()

    def found(query: str):
        result = searcher.search(query, args.k, args.mode, filters)
        return result, answer_for(result, searcher, settings.answer)

    filters = filters_from(args)
    if args.batch:
        lines = [line.strip() for line in args.batch.read_text(encoding="utf-8").splitlines() if line.strip()]
        for line in lines:
            try:
                result, answer = found(line)
                result = result.to_json() | {"answer": answer.to_json()}
            except QueryError as exc:
                result = {"query": line, "error": str(exc)}
            print(json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    if not args.query:
        console.print("[red]error[/red] give a query, or --batch FILE")
        return 2
    try:
        result, answer = found(args.query)
    except QueryError as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    if args.json:
        print(json.dumps(result.to_json() | {"answer": answer.to_json()}, ensure_ascii=False, indent=1))
        return 0
    print_table(result, Console())
    print_answer(answer, Console())
    return 0


def run_overview(args: argparse.Namespace, console: Console) -> int:
    from index.present.overview_export import overview_csv, overview_xlsx
    from index.query import QueryError
    from index.search.searcher import open_searcher
    from kb.service import KnowledgeBase

    settings = settings_from(args)
    searcher = open_searcher(settings)
    try:
        view = KnowledgeBase(searcher, settings).overview(args.query, args.mode, filters_from(args), args.lang_ui)
    except QueryError as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    if args.csv:
        args.csv.write_bytes(overview_csv(view, args.lang_ui))
    if args.xlsx:
        args.xlsx.write_bytes(overview_xlsx(view, args.lang_ui))
    if args.json:
        print(json.dumps(view.to_json(), ensure_ascii=False, indent=1))
        return 0
    print_overview(view, Console(width=200) if not sys.stdout.isatty() else Console())
    return 0


def print_overview(view, console: Console) -> None:
    table = Table(title=f"{escape(view.query)}: {len(view.rows)} rows from {len(view.documents())} documents", show_lines=True, title_justify="left")
    for column in ("place", "measure", "theme", "what was done", "what came of it", "source"):
        table.add_column(column)
    for row in view.rows:
        outcome = f"{row.outcome.text} [{row.hit.rank}]" if row.outcome else ""
        table.add_row(escape(row.place), escape(row.measure), escape(row.theme), escape(f"{row.done.text} [{row.hit.rank}]"), escape(outcome), escape(f"[{row.hit.rank}] {row.hit.citation}"))
    console.print(table)
    for conflict in view.conflicts:
        values = "; ".join(f"{value} «{s.text}» [{s.hit_rank}]" for value, s in conflict.values)
        console.print(f"[yellow]the sources differ[/yellow] on the {conflict.kind} of {escape(conflict.about)}: {escape(values)}")


def run_migrate(settings: Settings, dsn: str | None, console: Console) -> int:
    import psycopg

    from index.backends.postgres.schema import migrate
    from index.builder.embed import make_embedder

    try:
        target = dsn or settings.store.postgres_dsn
    except ValueError as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    try:
        conn = psycopg.connect(target, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        console.print(f"[red]error[/red] cannot connect to PostgreSQL: {escape(str(exc).strip().splitlines()[0])}")
        return 2
    with conn:
        before, after = migrate(conn, make_embedder(settings.embedder).dim)
    console.print(f"schema version {before} -> {after}" if before != after else f"schema is up to date (version {after})")
    return 0


def print_answer(answer, console: Console) -> None:
    if answer.withheld:
        console.print(f"[yellow]no answer in the sources[/yellow] ({answer.reason})")
        return
    for sentence in answer.sentences:
        where = f"{sentence.place}: " if sentence.place else ""
        console.print(f"{escape(where + sentence.text)} [{sentence.hit_rank}]")


def print_table(result, console: Console) -> None:
    if result.corrections:
        console.print("Søkte også etter: " + ", ".join(escape(v) for v in result.corrections.values()))
    pending = "; semantic search is still being built" if result.semantic_pending else ""
    if result.model_notice:
        console.print(f"[yellow]{result.model_notice}[/yellow] {escape(result.model_problem)}")
    table = Table(title=f"{escape(result.query)}  ({result.mode}, {result.took_ms:.0f} ms{pending})", show_lines=True, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("source")
    table.add_column("excerpt")
    for hit in result.hits:
        table.add_row(str(hit.rank), f"{hit.score:.3f}", escape(hit.citation), escape(hit.excerpt.text))
    console.print(table)
    if not result.hits:
        console.print(escape(result.message))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    from index.backends.base import StoreError

    try:
        if args.command == "search":
            return run_search(args, console)
        if args.command == "overview":
            return run_overview(args, console)
        if args.command == "eval":
            from kb.bench.eval_report import run_eval

            settings = settings_from(args).with_values(args.set)
            if args.corpus:
                from kb.build import ingest_corpus

                settings = settings.with_overrides(corpus=args.corpus)
                report = ingest_corpus(settings)
                console.print(f"{args.corpus}: {'published ' + str(report.version) if report.published else 'store is up to date'}")
            return run_eval(settings, args.queries, args.json, Console(width=160), args.backends, args.modes)
        if args.command == "migrate":
            return run_migrate(settings_from(args), args.dsn, console)
        if args.command == "bench":
            from kb.bench.run import run_bench

            # wide enough for the scale table even when the output goes to a file (a terminal keeps its width)
            return run_bench(settings_from(args), args, Console() if sys.stdout.isatty() else Console(width=200))
    except (ConfigError, StoreError, FileNotFoundError) as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    return 2

