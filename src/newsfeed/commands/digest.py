"""`newsfeed digest`: select a week, render the digest, write it under feeds/edisi/."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from newsfeed import core, editions
from newsfeed.cli import common_options
from newsfeed.config import Settings
from newsfeed.deliver import preview as previews


@click.command()
@click.option("--week", default=None, metavar="YYYY-Www", help="ISO week, e.g. 2024-W42 (default: the last complete week).")
@click.option("--sections", default=None, metavar="SLUGS", help="Comma-separated section slugs, e.g. dunia,nasional (default: all).")
@click.option("--preview", is_flag=True, help="Open the web copy in a browser, or serve it on 127.0.0.1 and print the URL.")
@common_options
def digest(settings: Settings, quiet: bool, week: str | None, sections: str | None, preview: bool) -> None:
    """Write the weekly digest: web copy, text part and .eml under feeds/edisi/."""
    with core.open_store(settings) as store:
        edition = editions.select_week(settings, store, datetime.now(UTC), week, sections)
        if edition is None:
            what = f"week {week}" if week else "the last complete week"
            click.echo(f"No digest: no article was published in {what} for the chosen sections; nothing written.")
            return
        report = editions.publish_edition(settings, store, edition)
    if not quiet:
        trimmed = "" if report.in_email == report.stories else f" ({report.in_email} in the e-mail, the rest on the web copy)"
        click.echo(
            f"digest {report.code}: {report.stories} stories{trimmed}, e-mail HTML {report.size:,} bytes; "
            f"files: {len(report.written)} written, {len(report.unchanged)} unchanged"
        )
        click.echo(f"web copy: {report.web_url}")
    if preview:
        _preview(report.web_copy)


def _preview(page) -> None:
    if previews.has_browser():
        click.launch(str(page))
        click.echo(f"opened {page}")
        return
    with previews.PreviewServer(page) as server:
        click.echo(f"preview: {server.url}  (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
