"""The e-mails the public pages send at once, over [smtp]: double opt-in and the like.

Which one goes out depends on what the store knows of the address, while the page always
gives the same answer (newsfeed.web.subscribe), so only the mailbox's owner learns it:
- new or pending: the confirmation link (the same e-mail as `subscribers invite`);
- confirmed: "you are subscribed already", with the preferences and unsubscribe links;
- unsubscribed or bounced: a link that subscribes the address again (valid 7 days);
- a data request: a link to the page that exports or erases the address's data (24 hours).
One attempt with a short timeout: a web request does not wait for retries. A pending
address whose confirmation could not be sent stays uninvited, so `newsfeed subscribers
invite` sends it later.
"""

from __future__ import annotations

import hashlib
import html
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from newsfeed.config import Settings
from newsfeed.deliver import sending
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.errors import NewsfeedError
from newsfeed.render import message as messages
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import DATA_HOURS, RESUBSCRIBE_DAYS, data_url, preferences_url, resubscribe_url, unsubscribe_url

LOG = logging.getLogger("newsfeed.web")
TIMEOUT = 10.0  # seconds per SMTP command, at most, while a reader waits for the page


def confirmation(settings: Settings, secret: bytes, subscriber: ledger.Subscriber, now: datetime) -> bytes:
    return sending.invitation(settings, secret, subscriber, now)


def already_subscribed(settings: Settings, secret: bytes, subscriber: ledger.Subscriber, now: datetime) -> bytes:
    site = settings.site.name
    return _notice(
        settings, subscriber.email, now, "sudah",
        f"Anda sudah berlangganan ringkasan mingguan {site}",
        [f"Seseorang (mungkin Anda) mendaftarkan alamat {subscriber.email} untuk ringkasan mingguan {site}. "
         "Alamat ini sudah berlangganan, jadi tidak ada yang berubah.",
         "Untuk mengubah rubrik, topik, atau menjeda kiriman, buka halaman preferensi Anda:"],
        ("Atur langganan saya", preferences_url(settings, secret, subscriber.id, subscriber.email)),
        [f"Berhenti berlangganan: {unsubscribe_url(settings, secret, subscriber.email)}",
         "Jika Anda tidak merasa mendaftar, abaikan saja surel ini."],
        subscriber.name,
    )


def resubscribe(settings: Settings, secret: bytes, subscriber: ledger.Subscriber, now: datetime) -> bytes:
    site = settings.site.name
    return _notice(
        settings, subscriber.email, now, "lagi",
        f"Berlangganan lagi ringkasan mingguan {site}?",
        [f"Seseorang (mungkin Anda) ingin kembali menerima ringkasan mingguan {site} di alamat {subscriber.email}, "
         "yang sebelumnya berhenti berlangganan.",
         "Untuk mulai menerimanya lagi, konfirmasikan melalui tautan berikut:"],
        ("Ya, saya ingin berlangganan lagi", resubscribe_url(settings, secret, subscriber.email, now)),
        [f"Tautan ini berlaku selama {RESUBSCRIBE_DAYS} hari. Jika Anda tidak merasa mendaftar, abaikan saja surel ini: "
         "Anda tetap tidak akan menerima apa pun dari kami."],
        subscriber.name,
    )


def data_link(settings: Settings, secret: bytes, email: str, name: str, now: datetime) -> bytes:
    site = settings.site.name
    return _notice(
        settings, email, now, "data",
        f"Data langganan Anda di {site}",
        [f"Seseorang (mungkin Anda) meminta salinan atau penghapusan data yang disimpan {site} untuk alamat {email}.",
         "Buka halaman berikut untuk mengunduh data Anda atau menghapusnya:"],
        ("Kelola data saya", data_url(settings, secret, email, now)),
        [f"Tautan ini berlaku selama {DATA_HOURS} jam. Jika Anda tidak memintanya, abaikan saja surel ini: tidak ada yang berubah."],
        name,
    )


def _notice(
    settings: Settings, to: str, now: datetime, kind: str, subject: str, before: list[str], action: tuple[str, str],
    after: list[str], name: str,
) -> bytes:
    site = settings.site.name
    label, url = action
    greeting = f"Halo, {name}," if name else "Halo,"
    text = "\n\n".join([greeting, *before, url, *after, f"--\n{site}\n{settings.site.base_url}"]) + "\n"
    e = html.escape
    body = (
        f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>{e(subject)}</title></head>\n'
        '<body style="font-family:Georgia,serif;font-size:16px;line-height:1.5;color:#1f2328">\n'
        f"<p>{e(greeting)}</p>\n" + "".join(f"<p>{e(p)}</p>\n" for p in before)
        + f'<p><a href="{e(url)}" style="color:#b3261e;font-weight:bold">{e(label)}</a></p>\n'
        + "".join(f'<p style="font-size:14px;color:#57606a">{e(p)}</p>\n' for p in after)
        + f'<p style="font-size:14px;color:#57606a">{e(site)}</p>\n</body></html>\n'
    )
    key = hashlib.sha256(f"{settings.newsletter.list_id}\0{kind}\0{to}\0{now.isoformat()}".encode()).hexdigest()[:24]
    msg = messages.compose(
        subject=subject, sender=settings.digest.sender, to=to,
        date=messages.header_date(now.astimezone(ZoneInfo(settings.site.timezone))),
        message_id=f"<{kind}.{key}@{sending._domain(settings)}>",
        headers={"List-Id": sending.list_id(settings), "Auto-Submitted": "auto-generated"}, text=text, html=body,
    )
    return messages.message_bytes(msg)


def deliver(settings: Settings, to: str, data: bytes) -> str:
    """Send one message now: "sent", "bounced" (the server refused the address for good) or
    "failed". Failures are logged (without the address); nothing is retried here."""
    try:
        with SmtpSender(settings.smtp, timeout=min(TIMEOUT, settings.smtp.timeout)) as transport:
            outcome = transport.send(settings.digest.sender, to, data)
    except NewsfeedError as exc:
        LOG.error("mail from the subscription pages not sent: %s", exc)
        return "failed"
    if outcome.status != "sent":
        LOG.warning("mail from the subscription pages not sent (%s): %s", outcome.status, outcome.detail.replace(to, "<address>"))
    return outcome.status
