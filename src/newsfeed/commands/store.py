"""`newsfeed store rebuild`: read every article again from the sources, keeping subscribers."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from newsfeed import core
from newsfeed.commands.common import ProgressBar, common_options, printable, summary
from newsfeed.config import Settings
from newsfeed.locking import site_lock
from newsfeed.store import lifecycle


@click.group()
def store() -> None:
    """Maintain the store."""


@store.command()
@common_options
def rebuild(settings: Settings, quiet: bool) -> None:
    """Forget every stored article and read them all again from the sources, then publish.

    Subscribers, the delivery ledger, sent editions and takedowns are kept; articles still in
    their sources come back with the same ids and publish times (feeds keep their guids)."""
    with ProgressBar(quiet) as progress, site_lock(settings.store_path, progress.say), core.open_store(settings) as opened:
        now = datetime.now(UTC)
        lifecycle.reset_articles(opened, now)
        gathered, _changed = core.gather(settings, opened, now, progress, allow_withdraw=True)
        published = core.publish(settings, opened, now, progress)
    for rejection in gathered.rejected:
        click.echo(f"rejected: {printable(str(rejection))}", err=True)
    if not quiet:
        click.echo(summary(gathered, published))
    if gathered.rejected:
        raise click.exceptions.Exit(1)
