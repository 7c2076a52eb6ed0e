"""What every command shares: --config and --quiet, one-line errors, a progress bar."""

from __future__ import annotations

import functools
import re
import sys

import click

from newsfeed.config import load_settings
from newsfeed.errors import NewsfeedError
from newsfeed.types import GatherReport, PublishReport

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


def printable(text: str) -> str:
    """Text safe for a terminal: control characters and escape sequences made visible."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def summary(gathered: GatherReport | None, published: PublishReport | None) -> str:
    """The one-line summary of a gather and/or publish."""
    parts = []
    if gathered is not None:
        extra = f", {gathered.withdrawn} withdrawn" if gathered.withdrawn else ""
        extra += f", {gathered.held} held (taken down)" if gathered.held else ""
        parts.append(
            f"articles: {gathered.new} new, {gathered.updated} updated, "
            f"{gathered.unchanged} unchanged{extra}, {len(gathered.rejected)} rejected"
        )
    if published is not None:
        removed = f", {len(published.removed)} removed" if published.removed else ""
        pinged = f", {published.pinged} WebSub notices" if published.pinged else ""
        parts.append(f"files: {len(published.written)} written, {len(published.unchanged)} unchanged{removed}{pinged}")
    return "; ".join(parts)


class ProgressBar:
    """One click progress bar per phase, drawn on stderr; nothing when quiet or not a TTY."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
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

    def say(self, message: str) -> None:
        """A line on stderr that the bar does not overwrite (unless quiet)."""
        if self.quiet:
            return
        self.close()
        click.echo(message, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
