"""Thin click commands over core: parse options, draw progress, print one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime

import click

import importlib

from newsfeed import core
from newsfeed.commands.common import ProgressBar, common_options, printable, summary
from newsfeed.config import Settings
from newsfeed.locking import site_lock
from newsfeed.types import GatherReport, PublishReport

# The other commands live in newsfeed.commands.<module> and are imported only when run, so
# `newsfeed build` does not pay for mail, the web server or the digest renderer.
LAZY_COMMANDS = {
    "articles": "articles", "check": "check", "digest": "digest", "send": "send",
    "serve": "serve", "store": "store", "subscribers": "subscribers",
}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            return getattr(importlib.import_module(f"newsfeed.commands.{LAZY_COMMANDS[name]}"), name)
        return super().get_command(ctx, name)


@click.group(cls=_Group)
@click.version_option(package_name="newsfeed")
def main() -> None:
    """Publish feeds and weekly digests for a news site."""


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
    if published is not None:
        for failure in published.ping_failures:
            click.echo(f"warning: WebSub hub did not take the notices: {printable(failure)}; they are sent again after the next publish", err=True)
    if not quiet:
        click.echo(summary(gathered, published))
    if gathered is not None and gathered.rejected:
        raise click.exceptions.Exit(1)
