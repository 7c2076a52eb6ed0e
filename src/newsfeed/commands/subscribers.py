"""`newsfeed subscribers ...`: add, import, invite, list, confirm, unsubscribe, remove, export."""

from __future__ import annotations

import csv
import re
import sys
from datetime import UTC, datetime

import click

from newsfeed import core
from newsfeed import subscriber_csv
from newsfeed import subscribers as subs
from newsfeed.commands.common import ProgressBar, common_options
from newsfeed.config import Settings
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import UNSUBSCRIBE, TokenError, confirm_url, secret_from_env, verify_token


@click.group()
def subscribers() -> None:
    """Manage the digest's subscribers (double opt-in: new addresses start as pending).

    \b
    Unsubscribe requests by e-mail: every digest advertises the mailbox in
    newsletter.unsubscribe_mailto (Gmail and Yahoo expect a mailto: next to the
    one-click link), and newsfeed does not read it. Check that mailbox at least
    daily and run `newsfeed subscribers unsubscribe ADDRESS` for each request
    (or pass the token from the subject "berhenti <token>"): RFC 8058 and the
    bulk-sender rules want a request honoured within two days.
    """


@subscribers.command("add")
@click.argument("email")
@click.option("--name", default="", help="Name for the greeting.")
@click.option("--sections", default="", help="Comma-separated section slugs or names; default every section.")
@click.option("--confirmed", is_flag=True, help="The address already opted in elsewhere: skip the confirmation link.")
@common_options
def add(settings: Settings, quiet: bool, email: str, name: str, sections: str, confirmed: bool) -> None:
    """Add (or update) one subscriber and print their confirmation link.

    Send the link yourself, or e-mail it with `newsfeed subscribers invite`.
    """
    address = subs.normalise_email(email)
    chosen = subs.parse_sections(sections, settings)
    clean = subs.normalise_name(name)
    secret = None if confirmed else secret_from_env(settings)  # before storing anything
    now = datetime.now(UTC)
    with core.open_store(settings) as store:
        outcome = ledger.add(store, address, clean, chosen, now, confirmed=confirmed)
        current = ledger.get(store, address)
    status = current.status if current else "pending"
    if not quiet:
        click.echo(f"{outcome}: {address} ({status}; sections: {', '.join(current.sections) if current and current.sections else 'semua'})")
    if status == "pending" and secret is not None:
        click.echo(f"confirm link: {confirm_url(settings, secret, address, now)}")


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--confirmed", is_flag=True, help="The list already opted in elsewhere: import as confirmed.")
@common_options
def import_(settings: Settings, quiet: bool, file: str, confirmed: bool) -> None:
    """Import a CSV of subscribers. Bad rows are reported by line; the rest is imported.

    \b
    Comma, semicolon or tab separated (or as an Excel "sep=" first line says),
    UTF-8 or UTF-16 with BOM. Columns by header, in any order and case:
    email,name,sections[,status] (newsfeed's export), Mailchimp's export
    ("Email Address", "First Name", "Last Name"), Substack's (email,
    email_disabled, ...). Without a header: email,name,sections. Rows the file
    marks unsubscribed or bounced (status, Mailchimp's UNSUB_TIME/CLEAN_TIME,
    Substack's email_disabled) are stored so, and never sent to.
    """
    with core.open_store(settings) as store:
        report = subscriber_csv.import_csv(file, settings, store, datetime.now(UTC), confirmed=confirmed)
    for bad in report.rejected:
        click.echo(f"{file}: {bad}", err=True)
    if not quiet:
        state = "confirmed" if confirmed else "pending (send them their confirm links, or re-import with --confirmed)"
        parts = [f"{report.added} added as {state}", f"{report.updated} updated"]
        if report.left:
            parts.append(f"{report.left} stored as unsubscribed or bounced, as the file says")
        detail = ", ".join(f"{n} {what}" for n, what in (
            (report.unchanged, "unchanged"), (report.kept, "unsubscribed or bounced before"),
            (report.active, "marked as left in the file but subscribed or pending here, kept so")) if n)
        parts.append(f"{report.skipped} skipped" + (f" ({detail})" if detail else ""))
        parts.append(f"{len(report.rejected)} rejected")
        click.echo("subscribers: " + ", ".join(parts))
    if report.rejected:
        raise click.exceptions.Exit(1)


@subscribers.command("list")
@click.option("--status", type=click.Choice(ledger.STATUSES), help="Only this status.")
@common_options
def list_(settings: Settings, quiet: bool, status: str | None) -> None:
    """List subscribers: email, status, sections, name."""
    with core.open_store(settings) as store:
        rows = ledger.all_subscribers(store, status)
        counts = ledger.counts(store)
    for s in rows:
        click.echo(f"{s.email}\t{s.status}\t{','.join(s.sections) or 'semua'}\t{s.name}")
    if not quiet:
        click.echo(", ".join(f"{n} {k}" for k, n in counts.items()), err=True)


@subscribers.command("invite")
@click.option("--again", is_flag=True, help="Also pending subscribers who were already sent a confirmation e-mail.")
@click.option("--email", "emails", multiple=True, metavar="ADDRESS", help="Only this pending address (repeatable).")
@common_options
def invite(settings: Settings, quiet: bool, again: bool, emails: tuple[str, ...]) -> None:
    """E-mail the signed confirmation link to pending subscribers over [smtp].

    Each pending address is invited once (--again: once more); the link is valid for 7
    days. Uses the configured SMTP server, rate limit and retries; an address the server
    refuses for good is marked bounced.
    """
    from newsfeed.commands.send import EXIT_RUN_AGAIN
    from newsfeed.deliver import sending
    from newsfeed.deliver.smtp import SmtpSender

    only = [subs.normalise_email(e) for e in emails]
    secret_from_env(settings)  # before connecting to anything
    with core.open_store(settings) as store, ProgressBar(quiet) as progress, SmtpSender(settings.smtp) as transport:
        report = sending.invite(settings, store, transport, datetime.now(UTC), again=again, only=only, progress=progress,
                                clock=lambda: datetime.now(UTC))
        skipped = {a: ledger.get(store, a) for a in only}
    for address, found in skipped.items():
        if found is None or found.status != "pending":
            click.echo(f"{address}: not invited, {'not a subscriber' if found is None else 'status ' + found.status}", err=True)
    if not quiet:
        click.echo(f"invitations: {report.invited} sent, {report.bounced} bounced, {report.failed} failed")
    if report.failed:  # exit 75 (EX_TEMPFAIL) as `newsfeed send` does: a timer or cron job runs it again
        click.echo("some invitations failed with temporary errors: run the same command again later", err=True)
        raise click.exceptions.Exit(EXIT_RUN_AGAIN)


@subscribers.command("confirm")
@click.argument("email")
@common_options
def confirm(settings: Settings, quiet: bool, email: str) -> None:
    """Mark a pending subscriber confirmed (they confirmed by another channel)."""
    address = subs.normalise_email(email)
    with core.open_store(settings) as store:
        outcome = ledger.confirm(store, address, datetime.now(UTC))
    if outcome is None:
        raise click.ClickException(f"{address} is not a subscriber; add it first with `newsfeed subscribers add`")
    if outcome != "confirmed":
        raise click.ClickException(f"{address} is {outcome}; add it again to restart the opt-in")
    if not quiet:
        click.echo(f"confirmed: {address}")


@subscribers.command("unsubscribe")
@click.argument("email_or_token")
@common_options
def unsubscribe(settings: Settings, quiet: bool, email_or_token: str) -> None:
    """Stop sending to an address at once; its history is kept.

    \b
    This is how the newsletter.unsubscribe_mailto mailbox is processed: nothing
    reads it automatically. For each request there, run
      newsfeed subscribers unsubscribe ADDRESS
    with the sender's address, or with the token from the subject
    ("berhenti <token>", which names the subscribed address even when the
    request comes from another one). Within two days, RFC 8058 says.
    """
    now = datetime.now(UTC)
    if "@" in email_or_token:
        address = subs.normalise_email(email_or_token)
    else:
        # the mail's subject, as the client sent it: "berhenti <token>", maybe "Re: ..."
        token = re.sub(r"^(?:(?:re|fwd?|aw)\s*:\s*)*berhenti\s*", "", email_or_token.strip(), flags=re.IGNORECASE).strip()
        try:
            address = verify_token(secret_from_env(settings), token, UNSUBSCRIBE, now)
        except TokenError as exc:
            raise click.ClickException(f"{exc}; pass the address instead, or the whole token from the subject") from None
    with core.open_store(settings) as store:
        outcome = ledger.unsubscribe(store, address, now, note="unsubscribed by the operator")
    if outcome is None:
        raise click.ClickException(f"{address} is not a subscriber; see `newsfeed subscribers list`")
    if not quiet:
        click.echo(f"unsubscribed: {address}")


@subscribers.command("remove")
@click.argument("email")
@click.option("--forget", is_flag=True, help="Also erase which editions the address was sent (a data erasure request).")
@common_options
def remove(settings: Settings, quiet: bool, email: str, forget: bool) -> None:
    """Delete a subscriber; which editions they were sent is kept unless --forget.

    The delivery ledger keeps its rows for the address, so adding it again never
    repeats an edition; --forget erases them too. To honour an unsubscribe request
    (also those sent to the newsletter.unsubscribe_mailto mailbox, which nothing reads
    automatically), use `newsfeed subscribers unsubscribe ADDRESS` instead: it keeps
    the address suppressed, so an import cannot bring it back.
    """
    address = subs.normalise_email(email)
    with core.open_store(settings) as store:
        found = ledger.remove(store, address, forget=forget)
    if not found:
        raise click.ClickException(f"{address} is not a subscriber; see `newsfeed subscribers list`")
    if not quiet:
        click.echo(f"removed: {address}")


@subscribers.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
@common_options
def export(settings: Settings, quiet: bool, file: str | None) -> None:
    """Write every subscriber as CSV (email,name,sections,status) to FILE or stdout.

    UTF-8, comma separated. A cell a spreadsheet could run as a formula (starting with
    = + - @) gets an apostrophe in front; `subscribers import` takes it off again.
    """
    with core.open_store(settings) as store:
        rows = list(subscriber_csv.export_rows(store))
    if file:
        try:
            with open(file, "w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(rows)
        except OSError as exc:
            raise click.ClickException(f"{file}: cannot write ({exc.strerror})") from None
        if not quiet:
            click.echo(f"exported {len(rows) - 1} subscribers to {file}")
    else:
        csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
