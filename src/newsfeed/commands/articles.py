"""`newsfeed articles list | show | takedown | restore`: what is published, and editors' takedowns."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from newsfeed import core
from newsfeed.commands.common import ProgressBar, common_options, printable, summary
from newsfeed.config import Settings
from newsfeed.locking import site_lock
from newsfeed.store import lifecycle
from newsfeed.store.lifecycle import ArticleEntry


@click.group()
def articles() -> None:
    """List and show articles; take one down (legal, retraction) or restore it."""


@articles.command("list")
@click.option("--state", type=click.Choice(["live", "gone", "takedown", "all"]), default="all", show_default=True,
              help="live: in the feeds; gone: no longer in its source; takedown: taken down by an editor.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Newest first, at most this many.")
@common_options
def list_articles(settings: Settings, quiet: bool, state: str, limit: int) -> None:
    """The newest articles: id, state, published time, section, page and headline."""
    with core.open_store(settings) as store:
        found = lifecycle.entries(store, None if state == "all" else state, limit)
    for entry in found:
        click.echo(printable(f"{entry.id}  {entry.state:<8}  {entry.published}  {entry.section:<10}  {entry.key}  {entry.title}"))
    if not quiet:
        click.echo(f"{len(found)} article(s)", err=True)


@articles.command()
@click.argument("article")
@common_options
def show(settings: Settings, quiet: bool, article: str) -> None:
    """One article, by id (or its first 6+ characters), page path or URL."""
    with core.open_store(settings) as store:
        _echo(lifecycle.find(store, article))


@articles.command()
@click.argument("article")
@click.option("--note", default="", help="Why (kept in the store, shown by `articles show`).")
@common_options
def takedown(settings: Settings, quiet: bool, article: str, note: str) -> None:
    """Take an article out of every feed now; it stays out, whatever its source says, until restored."""
    with ProgressBar(quiet) as progress, site_lock(settings.store_path, progress.say), core.open_store(settings) as store:
        entry, published = core.take_down(settings, store, article, datetime.now(UTC), note, progress)
    if not quiet:
        click.echo(printable(f"taken down: {entry.id} {entry.title}; {summary(None, published)}"))


@articles.command()
@click.argument("article")
@common_options
def restore(settings: Settings, quiet: bool, article: str) -> None:
    """Put a taken-down article back in the feeds (its page is read again at the next gather)."""
    with ProgressBar(quiet) as progress, site_lock(settings.store_path, progress.say), core.open_store(settings) as store:
        entry, published = core.restore(settings, store, article, datetime.now(UTC), progress)
    if not quiet:
        click.echo(printable(f"restored: {entry.id} {entry.title}; {summary(None, published)}"))


def _echo(entry: ArticleEntry) -> None:
    lines = [
        f"id:        {entry.id}",
        f"state:     {entry.state}" + (f" since {entry.withdrawn}" if entry.withdrawn else ""),
        f"source:    {entry.source}: {entry.key}",
        f"section:   {entry.section}",
        f"headline:  {entry.title}",
        f"published: {entry.published}",
        f"url:       {entry.url}",
    ]
    if entry.note:
        lines.append(f"note:      {entry.note}")
    for line in lines:
        click.echo(printable(line))
