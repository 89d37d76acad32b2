"""python -m ingest [--config FILE] [--corpus DIR] [--store DIR] [--no-index]

Parses the corpus, splits it into passages, updates the index and publishes a
new store version. Exit code 0: everything ingested; 1: some files failed (the
rest were ingested); 2: nothing could be done (bad config, store locked).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from index.backends.base import StoreError
from ingest.catalog import CatalogError
from ingest.pipeline import IngestReport
from ingest.records import IngestError
from kb.build import ingest_corpus
from settings import ConfigError, Settings, load_settings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Ingest the corpus into the store.")
    parser.add_argument("-c", "--config", type=Path, help="config file (default: config.yaml)")
    parser.add_argument("--corpus", type=Path, help="corpus folder (overrides corpus.dir)")
    parser.add_argument("--store", type=Path, help="store folder (overrides store.dir)")
    parser.add_argument("--no-index", action="store_true", help="store passages only, skip embedding and indexing")
    return parser.parse_args(argv)


def summary(report: IngestReport, seconds: float, console: Console) -> None:
    table = Table(title="Ingest summary", title_justify="left")
    for column in ("documents", "new/changed", "skipped (unchanged)", "removed", "failed", "pages", "passages", "seconds"):
        table.add_column(column, justify="right")
    present = [o for o in report.outcomes if o.status != "removed"]
    table.add_row(
        str(len(present)),
        str(report.count("new", "changed")),
        str(report.count("unchanged")),
        str(report.count("removed")),
        str(report.count("failed")),
        str(sum(o.pages for o in present)),
        str(sum(o.passages for o in present)),
        f"{seconds:.1f}",
    )
    console.print(table)
    for outcome in report.outcomes:
        if outcome.status == "failed":
            console.print(f"[red]failed[/red]  {escape(outcome.file)}: {escape(outcome.message)}", soft_wrap=True)
        elif outcome.metadata_source != "catalog" and outcome.status != "removed":
            console.print(f"[yellow]no catalog entry[/yellow]  {escape(outcome.file)}: title, author and year taken from the {outcome.metadata_source}", soft_wrap=True)
        for warning in outcome.warnings:
            console.print(f"[yellow]warning[/yellow]  {escape(outcome.file)}: {escape(warning)}", soft_wrap=True)
    state = f"published store version {report.version}" if report.published else f"store is up to date ({report.version})"
    console.print(state)


def ingest(settings: Settings, console: Console, with_index: bool = True) -> IngestReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("parsing", total=None)

        def on_file(path: Path, number: int, total: int) -> None:
            bar.update(task, total=total, completed=number - 1, description=f"parsing {escape(path.name)}")

        def on_progress(stage: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"{stage} passages")

        return ingest_corpus(settings, with_index, on_file, on_progress)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    try:
        settings = load_settings(args.config).with_overrides(corpus=args.corpus, store=args.store)
        started = time.monotonic()
        report = ingest(settings, console, with_index=not args.no_index)
    except (ConfigError, CatalogError, StoreError, IngestError) as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}", soft_wrap=True)
        return 2
    summary(report, time.monotonic() - started, console)
    return 1 if report.failed else 0
