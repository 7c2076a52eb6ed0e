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


# hostile input on the subscribe form ----------------------------------------------------

HOSTILE_ADDRESSES = [
    "", "   ", "bukan-alamat", "ani@", "@contoh.co.id", "ani@contoh", "ani@@contoh.co.id", "ani@contoh..co.id",
    "ani@contoh.co.id\r\nBcc: korban@lain.example", "ani@contoh.co.id\nTo: korban@lain.example", "ani\r\n@contoh.co.id",
    "ani@contoh.co.id, budi@contoh.co.id", "Ani <ani@contoh.co.id>; budi@lain.example", '"><script>alert(1)</script>@contoh.co.id',
    "ani@[127.0.0.1]", "ani@127.0.0.1", "a" * 65 + "@contoh.co.id", "ani@" + "a" * 250 + ".id", "ani\x00@contoh.co.id",
    "ani@contoh.co.id\x00budi@lain.example", "ani @contoh.co.id", "ani@-contoh.co.id", "ani@contoh.co.id%0d%0abcc:x@y.id",
    "ané@contoh.co.id", "ani@contoh.co.id\u202e", "../../etc/passwd",
]


def test_hostile_addresses_are_refused_with_the_form_and_nothing_stored(center):
    for n, address in enumerate(HOSTILE_ADDRESSES):
        answer = subscribe(center, address, nama="Ani", client=f"127.0.3.{n}")
        assert answer.status == 400 and "Periksa isian Anda" in answer.text, address
        assert 'id="surel-salah"' in answer.text and 'aria-invalid="true" aria-describedby="surel-salah"' in answer.text, address
        assert "<script>" not in answer.text, address  # what was typed comes back escaped
    assert subscribers(center) == [] and center.smtp.messages == []


def test_a_name_with_line_breaks_and_controls_reaches_no_header(center):
    hostile = "Ani\r\nBcc: korban@lain.example\r\n\r\n<b>x</b>\x1b[31m\u202e"
    assert subscribe(center, "ani@contoh.co.id", nama=hostile).status == 200
    stored = center.subscriber("ani@contoh.co.id").name
    assert stored == "Ani Bcc: korban@lain.example <b>x</b>"
    assert center.smtp.per_recipient() == Counter({"ani@contoh.co.id": 1})  # nobody else got it
    message = center.smtp.for_("ani@contoh.co.id")[0]
    assert message["Bcc"] is None and message["To"] == "ani@contoh.co.id"
    assert "<b>x</b>" not in message.get_body(("html",)).get_content()  # escaped in the HTML part


@pytest.mark.parametrize("case", ["big-body", "long-field", "long-name", "many-fields", "not-utf8", "raw-bytes", "multipart",
                                  "unknown-section", "unknown-topic", "no-consent", "unknown-typed-topic"])
def test_malformed_forms_are_refused_and_nothing_stored(center, case):
    shown = request(center, "GET", "/langganan/")
    token = form_token(shown.text)
    good = subscribe_fields("ani@contoh.co.id", token)
    headers = {}
    fields, raw = good, None
    if case == "big-body":
        fields = good + [("nama", "x" * 20_000)]
    elif case == "long-field":
        fields = good + [("topik_lain", "x" * 2001)]
    elif case == "long-name":
        fields = subscribe_fields("ani@contoh.co.id", token, nama="N" * 201)
    elif case == "many-fields":
        fields = good + [("topik", "x")] * 250
    elif case == "not-utf8":
        raw = b"ft=" + token.encode() + b"&surel=ani%40contoh.co.id&setuju=ya&nama=%ff%fe"
    elif case == "raw-bytes":
        raw = b"ft=" + token.encode() + b"&surel=ani@contoh.co.id&setuju=ya&nama=\xc3\xa9"
    elif case == "multipart":
        raw, headers = b"--x\r\nContent-Disposition: form-data; name=\"surel\"\r\n\r\nani@contoh.co.id\r\n--x--\r\n", {
            "Content-Type": "multipart/form-data; boundary=x"}
    elif case == "unknown-section":
        fields = subscribe_fields("ani@contoh.co.id", token, rubrik=["dunia", "rahasia"])
    elif case == "unknown-topic":
        fields = subscribe_fields("ani@contoh.co.id", token, topik=["korea-utara", "tidak-ada"])
    elif case == "no-consent":
        fields = subscribe_fields("ani@contoh.co.id", token, setuju=False)
    elif case == "unknown-typed-topic":
        fields = subscribe_fields("ani@contoh.co.id", token, topik_lain="Korea Utara, <i>Atlantis</i>")
    answer = request(center, "POST", "/langganan/daftar", fields if raw is None else None, raw=raw,
                     headers={**SAME_ORIGIN, **headers})
    expected = {"big-body": 413, "long-field": 413, "many-fields": 400, "not-utf8": 400, "raw-bytes": 400, "multipart": 415}
    assert answer.status == expected.get(case, 400), answer.text[:500]
    assert "<i>" not in answer.text
    assert subscribers(center) == [] and center.smtp.messages == []
    if case == "no-consent":
        assert 'id="setuju-salah"' in answer.text
    if case == "unknown-typed-topic":
        assert "Topik tidak ditemukan: &lt;i&gt;Atlantis&lt;/i&gt;" in answer.text
        assert 'value="Korea Utara, &lt;i&gt;Atlantis&lt;/i&gt;"' in answer.text  # kept to be corrected


def test_a_body_over_the_server_cap_is_refused_by_waitress(center):
    answer = request(center, "POST", "/langganan/daftar", raw=b"surel=" + b"a" * 70_000, headers=SAME_ORIGIN)
    assert answer.status == 413 and subscribers(center) == []


def test_topics_typed_by_name_are_followed(center):
    answer = subscribe(center, "ani@contoh.co.id", topik=["rupiah", "rupiah"], topik_lain="korea utara ,  RUPIAH")
    assert answer.status == 200
    assert center.subscriber("ani@contoh.co.id").topics == ("korea-utara", "rupiah")  # each once


# form tokens: replayed, forged, expired, for another form --------------------------------


def test_a_replayed_form_is_refused_and_sends_nothing_more(center):
    shown = request(center, "GET", "/langganan/")
    fields = subscribe_fields("ani@contoh.co.id", form_token(shown.text))
    assert post(center, "/langganan/daftar", fields).status == 200
    replay = post(center, "/langganan/daftar", fields)
    assert replay.status == 400 and "sudah pernah dikirim" in replay.text
    fresh = form_token(replay.text)  # the form comes back with a new token, filled in
    assert fresh != fields[0][1] and 'value="ani@contoh.co.id"' in replay.text
    assert len(center.smtp.messages) == 1
    assert len(center.rows("form_nonces")) == 1  # the nonce, nothing else of the form


@pytest.mark.parametrize("kind", ["forged", "altered", "expired", "other-form", "bound", "empty", "garbage", "huge"])
def test_forged_and_stale_form_tokens_are_refused(center, kind):
    now = datetime.now(UTC)
    good = form_token(request(center, "GET", "/langganan/").text)
    token = {
        "forged": make_form_token(b"rahasia-lain-yang-juga-cukup-panjang", "daftar", now),
        "altered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "expired": make_form_token(SECRET.encode(), "daftar", now - timedelta(hours=3)),
        "other-form": make_form_token(SECRET.encode(), "data", now),
        "bound": make_form_token(SECRET.encode(), "daftar", now, bound="ani@contoh.co.id"),
        "empty": "",
        "garbage": "../../\r\n<script>",
        "huge": "A" * 1999,
    }[kind]
    answer = post(center, "/langganan/daftar", subscribe_fields("ani@contoh.co.id", token))
    assert answer.status == 400 and ("tidak berlaku" in answer.text or "terlalu lama terbuka" in answer.text)
    assert subscribers(center) == [] and center.smtp.messages == [] and center.rows("form_nonces") == []


@pytest.mark.parametrize("headers", [{"Origin": "https://jahat.example"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site", "Origin": "https://kabaruji.example.jahat.example"},
                                     {"Origin": "http://127.0.0.1.jahat.example"}])
def test_a_form_posted_from_another_site_is_refused(center, headers):
    shown = request(center, "GET", "/langganan/")
    answer = request(center, "POST", "/langganan/daftar", subscribe_fields("ani@contoh.co.id", form_token(shown.text)), headers=headers)
    assert answer.status == 403 and subscribers(center) == [] and center.smtp.messages == []


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin", "Origin": "null"},  # Chromium under no-referrer
                                     {"Origin": "https://kabaruji.example"}, {}])
def test_a_form_from_our_own_page_is_taken(center, headers):
    shown = request(center, "GET", "/langganan/")
    answer = request(center, "POST", "/langganan/daftar", subscribe_fields("ani@contoh.co.id", form_token(shown.text)), headers=headers)
    assert answer.status == 200 and center.subscriber("ani@contoh.co.id") is not None


def test_the_honeypot_gets_the_usual_answer_and_nothing_is_stored_or_sent(center):
    real = subscribe(center, "ani@contoh.co.id")
    bot = subscribe(center, "bot@contoh.co.id", situs="https://spam.example")
    assert (bot.status, bot.body) == (real.status, real.body)
    assert center.subscriber("bot@contoh.co.id") is None and center.smtp.per_recipient() == Counter({"ani@contoh.co.id": 1})


# rate limits -------------------------------------------------------------------------


def test_a_hundred_subscribe_requests_from_one_client(center):
    tokens = [form_token(request(center, "GET", "/langganan/").text) for _ in range(100)]  # showing the form is not limited
    answers = [post(center, "/langganan/daftar", subscribe_fields(f"pembaca{n}@contoh.co.id", t)) for n, t in enumerate(tokens)]
    codes = Counter(a.status for a in answers)
    assert codes == Counter({200: 10, 429: 90})
    assert all(a.status == 200 for a in answers[:10])
    refused = answers[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 600 and "Terlalu banyak permintaan" in refused.text
    assert "pembaca99" not in refused.text
    assert len(subscribers(center)) == 10 and len(center.smtp.messages) == 10
    # the counters are keyed hashes: neither the client nor an address is in the table
    dump = repr(center.rows("web_limits"))
    assert "127.0.0.1" not in dump and "pembaca" not in dump
    # another client is not held back by this one
    assert subscribe(center, "lain@contoh.co.id", client="127.0.0.2").status == 200


def test_one_address_gets_a_few_mails_whoever_asks(center):
    answers = [subscribe(center, "ani@contoh.co.id", client=f"127.0.2.{n}") for n in range(6)]
    assert {a.status for a in answers} == {200} and len({a.body for a in answers}) == 1  # the answer never says
    assert center.smtp.per_recipient() == Counter({"ani@contoh.co.id": 3})  # ADDRESS_LIMITS: 3 an hour


def test_limits_hold_across_processes_sharing_the_store(center):
    """A second server process (`newsfeed serve`) on the same store, as several WSGI processes
    would be: one client's POSTs to both add up to the one limit."""
    import os
    import subprocess
    import sys

    from centerfixture import Center

    cli = [sys.executable, "-c", "import sys; from newsfeed.cli import main; sys.exit(main())"]
    other = subprocess.Popen([*cli, "serve", "--port", "0", "--config", str(center.settings.path)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env={**os.environ, "NEWSFEED_SECRET": SECRET})
    try:
        line = other.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line)[1])
        second = Center(center.settings, f"http://127.0.0.1:{port}", port, center.smtp)
        codes = [subscribe(center if n % 2 else second, f"p{n}@contoh.co.id").status for n in range(12)]
        assert codes == [200] * 10 + [429, 429]
        assert len(center.smtp.messages) == 10  # the other process mailed its half through the same [smtp]
    finally:
        other.terminate()
        other.wait(10)


# the topic filter ----------------------------------------------------------------------


def test_topics_are_searched_by_name_with_a_get_filter(center):
    found = request(center, "GET", "/langganan/?cari=korea")
    names = lxml_html.fromstring(found.body).xpath('//input[@name="topik"]/@value')
    assert found.status == 200 and names == ["korea-utara"] and "1 topik cocok" in found.text
    assert lxml_html.fromstring(request(center, "GET", "/langganan/?cari=INDONESIA").body).xpath('//input[@name="topik"]/@value') == [
        "timnas-indonesia"]
    hostile = request(center, "GET", "/langganan/?cari=%3Cscript%3E%22%0d%0a")
    assert hostile.status == 200 and "<script>" not in hostile.text and "0 topik cocok" in hostile.text
    every = lxml_html.fromstring(request(center, "GET", "/langganan/").body)
    assert every.xpath('//input[@name="topik"]/@value') == ["korea-utara", "rupiah", "timnas-indonesia"]
    assert every.xpath("//datalist/option/@value") == ["Korea Utara", "Rupiah", "Timnas Indonesia"]


# preferences by the digest's signed link -------------------------------------------------


def _confirmed(center, address="ani@contoh.co.id", sections=("dunia",), topics=()) -> ledger.Subscriber:
    with core.open_store(center.settings) as store:
        ledger.add(store, address, "Ani", sections, NOW, confirmed=True, topics=topics)
        return ledger.get(store, address)


def _story_sections(message) -> set[str]:
    text = message.get_body(("plain",)).get_content()
    return {name for _slug, name, _topic in (("dunia", "Dunia", ""), ("ekonomi", "Ekonomi", ""), ("olahraga", "Olahraga", ""))
            if f"Kabar {name} " in text}


def test_the_preferences_link_of_a_sent_digest_changes_what_the_next_send_sends(center):
    _confirmed(center, sections=("dunia",))
    report = send_week(center, "2024-W42")
    assert report.sent == 1
    first = center.smtp.for_("ani@contoh.co.id")[0]
    assert _story_sections(first) == {"Dunia"}
    link = center.local(link_in(first, "/preferensi?token="))
    page = request(center, "GET", link)
    assert page.status == 200 and "ani@contoh.co.id" in page.text
    tree = lxml_html.fromstring(page.body)
    assert tree.xpath('//input[@name="rubrik"][@checked]/@value') == ["dunia"]
    fields = [("ft", form_token(page.text)), ("aksi", "simpan"), ("nama", "Ani P."), ("rubrik", "ekonomi"), ("topik", "timnas-indonesia"),
              ("jeda", "")]
    saved = post(center, form_action(page.text), fields)
    assert saved.status == 200 and "Preferensi Anda tersimpan" in saved.text
    found = center.subscriber("ani@contoh.co.id")
    assert (found.name, found.sections, found.topics, found.status) == ("Ani P.", ("ekonomi",), ("timnas-indonesia",), "confirmed")
    assert post(center, form_action(page.text), fields).status == 400  # the same form twice: refused
    send_week(center, "2024-W43")
    second = center.smtp.for_("ani@contoh.co.id")[1]
    assert _story_sections(second) == {"Ekonomi", "Olahraga"}  # its section, and its topic's stories from any section
    assert "Halo, Ani P.," in second.get_body(("plain",)).get_content()


def test_pause_and_unsubscribe_from_the_preferences_page_and_come_back(center):
    found = _confirmed(center)
    link = center.local(preferences_url(center.settings, SECRET.encode(), found.id, found.email))
    page = request(center, "GET", link)
    options = lxml_html.fromstring(page.body).xpath('//select[@name="jeda"]/option/@value')
    assert options == ["", "2", "4", "13", "selamanya"]
    paused = post(center, form_action(page.text), [("ft", form_token(page.text)), ("aksi", "simpan"), ("rubrik", "dunia"), ("jeda", "4")])
    assert paused.status == 200 and "dijeda sampai" in paused.text
    assert center.subscriber(found.email).paused(datetime.now(UTC) + timedelta(weeks=3))
    assert send_week(center, "2024-W42").sent == 0 and center.smtp.messages == []  # a paused address gets nothing
    kept = request(center, "GET", link)  # the pause is shown, and kept when saving other things
    assert lxml_html.fromstring(kept.body).xpath('//select[@name="jeda"]/option[@selected]/@value') == ["tetap"]
    post(center, form_action(kept.text), [("ft", form_token(kept.text)), ("aksi", "simpan"), ("rubrik", "ekonomi"), ("jeda", "tetap")])
    assert center.subscriber(found.email).paused_until == found_pause(center, found.email)
    assert center.subscriber(found.email).sections == ("ekonomi",)
    bad = request(center, "GET", link)
    assert post(center, form_action(bad.text), [("ft", form_token(bad.text)), ("aksi", "simpan"), ("jeda", "99")]).status == 400
    # unsubscribe, then undo it at once
    page = request(center, "GET", link)
    gone = post(center, form_action(page.text, 1), [("ft", form_token(page.text, 1)), ("aksi", "berhenti")])
    assert gone.status == 200 and "Anda telah berhenti berlangganan" in gone.text
    assert center.subscriber(found.email).status == "unsubscribed"
    undo_action, undo_token = form_action(gone.text), form_token(gone.text)
    back = post(center, undo_action, [("ft", undo_token)])
    assert back.status == 200 and center.subscriber(found.email).status == "confirmed"
    assert center.subscriber(found.email).sections == ("ekonomi",)  # as chosen before leaving
    # the undo form of one unsubscribe never undoes a later one
    page = request(center, "GET", link)
    post(center, form_action(page.text, 1), [("ft", form_token(page.text, 1)), ("aksi", "berhenti")])
    stale = post(center, undo_action, [("ft", undo_token)])
    assert stale.status == 400 and center.subscriber(found.email).status == "unsubscribed"
    # the preferences link of an address that left offers to come back
    left = request(center, "GET", link)
    assert left.status == 200 and "Anda tidak berlangganan" in left.text and "Berlangganan lagi" in left.text


def found_pause(center, address):
    return center.subscriber(address).paused_until


@pytest.mark.parametrize("kind", ["forged", "other-id", "erased", "confirm-token", "empty"])
def test_a_bad_preferences_link_shows_and_changes_nothing(center, kind):
    found = _confirmed(center)
    from newsfeed.tokens import PREFERENCES, confirm_url, make_token

    url = {
        "forged": f"/langganan/preferensi?token={make_token(b'rahasia-lain-yang-juga-cukup-panjang', PREFERENCES, f'{found.id}:{found.email}')}",
        "other-id": f"/langganan/preferensi?token={make_token(SECRET.encode(), PREFERENCES, f'{found.id + 1}:{found.email}')}",
        "erased": center.local(preferences_url(center.settings, SECRET.encode(), found.id, found.email)),
        "confirm-token": "/langganan/preferensi?token=" + confirm_url(center.settings, SECRET.encode(), found.email, NOW).split("token=")[1],
        "empty": "/langganan/preferensi",
    }[kind]
    if kind == "erased":  # erased, then signed up again: the old link is dead (a new id)
        with core.open_store(center.settings) as store:
            ledger.remove(store, found.email, forget=True)
            ledger.add(store, found.email, "", ("dunia",), NOW, confirmed=True)
    answer = request(center, "GET", url)
    assert answer.status in (400, 404) and "ani@contoh.co.id" not in answer.text and "<form" not in answer.text
    posted = post(center, url, [("ft", "x"), ("aksi", "berhenti")])
    assert posted.status in (400, 404) and center.subscriber(found.email).status == "confirmed"


# data export and erasure -------------------------------------------------------------------


def test_data_export_and_erasure_by_a_mailed_link(center):
    _confirmed(center, topics=("rupiah",))
    send_week(center, "2024-W42")
    center.smtp.messages.clear()
    ask = request(center, "GET", "/langganan/data")
    known = post(center, "/langganan/data", [("ft", form_token(ask.text)), ("surel", "ANI@contoh.co.id"), ("situs", "")])
    ask = request(center, "GET", "/langganan/data")
    unknown = post(center, "/langganan/data", [("ft", form_token(ask.text)), ("surel", "siapa@contoh.co.id"), ("situs", "")])
    assert known.status == unknown.status == 200 and known.body == unknown.body  # the same answer
    assert center.smtp.per_recipient() == Counter({"ani@contoh.co.id": 1})  # a link only where there is data
    link = center.local(link_in(center.smtp.for_("ani@contoh.co.id")[0], "/data/kelola?token="))
    page = request(center, "GET", link)
    assert page.status == 200 and "ani@contoh.co.id" in page.text
    download = post(center, form_action(page.text, 0), [("ft", form_token(page.text, 0)), ("aksi", "unduh")])
    assert download.status == 200 and download.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.body)
    assert data["email"] == "ani@contoh.co.id" and data["topics"] == ["rupiah"] and data["status"] == "confirmed"
    assert [d["edition"] for d in data["deliveries"]] == ["2024-W42"]
    # the erase button needs the box ticked, and a download token cannot erase
    assert post(center, form_action(page.text, 1), [("ft", form_token(page.text, 1)), ("aksi", "hapus")]).status == 400
    assert post(center, form_action(page.text, 1), [("ft", form_token(page.text, 0)), ("aksi", "hapus"), ("yakin", "ya")]).status == 400
    assert center.subscriber("ani@contoh.co.id") is not None
    page = request(center, "GET", link)
    erased = post(center, form_action(page.text, 1), [("ft", form_token(page.text, 1)), ("aksi", "hapus"), ("yakin", "ya")])
    assert erased.status == 200 and "telah dihapus" in erased.text
    with core.open_store(center.settings) as store:
        assert ledger.get(store, "ani@contoh.co.id") is None and ledger.deliveries_of(store, "ani@contoh.co.id") == []
        assert store.query("SELECT count(*) FROM subscribers WHERE email LIKE '%ani%'")[0][0] == 0
    assert "Tidak ada data" in request(center, "GET", link).text


def test_bad_data_links_and_forms(center):
    _confirmed(center)
    from newsfeed.tokens import DATA, make_token

    expired = make_token(SECRET.encode(), DATA, "ani@contoh.co.id", datetime.now(UTC) - timedelta(seconds=1))
    forged = make_token(b"rahasia-lain-yang-juga-cukup-panjang", DATA, "ani@contoh.co.id", datetime.now(UTC) + timedelta(hours=1))
    for token in (expired, forged, "", "x.y.z"):
        answer = request(center, "GET", f"/langganan/data/kelola?token={token}")
        assert answer.status == 400 and "ani@" not in answer.text
        assert post(center, f"/langganan/data/kelola?token={token}", [("aksi", "hapus"), ("yakin", "ya")]).status == 400
    ask = request(center, "GET", "/langganan/data")
    assert post(center, "/langganan/data", [("ft", form_token(ask.text)), ("surel", "ani@contoh.co.id\r\nBcc: x@y.id")]).status == 400
    ask = request(center, "GET", "/langganan/data")
    bot = post(center, "/langganan/data", [("ft", form_token(ask.text)), ("surel", "ani@contoh.co.id"), ("situs", "x")])
    assert bot.status == 200 and center.smtp.messages == [] and center.subscriber("ani@contoh.co.id") is not None


# logs, links, pages ----------------------------------------------------------------------


def test_tokens_never_reach_the_access_log(center, caplog):
    caplog.set_level(logging.INFO, logger="newsfeed.access")
    found = _confirmed(center)
    link = center.local(preferences_url(center.settings, SECRET.encode(), found.id, found.email))
    token = link.split("token=")[1]
    page = request(center, "GET", link + "&cari=rup")
    post(center, form_action(page.text), [("ft", form_token(page.text)), ("aksi", "simpan"), ("rubrik", "dunia")])
    subscribe(center, "budi@contoh.co.id")
    confirm = center.local(link_in(center.smtp.for_("budi@contoh.co.id")[0], "/konfirmasi?token="))
    request(center, "GET", confirm)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "newsfeed.access")
    assert "/langganan/preferensi?token=" in logged and "/langganan/konfirmasi?token=" in logged
    for secret_part in (token, token[6:30], confirm.split("token=")[1][6:30], form_token(page.text)):
        assert secret_part not in logged
    assert "budi@contoh.co.id" not in logged and "ani@contoh.co.id" not in logged


def test_the_archive_and_the_web_copy_link_to_the_subscribe_page(center):
    from newsfeed import editions

    with core.open_store(center.settings) as store:
        editions.publish_edition(center.settings, store, editions.select_week(center.settings, store, datetime.now(UTC), "2024-W42"))
    subscribe_url = center.settings.newsletter.endpoint_url
    assert subscribe_url == "https://kabaruji.example/langganan"
    for path in ("/feeds/edisi/", "/feeds/edisi/2024-W42/"):
        page = request(center, "GET", path)
        assert page.status == 200, path
        links = lxml_html.fromstring(page.body).xpath("//a")
        assert any(a.get("href") == subscribe_url and "Berlangganan" in a.text_content() for a in links), path
        assert not any("preferensi" in (a.get("href") or "") or "berhenti" in (a.get("href") or "") for a in links), path
    # and that address is the subscribe page, served by the same app
    answer = request(center, "GET", center.local(subscribe_url))
    assert answer.status == 200 and 'action="/langganan/daftar"' in answer.text
    head = request(center, "HEAD", "/langganan")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) == len(answer.body)  # a fresh form token, of the same length


PAGES = ["/langganan/", "/langganan/data", "PREFS", "/langganan/?cari=rupiah"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_accessible_without_javascript(center, path):
    if path == "PREFS":
        found = _confirmed(center)
        path = center.local(preferences_url(center.settings, SECRET.encode(), found.id, found.email))
    answer = request(center, "GET", path)
    tree = lxml_html.fromstring(answer.body)
    assert tree.get("lang") == "id" and tree.xpath("//title") and tree.xpath("//h1")
    assert not tree.xpath("//script") and not tree.xpath("//@*[starts-with(name(), 'on')]")  # no script, no handlers
    labelled = {label.get("for") for label in tree.xpath("//label[@for]")}
    for control in tree.xpath("//input[not(@type='hidden')] | //select | //textarea"):
        inside_label = bool(control.xpath("ancestor::label"))
        assert inside_label or control.get("id") in labelled, lxml_html.tostring(control)
    for form in tree.xpath("//form[@method='post']"):
        assert form.xpath(".//input[@name='ft']") or "konfirmasi" in form.get("action"), lxml_html.tostring(form)[:200]
        assert form.xpath(".//button[@type='submit']")
    assert ":focus-visible" in answer.text  # a visible focus ring on every control
    honeypot = tree.xpath("//input[@name='situs']")
    for field in honeypot:
        assert field.get("tabindex") == "-1" and field.xpath("ancestor::div[@aria-hidden='true']")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_text_colours_keep_wcag_aa_contrast():
    from newsfeed.render.templates import PACKAGED

    css = (PACKAGED / "langganan-dasar.html").read_text(encoding="utf-8")
    pairs = [("#1f2328", "#ffffff"), ("#57606a", "#ffffff"), ("#57606a", "#f6f8fa"), ("#b3261e", "#ffffff"), ("#ffffff", "#b3261e"),
             ("#0b5cad", "#ffffff"), ("#b3261e", "#fff5f5"), ("#1f2328", "#f0fff4")]
    for fg, bg in pairs:
        assert fg in css and bg in css
        light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (fg, bg)


# any input at all --------------------------------------------------------------------------

_clients = iter(f"127.{a}.{b}.{c}" for a in range(10, 250) for b in range(256) for c in range(1, 255))


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=st.text(max_size=80), name=st.text(max_size=250), topics=st.lists(st.text(max_size=30), max_size=4),
       sections=st.lists(st.sampled_from(["dunia", "ekonomi", "x", ""]), max_size=3))
def test_any_input_is_stored_valid_or_refused(center, address, name, topics, sections):
    answer = subscribe(center, address, client=next(_clients), nama=name, rubrik=sections, topik=topics)
    assert answer.status in (200, 400, 413), answer.status
    from newsfeed.subscribers import AddressError, normalise_email

    for found in subscribers(center):  # whatever got in is a clean address with known choices
        assert normalise_email(found.email) == found.email and len(found.name) <= 200
        assert set(found.sections) <= {"dunia", "ekonomi"} and set(found.topics) <= {"korea-utara", "rupiah", "timnas-indonesia"}
        assert found.name == ledger.clean_name(found.name)
    if answer.status == 200:
        try:
            stored = normalise_email(address)
        except AddressError:
            pytest.fail(f"accepted {address!r}")
        assert center.subscriber(stored) is not None


def test_no_smtp_server_answers_at_once_and_invite_sends_later(make_site, monkeypatch, smtp):  # noqa: F811
    """The configured SMTP server is down: the reader hears so within seconds; the sign-up is
    kept uninvited, so `newsfeed subscribers invite` mails it once the server is back."""
    import socket
    import threading
    import time

    from centerfixture import Center
    from newsfeed.deliver.server import make_http_server

    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    settings = make_site(center_pages(), extra_config=f'[smtp]\nhost = "127.0.0.1"\nport = {dead}\n')
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    server = make_http_server(settings, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        served = Center(settings, f"http://127.0.0.1:{server.server_port}", server.server_port, smtp)
        started = time.monotonic()
        answer = subscribe(served, "ani@contoh.co.id")
        assert time.monotonic() - started < 5
        assert answer.status == 503 and "belum bisa kami kirim" in answer.text and "ani@" not in answer.text
        found = served.subscriber("ani@contoh.co.id")
        assert found.status == "pending" and found.invited is None
    finally:
        server.shutdown()
        server.server_close()
    with core.open_store(settings) as store:
        assert [s.email for s in ledger.to_invite(store)] == ["ani@contoh.co.id"]


def test_one_click_unsubscribe_stays_and_its_page_offers_to_come_back(center):
    from newsfeed.tokens import unsubscribe_url

    found = _confirmed(center, sections=("olahraga",))
    url = center.local(unsubscribe_url(center.settings, SECRET.encode(), found.email))
    # RFC 8058: a mail client's POST, no cookie, no form token, no Origin: unsubscribed at once
    answer = request(center, "POST", url, raw=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200 and center.subscriber(found.email).status == "unsubscribed"
    assert "Berlangganan lagi" in answer.text and "Set-Cookie" not in answer.headers
    back = post(center, form_action(answer.text), [("ft", form_token(answer.text))])
    assert back.status == 200 and center.subscriber(found.email).status == "confirmed"
    assert center.subscriber(found.email).sections == ("olahraga",)
    assert post(center, form_action(answer.text), [("ft", form_token(answer.text))]).status in (200, 400)  # once only
    assert center.subscriber(found.email).status == "confirmed"
    # a second one-click from the same old digest unsubscribes again, whatever happened before
    request(center, "POST", url, raw=b"List-Unsubscribe=One-Click")
    assert center.subscriber(found.email).status == "unsubscribed"


def test_the_confirmed_page_leads_to_the_preferences(center):
    subscribe(center, "ani@contoh.co.id", rubrik=["dunia"])
    link = center.local(link_in(center.smtp.for_("ani@contoh.co.id")[0], "/konfirmasi?token="))
    page = request(center, "GET", link)
    done = post(center, form_action(page.text), [])
    assert done.status == 200 and center.subscriber("ani@contoh.co.id").status == "confirmed"
    prefs = html_link(done.text, "Atur rubrik dan topik")
    shown = request(center, "GET", prefs)
    assert shown.status == 200 and "ani@contoh.co.id" in shown.text and "Atur langganan" in shown.text


def html_link(text: str, label: str) -> str:
    return next(a.get("href") for a in lxml_html.fromstring(text).xpath("//a") if a.text_content().strip() == label)


def test_behind_a_trusted_proxy_each_reader_has_its_own_limit_and_nobody_can_spoof_one(center):
    import threading

    from centerfixture import Center
    from newsfeed.deliver.server import make_http_server

    # no trusted proxy (the fixture's server): X-Forwarded-For is ignored, the limit holds
    codes = [subscribe_via(center, f"s{n}@contoh.co.id", {"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(11)]
    assert codes == [200] * 10 + [429]
    # behind nginx on 127.0.0.1: the proxy's header names the reader
    proxied = make_http_server(center.settings, "127.0.0.1", 0, trusted_proxy="127.0.0.1")
    threading.Thread(target=proxied.serve_forever, daemon=True).start()
    try:
        behind = Center(center.settings, f"http://127.0.0.1:{proxied.server_port}", proxied.server_port, center.smtp)
        readers = [subscribe_via(behind, f"r{n}@contoh.co.id", {"X-Forwarded-For": f"198.51.100.{n}"}, client="127.0.0.1") for n in range(12)]
        assert readers == [200] * 12  # twelve readers through one proxy
        one = [subscribe_via(behind, f"o{n}@contoh.co.id", {"X-Forwarded-For": "198.51.100.200"}) for n in range(11)]
        assert one == [200] * 10 + [429]  # one reader through it is still limited
    finally:
        proxied.shutdown()
        proxied.server_close()


def subscribe_via(center, address: str, headers: dict, client: str = "127.0.0.1") -> int:
    shown = request(center, "GET", "/langganan/", client=client, headers=headers)
    return request(center, "POST", "/langganan/daftar", subscribe_fields(address, form_token(shown.text)), client=client,
                   headers={**SAME_ORIGIN, **headers}).status
