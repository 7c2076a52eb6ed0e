"""Subscriber commands: the secret is checked before anything is stored; unsubscribe by the
operator (the mailto: mailbox); confirmation e-mails over a real aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from click.testing import CliRunner

from conftest import NOW
from newsfeed import core
from newsfeed.cli import main
from newsfeed.deliver import sending
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import CONFIRM, unsubscribe_url, verify_token
from test_send import SECRET, smtp  # noqa: F401  (the smtp fixture)


def run(settings, *args):
    return CliRunner().invoke(main, [*args, "--config", str(settings.path)])


def test_add_without_secret_stores_nothing(make_site, monkeypatch):
    settings = make_site({})
    monkeypatch.delenv("NEWSFEED_SECRET", raising=False)
    result = run(settings, "subscribers", "add", "ani@contoh.co.id")
    assert result.exit_code == 1 and "NEWSFEED_SECRET" in result.output
    with core.open_store(settings) as store:
        assert ledger.get(store, "ani@contoh.co.id") is None  # no orphan pending row
    result = run(settings, "subscribers", "add", "budi@contoh.co.id", "--confirmed")  # no link to sign: fine
    assert result.exit_code == 0, result.output


def test_unsubscribe_command_for_the_mailto_mailbox(make_site, monkeypatch):
    settings = make_site({})
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    with core.open_store(settings) as store:
        for who in ("ani", "budi"):
            ledger.add(store, f"{who}@contoh.co.id", "", (), NOW, confirmed=True)
        ledger.plan(store, "2024-W42", [(ledger.get(store, "ani@contoh.co.id"), ("dunia",), "<m@x>")], NOW)
    result = run(settings, "subscribers", "unsubscribe", "Ani@Contoh.co.id")
    assert result.exit_code == 0 and "unsubscribed: ani@contoh.co.id" in result.output
    # by the token in the subject of the mailto: request ("berhenti <token>")
    token = unsubscribe_url(settings, SECRET.encode(), "budi@contoh.co.id").rsplit("=", 1)[1]
    assert run(settings, "subscribers", "unsubscribe", f"Re: Berhenti {token}").exit_code == 0
    assert run(settings, "subscribers", "unsubscribe", token[:-2] + "xx").exit_code == 1  # altered: refused
    assert run(settings, "subscribers", "unsubscribe", "tidak@contoh.co.id").exit_code == 1
    with core.open_store(settings) as store:
        assert {s.email: s.status for s in ledger.all_subscribers(store)} == {"ani@contoh.co.id": "unsubscribed", "budi@contoh.co.id": "unsubscribed"}
        assert [d.email for d in ledger.deliveries(store, "2024-W42")] == ["ani@contoh.co.id"]  # history kept


def test_remove_forget_erases_the_delivery_history(make_site):
    settings = make_site({})
    with core.open_store(settings) as store:
        ledger.add(store, "ani@contoh.co.id", "", (), NOW, confirmed=True)
        ledger.plan(store, "2024-W42", [(ledger.get(store, "ani@contoh.co.id"), ("dunia",), "<m@x>")], NOW)
    assert run(settings, "subscribers", "remove", "ani@contoh.co.id").exit_code == 0
    with core.open_store(settings) as store:
        assert [d.email for d in ledger.deliveries(store, "2024-W42")] == ["ani@contoh.co.id"]
    assert run(settings, "subscribers", "remove", "ani@contoh.co.id", "--forget").exit_code == 0
    with core.open_store(settings) as store:
        assert ledger.deliveries(store, "2024-W42") == []
        assert "ani@contoh.co.id" not in str(store.query("SELECT * FROM deliveries"))


def test_help_tells_operators_to_process_the_mailto_mailbox(make_site):
    for command in (["subscribers", "--help"], ["subscribers", "unsubscribe", "--help"], ["subscribers", "remove", "--help"]):
        text = " ".join(CliRunner().invoke(main, command).output.split())
        assert "unsubscribe_mailto" in text and "newsfeed subscribers unsubscribe ADDRESS" in text


# invite: the confirmation link by e-mail -----------------------------------------------------


@pytest.fixture
def pending(make_site, monkeypatch, smtp):  # noqa: F811
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    settings = make_site({}, extra_config=f"[smtp]\nport = {smtp.port}\nretry_delay = 0.05\n")
    with core.open_store(settings) as store:
        ledger.add(store, "ani@contoh.co.id", "Ani", ("dunia",), NOW)
        ledger.add(store, "budi@contoh.co.id", "", (), NOW)
        ledger.add(store, "citra@contoh.co.id", "Citra", (), NOW, confirmed=True)  # not pending: never invited
    return settings


def test_invite_with_temporary_failures_exits_75_so_a_timer_runs_it_again(pending, smtp):  # noqa: F811
    smtp.temporary["budi@contoh.co.id"] = 100  # greylisted through every retry of this run
    result = run(pending, "subscribers", "invite")
    assert result.exit_code == 75, result.output
    assert "invitations: 1 sent, 0 bounced, 1 failed" in result.output and "run the same command again later" in result.output
    smtp.temporary.clear()
    again = run(pending, "subscribers", "invite")
    assert again.exit_code == 0 and "invitations: 1 sent" in again.output


def test_invite_emails_the_confirm_link_once_per_pending_subscriber(pending, smtp):  # noqa: F811
    settings = pending
    result = run(settings, "subscribers", "invite")
    assert result.exit_code == 0, result.output
    assert "invitations: 2 sent, 0 bounced, 0 failed" in result.output
    assert smtp.per_recipient() == Counter({"ani@contoh.co.id": 1, "budi@contoh.co.id": 1})
    msg = smtp.for_("ani@contoh.co.id")[0]
    assert msg["Subject"] == "Konfirmasi langganan ringkasan mingguan Kabar Uji"
    assert msg["To"] == "ani@contoh.co.id" and "redaksi@kabaruji.example" in msg["From"]
    assert msg["List-Id"] == "Kabar Uji Mingguan <mingguan.kabaruji.example>"
    assert msg["Message-ID"].startswith("<konfirmasi.") and msg["Message-ID"].endswith("@kabaruji.example>")
    assert abs(parsedate_to_datetime(msg["Date"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    assert text.startswith("Halo, Ani,") and "berlaku selama 7 hari" in text
    assert '<html lang="id">' in page and "Ya, konfirmasi langganan saya" in page
    link = next(w for w in text.split() if w.startswith("https://kabaruji.example/langganan/konfirmasi?token="))
    assert verify_token(SECRET.encode(), link.split("token=")[1], CONFIRM, datetime.now(UTC)) == "ani@contoh.co.id"
    assert link.replace("&", "&amp;") in page
    assert smtp.for_("budi@contoh.co.id")[0].get_body(("plain",)).get_content().splitlines()[0] == "Halo,"
    assert smtp.for_("ani@contoh.co.id")[0]["Message-ID"] != smtp.for_("budi@contoh.co.id")[0]["Message-ID"]
    # a second run invites nobody again; --again (or --email) does
    assert "invitations: 0 sent" in run(settings, "subscribers", "invite").output
    assert "invitations: 1 sent" in run(settings, "subscribers", "invite", "--email", "BUDI@contoh.co.id").output
    assert smtp.per_recipient() == Counter({"ani@contoh.co.id": 1, "budi@contoh.co.id": 2})
    assert "citra@contoh.co.id: not invited, status confirmed" in run(settings, "subscribers", "invite", "--email", "citra@contoh.co.id").output
    assert smtp.per_recipient()["citra@contoh.co.id"] == 0
    with core.open_store(settings) as store:
        assert ledger.get(store, "ani@contoh.co.id").invited is not None


def test_invite_retries_temporary_failures_and_bounces_bad_addresses(pending, smtp):  # noqa: F811
    settings = pending
    smtp.temporary["ani@contoh.co.id"] = 2
    smtp.permanent.add("budi@contoh.co.id")
    with core.open_store(settings) as store, SmtpSender(settings.smtp) as transport:
        report = sending.invite(settings, store, transport, NOW)
    assert (report.invited, report.bounced, report.failed) == (1, 1, 0)
    assert smtp.rcpt_attempts["ani@contoh.co.id"] == 3 and smtp.per_recipient() == Counter({"ani@contoh.co.id": 1})
    with core.open_store(settings) as store:
        assert ledger.get(store, "budi@contoh.co.id").status == "bounced"


def test_invite_uses_the_rate_limit(pending, smtp):  # noqa: F811
    settings = pending
    slots = []
    with core.open_store(settings) as store, SmtpSender(settings.smtp) as transport:
        transport.limiter.interval = 0.25  # what smtp.rate_per_second = 4 gives
        real_wait = transport.limiter.wait
        transport.limiter.wait = lambda: (real_wait(), slots.append(time.monotonic()))
        report = sending.invite(settings, store, transport, NOW)
    assert report.invited == 2 and len(slots) == 2 and slots[1] - slots[0] >= 0.24
