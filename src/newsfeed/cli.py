"""Thin click commands over core: parse options, draw progress, print one-line errors."""

from __future__ import annotations

import functools
import sys
from datetime import UTC, datetime

import click

from newsfeed import core
from newsfeed.config import Settings, load_settings
from newsfeed.errors import NewsfeedError
from newsfeed.types import GatherReport, PublishReport


def common_options(command):
    """--config and --quiet for every command; NewsfeedError becomes 'Error: ...', exit 1."""

    @click.option("--config", "config_path", default="config.toml", show_default=True, type=click.Path(dir_okay=False), help="Site configuration file.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar, only errors.")
    @functools.wraps(command)
    def wrapper(config_path: str, quiet: bool, **kwargs):
        try:
            settings = load_settings(config_path)
            return command(settings=settings, quiet=quiet, **kwargs)
        except NewsfeedError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


class ProgressBar:
    """One click progress bar per phase, drawn on stderr; nothing when quiet or not a TTY."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.phase = ""
        self.bar = None
        self.shown = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = click.progressbar(length=total, label=phase.ljust(16), file=sys.stderr)
            self.bar.__enter__()
            self.shown = 0
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@click.group()
@click.version_option(package_name="newsfeed")
def main() -> None:
    """Publish feeds and weekly digests for a news site."""


@main.command()
@common_options
def build(settings: Settings, quiet: bool) -> None:
    """Gather articles from the sources, then publish every feed."""
    with ProgressBar(quiet) as progress, core.open_store(settings) as store:
        now = datetime.now(UTC)
        gathered, _changed = core.gather(settings, store, now, progress)
        published = core.publish(settings, store, now, progress)
    _report(gathered, published, quiet)


@main.command()
@common_options
def gather(settings: Settings, quiet: bool) -> None:
    """Read the sources and store new and edited articles (no feeds written)."""
    with ProgressBar(quiet) as progress, core.open_store(settings) as store:
        gathered, _changed = core.gather(settings, store, datetime.now(UTC), progress)
    _report(gathered, None, quiet)


@main.command()
@common_options
def publish(settings: Settings, quiet: bool) -> None:
    """Write every feed, the OPML index and index.html from the store."""
    with ProgressBar(quiet) as progress, core.open_store(settings) as store:
        published = core.publish(settings, store, datetime.now(UTC), progress)
    _report(None, published, quiet)


def _report(gathered: GatherReport | None, published: PublishReport | None, quiet: bool) -> None:
    if gathered is not None:
        for rejection in gathered.rejected:
            click.echo(f"rejected: {rejection}", err=True)
    if not quiet:
        parts = []
        if gathered is not None:
            parts.append(
                f"articles: {gathered.new} new, {gathered.updated} updated, "
                f"{gathered.unchanged} unchanged, {len(gathered.rejected)} rejected"
            )
        if published is not None:
            removed = f", {len(published.removed)} removed" if published.removed else ""
            parts.append(f"files: {len(published.written)} written, {len(published.unchanged)} unchanged{removed}")
        click.echo("; ".join(parts))
    if gathered is not None and gathered.rejected:
        raise click.exceptions.Exit(1)


from newsfeed.commands.subscribers import subscribers  # noqa: E402
from newsfeed.commands.send import send  # noqa: E402
from newsfeed.commands.serve import serve  # noqa: E402

main.add_command(subscribers)
main.add_command(send)
main.add_command(serve)
from newsfeed.commands.digest import digest  # noqa: E402
main.add_command(digest)
