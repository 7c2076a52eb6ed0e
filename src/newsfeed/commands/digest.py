"""`newsfeed digest`: select a week, render the digest, write it under feeds/edisi/.

A week that has not ended yet is refused ("week 2026-W48 has not ended yet ..."), exit 1:
publishing it would put half a week on the web and in the archive. With `--preview` it is
allowed: the week so far (articles published by now) is rendered into a temporary folder
and served on 127.0.0.1 (and opened in the browser, if there is one) until Ctrl-C; nothing
is written under feeds/ and the archive is untouched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from newsfeed import core, editions
from newsfeed.commands.common import ProgressBar, common_options
from newsfeed.config import Settings
from newsfeed.deliver import preview as previews
from newsfeed.locking import site_lock


@click.command()
@click.option("--week", default=None, metavar="YYYY-Www", help="ISO week, e.g. 2024-W42 (default: the last complete week).")
@click.option("--sections", default=None, metavar="SLUGS", help="Comma-separated section slugs, e.g. dunia,nasional (default: all).")
@click.option(
    "--preview",
    is_flag=True,
    help="Open the web copy in a browser, or serve it on 127.0.0.1 and print the URL. "
    "For a week that has not ended: shows the week so far and publishes nothing.",
)
@common_options
def digest(settings: Settings, quiet: bool, week: str | None, sections: str | None, preview: bool) -> None:
    """Write the weekly digest: web copy, text part and .eml under feeds/edisi/."""
    now = datetime.now(UTC)
    # the site's write lock, as build and publish take it: a publish meanwhile must not sweep
    # the edition's temporary files from feeds/ or write the archive page under it
    with ProgressBar(quiet) as progress, site_lock(settings.store_path, progress.say), core.open_store(settings) as store:
        edition = editions.select_week(settings, store, now, week, sections, unfinished=preview)
        if edition is None:
            what = f"week {week}" if week else "the last complete week"
            click.echo(f"No digest: no article was published in {what} for the chosen sections; nothing written.")
            return
        if not edition.complete:
            rendered, files = editions.render_edition_files(settings, edition)
        else:
            report = editions.publish_edition(settings, store, edition)
    if not edition.complete:
        click.echo(
            f"preview of {edition.code} so far (the week has not ended): {rendered.total} stories, "
            f"e-mail HTML {rendered.size:,} bytes; nothing written under {settings.feeds.output_dir}"
        )
        with previews.staged(files) as page:
            _serve(page, open_browser=previews.has_browser())
        return
    if not quiet:
        trimmed = "" if report.in_email == report.stories else f" ({report.in_email} in the e-mail, the rest on the web copy)"
        click.echo(
            f"digest {report.code}: {report.stories} stories{trimmed}, e-mail HTML {report.size:,} bytes; "
            f"files: {len(report.written)} written, {len(report.unchanged)} unchanged"
        )
        click.echo(f"web copy: {report.web_url}")
    if preview:
        _preview(report.web_copy)


def _preview(page: Path) -> None:
    if previews.has_browser():
        click.launch(str(page))
        click.echo(f"opened {page}")
        return
    _serve(page, open_browser=False)


def _serve(page: Path, open_browser: bool) -> None:
    with previews.PreviewServer(page) as server:
        click.echo(f"preview: {server.url}  (Ctrl-C to stop)")
        if open_browser:
            click.launch(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
