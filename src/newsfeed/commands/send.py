"""`newsfeed send [--week 2024-W42] [--dry-run] [--status]`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from newsfeed import core
from newsfeed.commands.common import ProgressBar, common_options
from newsfeed.config import Settings
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.store import subscribers as ledger


@click.command()
@click.option("--week", default=None, help="ISO week to send, e.g. 2024-W42; default the last complete week.")
@click.option("--dry-run", is_flag=True, help="Write the messages as .eml files instead of sending.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False), help="Folder for --dry-run (default: outbox/ next to config.toml).")
@click.option("--status", "show_status", is_flag=True, help="Show the edition's progress (sent, pending, failed, bounced) and exit.")
@common_options
def send(settings: Settings, quiet: bool, week: str | None, dry_run: bool, out_dir: str | None, show_status: bool) -> None:
    """Send the weekly digest to every confirmed subscriber, exactly once per edition.

    Safe to run again after a crash or kill: it sends only to those who have not had it.
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
    if quiet:
        return
    if dry_run:
        where = report.files[0].parent if report.files else "nothing"
        click.echo(f"edition {report.edition}: {len(report.files)} messages written to {where} ({report.renders} selections rendered)")
    else:
        click.echo(
            f"edition {report.edition}: {report.sent} sent, {report.bounced} bounced, {report.failed} failed, "
            f"{report.skipped} skipped; {report.resent} resent after an interruption; "
            f"{report.empty} with nothing in their sections; {report.renders} selections rendered"
        )
        if report.failed:
            click.echo(
                "some messages failed (temporary errors, or refusals that were not about the address; see --status): "
                "run the same command again later to retry them",
                err=True,
            )
    if pending:
        click.echo(f"note: {pending} subscribers are still pending confirmation and were not sent anything", err=True)


def _status(settings: Settings, store, now: datetime, week: str | None) -> None:
    from newsfeed.deliver import sending

    code = sending.select(settings, store, now, week)[0] if week else (sending.latest_edition(store) or sending.select(settings, store, now, None)[0])
    counts = sending.status(store, code)
    total = sum(counts.values())
    click.echo(f"edition {code}: {total} subscribers planned")
    for name in ("sent", "pending", "sending", "failed", "bounced", "skipped"):
        label = "sending (interrupted; resent with the same Message-ID on the next run)" if name == "sending" else name
        click.echo(f"  {label}: {counts[name]}")
