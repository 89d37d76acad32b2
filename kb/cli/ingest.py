"""python -m ingest [--config FILE] [--corpus DIR] [--store DIR] [--no-index] [--words-first]

Parses the corpus, splits it into passages, updates the index and publishes a
new store version. Exit code 0: everything ingested; 1: some files failed (the
rest were ingested); 2: nothing could be done (bad config, unreadable store);
3: another ingest is writing to the store (what it published stays searchable).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from index.backends.base import StoreBusy, StoreError
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
    parser.add_argument(
        "--words-first",
        action="store_true",
        help="publish a version searchable by words at once (no embeddings yet); a plain run afterwards adds them",
    )
    return parser.parse_args(argv)


def summary(report: IngestReport, seconds: float, console: Console) -> None:
    """What the run did and where its time went, as label/value rows (readable at 80 columns)."""
    present = [o for o in report.outcomes if o.status != "removed"]
    parse = sum(o.parse_seconds for o in report.outcomes)
    ocr = sum(o.ocr_seconds for o in report.outcomes)
    stages = report.stage_seconds
    table = Table(title="Ingest summary", title_justify="left", show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column("what", style="bold")
    table.add_column("figures", overflow="fold")
    table.add_row("documents", f"{len(present)} ({report.count('new', 'changed')} new or changed, {report.count('unchanged')} unchanged, "
                  f"{report.count('removed')} removed, {report.count('failed')} failed)")
    table.add_row("pages", f"{sum(o.pages for o in present)} ({sum(o.ocr_pages for o in present)} read by OCR)")
    table.add_row("passages", str(sum(o.passages for o in present)))
    table.add_row("time", f"{seconds:.1f} s: parse {parse - ocr:.1f}, OCR {ocr:.1f}, embed {stages.get('embed', 0.0):.1f}, "
                  f"index {stages.get('index', 0.0):.1f}, tag {stages.get('tag', 0.0):.1f}")
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


def ingest(settings: Settings, console: Console, with_index: bool = True, semantic: bool = True) -> IngestReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("parsing", total=None)

        def on_file(path: Path, number: int, total: int) -> None:
            bar.update(task, total=total, completed=number - 1, description=f"parsing {escape(path.name)}")

        def on_progress(stage: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"{stage} passages")

        return ingest_corpus(settings, with_index, on_file, on_progress, semantic)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    try:
        settings = load_settings(args.config).with_overrides(corpus=args.corpus, store=args.store)
        started = time.monotonic()
        report = ingest(settings, console, with_index=not args.no_index, semantic=not args.words_first)
    except StoreBusy as exc:
        console.print(f"[yellow]busy[/yellow] {escape(str(exc))}", soft_wrap=True)
        return 3
    except (ConfigError, CatalogError, StoreError, IngestError) as exc:
        console.print(f"[red]error[/red] {escape(str(exc))}", soft_wrap=True)
        return 2
    summary(report, time.monotonic() - started, console)
    return 1 if report.failed else 0
