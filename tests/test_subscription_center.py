"""The subscription center (issue 14 point 1) over real HTTP: the waitress server on 127.0.0.1,
aiosmtpd receiving the mail it sends at once, the store read back. Hostile input on every
form: refused cleanly, nothing stored that should not be, no address revealed."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urljoin
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from lxml import html as lxml_html

from centerfixture import (
    Answer, center, center_pages, form_action, form_token, link_in, request, subscribe, subscribe_fields,  # noqa: F401
)
from conftest import NOW
from newsfeed import core
from newsfeed.deliver import sending
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import make_form_token, preferences_url
from test_send import SECRET, smtp  # noqa: F401

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def post(center, target: str, fields, client: str = "127.0.0.1", **headers) -> Answer:
    return request(center, "POST", target, fields, client=client, headers={**SAME_ORIGIN, **headers})


def subscribers(center) -> list[ledger.Subscriber]:
    with core.open_store(center.settings) as store:
        return ledger.all_subscribers(store)


def send_week(center, week: str) -> sending.SendReport:
    with core.open_store(center.settings) as store, SmtpSender(center.settings.smtp) as transport:
        return sending.send_edition(center.settings, store, datetime.now(UTC), transport, week)


# subscribing: double opt-in ------------------------------------------------------------


def test_subscribe_mails_the_confirmation_at_once_and_its_link_confirms(center):
    shown = request(center, "GET", "/langganan")
    assert shown.status == 200 and shown.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="id">' in shown.text and "<script" not in shown.text
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"] and shown.headers["Cache-Control"] == "no-store"
    fields = subscribe_fields("Ani.Putri@Contoh.CO.ID", form_token(shown.text), nama="Ani Putri", rubrik=["dunia", "ekonomi"],
                              topik=["timnas-indonesia"])
    done = post(center, "/langganan/daftar", fields)
    assert done.status == 200 and "Periksa kotak masuk" in done.text
    assert "ani.putri" not in done.text.lower()  # the answer never names the address
    # stored pending, with the choices and the consent record (the text agreed to, when, how)
    found = center.subscriber("ani.putri@contoh.co.id")
    assert (found.status, found.name, found.sections, found.topics) == ("pending", "Ani Putri", ("dunia", "ekonomi"), ("timnas-indonesia",))
    consent = json.loads(found.consent)
    assert consent["via"] == "web form" and "setuju Kabar Uji menyimpan alamat surel" in consent["text"] and consent["at"].startswith("20")
    assert found.invited is not None
    # the confirmation mail arrived, one, while the reader waited
    assert center.smtp.per_recipient() == Counter({"ani.putri@contoh.co.id": 1})
    message = center.smtp.for_("ani.putri@contoh.co.id")[0]
    assert message["Subject"] == "Konfirmasi langganan ringkasan mingguan Kabar Uji"
    link = center.local(link_in(message, "/konfirmasi?token="))
    page = request(center, "GET", link)  # a mail scanner's GET confirms nothing
    assert page.status == 200 and "<form" in page.text and center.subscriber("ani.putri@contoh.co.id").status == "pending"
    confirmed = post(center, urljoin(link, form_action(page.text)), [])  # the page's button
    assert confirmed.status == 200 and "dikonfirmasi" in confirmed.text.lower()
    assert center.subscriber("ani.putri@contoh.co.id").status == "confirmed"


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(center):
    with core.open_store(center.settings) as store:
        ledger.add(store, "tunggu@contoh.co.id", "", ("dunia",), NOW)
        ledger.add(store, "aktif@contoh.co.id", "Aktif", ("dunia",), NOW, confirmed=True)
        ledger.add(store, "pergi@contoh.co.id", "", ("dunia",), NOW, confirmed=True)
        ledger.unsubscribe(store, "pergi@contoh.co.id", NOW)
    before = {s.email: s for s in subscribers(center)}
    bodies, statuses = set(), set()
    for n, address in enumerate(("baru@contoh.co.id", "tunggu@contoh.co.id", "aktif@contoh.co.id", "pergi@contoh.co.id")):
        answer = subscribe(center, address, client=f"127.0.0.{10 + n}", rubrik=["olahraga"])
        bodies.add(answer.body)
        statuses.add(answer.status)
        assert set(answer.headers.keys()) == set(subscribe(center, f"lain{n}@contoh.co.id", client=f"127.0.1.{n}").headers.keys())
    assert statuses == {200} and len(bodies) == 1  # byte for byte the same page
    # what differs is the mail, read only by the mailbox's owner
    subjects = {m["To"]: m["Subject"] for _r, m in center.smtp.messages}
    assert subjects["baru@contoh.co.id"].startswith("Konfirmasi") and subjects["tunggu@contoh.co.id"].startswith("Konfirmasi")
    assert subjects["aktif@contoh.co.id"] == "Anda sudah berlangganan ringkasan mingguan Kabar Uji"
    assert subjects["pergi@contoh.co.id"] == "Berlangganan lagi ringkasan mingguan Kabar Uji?"
    # typing an address changes no subscription: the confirmed one keeps its choices, the one that left stays out
    assert center.subscriber("aktif@contoh.co.id").sections == ("dunia",) == before["aktif@contoh.co.id"].sections
    assert center.subscriber("pergi@contoh.co.id").status == "unsubscribed"
    # the one that left comes back only through the link mailed to it
    link = center.local(link_in(center.smtp.for_("pergi@contoh.co.id")[0], "/aktifkan?token="))
    page = request(center, "GET", link)
    assert page.status == 200 and center.subscriber("pergi@contoh.co.id").status == "unsubscribed"
    back = post(center, form_action(page.text), [("ft", form_token(page.text))])
    assert back.status == 200 and "Selamat datang kembali" in back.text
    assert center.subscriber("pergi@contoh.co.id").status == "confirmed"
    assert center.subscriber("pergi@contoh.co.id").sections == ("olahraga",)  # the choices it signed up with again
    # a second press of the same form is refused; the subscription stays
    again = post(center, form_action(page.text), [("ft", form_token(page.text))])
    assert again.status == 400 and center.subscriber("pergi@contoh.co.id").status == "confirmed"
    # the already-subscribed mail carries working preferences and unsubscribe links
    prefs = center.local(link_in(center.smtp.for_("aktif@contoh.co.id")[0], "/preferensi?token="))
    assert request(center, "GET", prefs).status == 200
