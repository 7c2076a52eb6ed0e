"""`newsfeed check`: feed items that miss what an aggregator requires, one line each."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from newsfeed import check as checks
from newsfeed import core
from newsfeed.commands.common import common_options, printable
from newsfeed.config import Settings


@click.command("check")
@click.option("--profile", "wanted", multiple=True, metavar="NAME",
              help="Only this aggregator (google-news, flipboard, microsoft-start, kurio, smartnews) or feed-validator "
                   "(items of one feed updated at the same second); repeat for several.")
@click.option("--all", "everything", is_flag=True, help="Every published article, not only those in the feeds now.")
@common_options
def check(settings: Settings, quiet: bool, wanted: tuple[str, ...], everything: bool) -> None:
    """Report, per aggregator, the feed items that miss what it requires (lead image and its
    size, headline length, full body, description length): one line per problem naming the
    page and the fix. Exit status 1 if there is any."""
    profiles = checks.load_profiles()
    known = {p.key for p in profiles} | {"feed-validator"}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise click.UsageError(f"unknown profile {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    chosen = tuple(p for p in profiles if not wanted or p.key in wanted)
    with core.open_store(settings) as store:
        problems = checks.check(settings, store, datetime.now(UTC), chosen, everything, validator=not wanted or "feed-validator" in wanted)
    for problem in problems:
        click.echo(printable(str(problem)))
    if not quiet:
        pages = len({(p.source, p.key) for p in problems})
        names = [p.name for p in chosen] + ([checks.VALIDATOR] if not wanted or "feed-validator" in wanted else [])
        click.echo(f"{len(problems)} problem(s) in {pages} item(s) for {', '.join(names)}", err=True)
    if problems:
        raise click.exceptions.Exit(1)
