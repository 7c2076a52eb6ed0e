"""`newsfeed send [--week 2024-W42] [--dry-run] [--status]`.

Exit status, for cron and schedulers: 0 when the edition is done (every delivery sent,
bounced or skipped, or given up after its attempts); 75 (EX_TEMPFAIL, sysexits.h) when
some deliveries failed for now and a later run will try them (temporary failures such as
greylisting, or refusals that were not about the address): run the same command again
later; 1 when an error stopped the run (the message says what; the SMTP server
unreachable, the configuration).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from newsfeed import core
from newsfeed.commands.common import ProgressBar, common_options
from newsfeed.config import Settings
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.store import subscribers as ledger

EXIT_RUN_AGAIN = 75  # EX_TEMPFAIL: some deliveries are left for a later run


@click.command()
@click.option("--week", default=None, help="ISO week to send, e.g. 2024-W42; default the last complete week.")
@click.option("--dry-run", is_flag=True, help="Write the messages as .eml files instead of sending.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False), help="Folder for --dry-run (default: outbox/ next to config.toml).")
@click.option("--status", "show_status", is_flag=True, help="Show the edition's progress (sent, pending, failed, bounced) and exit.")
@common_options
def send(settings: Settings, quiet: bool, week: str | None, dry_run: bool, out_dir: str | None, show_status: bool) -> None:
    """Send the weekly digest to every confirmed subscriber, exactly once per edition.

    Safe to run again after a crash or kill: it sends only to those who have not had it.
    Exit status 0: the edition is done; 75: some deliveries failed for now (a temporary
    error such as greylisting), run the same command again later; 1: an error stopped it.
    """
    from newsfeed.deliver import sending  # imports the digest renderers: only when sending

    now = datetime.now(UTC)
    with core.open_store(settings) as store:
        if show_status:
            _status(settings, store, now, week)
            return
        with ProgressBar(quiet) as progress:
            if dry_run:
                folder = Path(out_dir) if out_dir else settings.root / "outbox"
                report = sending.dry_run(settings, store, now, folder, week, progress)
            else:
                with SmtpSender(settings.smtp) as transport:
                    report = sending.send_edition(settings, store, now, transport, week, progress, clock=lambda: datetime.now(UTC))
        pending = ledger.counts(store)["pending"]
        left, due = (0, None) if dry_run else sending.unfinished(store, report.edition)
    if not quiet:
        if dry_run:
            where = report.files[0].parent if report.files else "nothing"
            click.echo(f"edition {report.edition}: {len(report.files)} messages written to {where} ({report.renders} selections rendered)")
        else:
            click.echo(
                f"edition {report.edition}: {report.sent} sent, {report.bounced} bounced, {report.failed} failed, "
                f"{report.deferred} deferred, {report.skipped} skipped; {report.retried} sent on a retry, "
                f"{report.resent} resent after an interruption; "
                f"{report.empty} with nothing in their sections or topics; {report.renders} selections rendered"
            )
    if left:
        when = f" (the first is due at {due.replace('T', ' ').replace('Z', ' UTC')})" if due else ""
        click.echo(
            f"{left} deliveries of {report.edition} are not done: temporary errors, or refusals that were not about the "
            f"address (see --status); run the same command again later{when}",
            err=True,
        )
    if pending and not quiet:
        click.echo(f"note: {pending} subscribers are still pending confirmation and were not sent anything", err=True)
    if left:
        raise click.exceptions.Exit(EXIT_RUN_AGAIN)


def _status(settings: Settings, store, now: datetime, week: str | None) -> None:
    from newsfeed.deliver import sending

    code = sending.select(settings, store, now, week)[0] if week else (sending.latest_edition(store) or sending.select(settings, store, now, None)[0])
    counts = sending.status(store, code)
    total = sum(counts.values())
    left, due = sending.unfinished(store, code)
    click.echo(f"edition {code}: {total} subscribers planned")
    for name in ("sent", "pending", "sending", "failed", "bounced", "skipped"):
        label = "sending (interrupted; resent with the same Message-ID on the next run)" if name == "sending" else name
        click.echo(f"  {label}: {counts[name]}")
    if left:
        when = f"; the first failed one is due at {due.replace('T', ' ').replace('Z', ' UTC')}" if due else ""
        click.echo(f"  still to do: {left} (run `newsfeed send` again{when})")
    else:
        click.echo("  done: nothing left to send")
