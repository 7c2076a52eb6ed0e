"""`newsfeed store rebuild`: read every article again from the sources, keeping subscribers;
`newsfeed store migrate`: copy the SQLite store into PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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


@store.command()
@click.option("--to", "target", required=True, metavar="URL", help="The empty PostgreSQL database, postgresql://user@host/db.")
@click.option("--password-env", default="", metavar="VAR", help="The environment variable holding its password (default: store.password_env).")
@common_options
def migrate(settings: Settings, quiet: bool, target: str, password_env: str) -> None:
    """Copy the SQLite store (store.path) into an empty PostgreSQL database.

    Every table is copied whole in one transaction; the SQLite file is left as it was. Then
    set [store] url (and password_env) in config.toml to use the database."""
    from newsfeed.config import store_url_problem
    from newsfeed.config_rules import env_name_problem
    from newsfeed.errors import ConfigError
    from newsfeed.store import copying, postgres

    if problem := store_url_problem(target):
        raise ConfigError(f"--to: {problem}")
    variable = password_env or getattr(getattr(settings.store_path, "location", None), "password_env", "")
    if variable and (problem := env_name_problem(variable)):
        raise ConfigError(f"--password-env: {problem}")
    source = Path(settings.store_path)
    with ProgressBar(quiet) as progress, site_lock(Path(str(source)), progress.say, backend="sqlite"):
        report = copying.copy_to_postgres(Path(str(source)), postgres.Location(target, variable))
    if not quiet:
        click.echo(
            f"copied {report.rows} rows of {len(report.tables)} tables from {source} to {postgres.safe_url(target)}; "
            f'set [store] url = "{postgres.safe_url(target)}" in {settings.path.name} to use it'
        )
