"""Thin click commands over core: parse options, draw progress, print one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from newsfeed import core
from newsfeed.commands.articles import articles
from newsfeed.commands.check import check
from newsfeed.commands.common import ProgressBar, common_options, printable, summary
from newsfeed.commands.digest import digest
from newsfeed.commands.send import send
from newsfeed.commands.serve import serve
from newsfeed.commands.store import store
from newsfeed.commands.subscribers import subscribers
from newsfeed.config import Settings
from newsfeed.locking import site_lock
from newsfeed.types import GatherReport, PublishReport


@click.group()
@click.version_option(package_name="newsfeed")
def main() -> None:
    """Publish feeds and weekly digests for a news site."""


for _command in (digest, subscribers, send, serve, articles, store, check):
    main.add_command(_command)


_ALLOW_WITHDRAW = click.option(
    "--allow-withdraw",
    is_flag=True,
    help="Withdraw articles even when most of a source is gone at once (a guard against an unmounted folder or an empty listing).",
)


@main.command()
@_ALLOW_WITHDRAW
@common_options
def build(settings: Settings, quiet: bool, allow_withdraw: bool) -> None:
    """Gather articles from the sources, then publish every feed."""
    with ProgressBar(quiet) as progress, site_lock(settings.store_path, progress.say), core.open_store(settings) as store:
        now = datetime.now(UTC)
        gathered, _changed = core.gather(settings, store, now, progress, allow_withdraw)
        published = core.publish(settings, store, now, progress)
    _report(gathered, published, quiet)


@main.command()
@_ALLOW_WITHDRAW
@common_options
def gather(settings: Settings, quiet: bool, allow_withdraw: bool) -> None:
    """Read the sources into the store and update topics and related lists (no feeds written)."""
    with ProgressBar(quiet) as progress, site_lock(settings.store_path, progress.say), core.open_store(settings) as store:
        gathered, _changed = core.gather(settings, store, datetime.now(UTC), progress, allow_withdraw)
    _report(gathered, None, quiet)


@main.command()
@common_options
def publish(settings: Settings, quiet: bool) -> None:
    """Write every feed, the OPML index and index.html from the store."""
    with ProgressBar(quiet) as progress, site_lock(settings.store_path, progress.say), core.open_store(settings) as store:
        published = core.publish(settings, store, datetime.now(UTC), progress)
    _report(None, published, quiet)


def _report(gathered: GatherReport | None, published: PublishReport | None, quiet: bool) -> None:
    if gathered is not None:
        for rejection in gathered.rejected:
            click.echo(f"rejected: {printable(str(rejection))}", err=True)
        for notice in gathered.notices:
            click.echo(f"warning: {printable(str(notice))}", err=True)
    if not quiet:
        click.echo(summary(gathered, published))
    if gathered is not None and gathered.rejected:
        raise click.exceptions.Exit(1)
