"""The subscribe form: address, optional name, sections and topics, consent; double opt-in.

A POST goes through, in order: the body's bounds, the origin check, the per-client rate
limit (every POST counts), the form token (signed, expiring, used once), the honeypot, the
fields. Bad fields give the form again with the problems named (400) and nothing stored.
A good sign-up always gets the same answer, whatever the store knew of the address: the
e-mail sent to it (newsfeed.web.mail) is what differs, and only its owner reads it. Over
the per-address limit nothing is stored or sent, and the answer is the same again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from newsfeed.store import subscribers as ledger
from newsfeed.times import to_stored
from newsfeed.web import mail
from newsfeed.web.choices import Choices, read_choices, read_email
from newsfeed.web.forms import FormError, check_origin, new_token, read_form, use_token
from newsfeed.web.pages import StartResponse

if TYPE_CHECKING:
    from newsfeed.web.center import Center

FORM = "daftar"
CONSENT = (
    "Saya ingin menerima ringkasan mingguan {site} lewat surel, dan setuju {site} menyimpan alamat surel, nama, serta "
    "pilihan rubrik dan topik saya untuk keperluan itu saja. Saya bisa berhenti dan meminta data saya dihapus kapan saja."
)


class SubscribePage:
    def __init__(self, center: Center):
        self.center = center
        self.settings = center.settings

    def consent_text(self) -> str:
        return CONSENT.format(site=self.settings.site.name)

    def __call__(self, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        if method != "POST":
            form = read_form(environ, "GET")
            return self.show(start_response, environ, "200 OK", Choices(), {}, form.get("cari")[:100])
        return self.post(environ, start_response)

    def show(self, start_response: StartResponse, environ: dict, status: str, values: Choices, errors: dict[str, str],
             query: str = "") -> list[bytes]:
        center = self.center
        catalogue = center.topics
        shown = catalogue.search(query) if query else catalogue.popular()
        by_slug = catalogue.by_slug()
        shown += [by_slug[s] for s in values.topics if s in by_slug and by_slug[s] not in shown]  # what was ticked stays
        base = center.base(environ)
        return center.render(
            start_response, status, "langganan.html", environ, "Berlangganan ringkasan mingguan",
            action=f"{base}/daftar", search_action=f"{base}/", form_token=new_token(center.secret(), FORM, center.clock()),
            values=values, errors=errors, sections=self.settings.sections, topics=shown, topic_names=catalogue.names(),
            topic_total=len(by_slug), query=query, consent_text=self.consent_text(),
        )

    def post(self, environ: dict, start_response: StartResponse) -> list[bytes]:
        center = self.center
        form = read_form(environ, "POST")
        check_origin(environ, center.public_host)
        now = center.clock()
        secret = center.secret()
        with center.store() as store:
            center.limit_client(store, environ, now)
            try:
                use_token(store, secret, form.get("ft"), FORM, now)
            except FormError as exc:  # show the form again, filled in, with a new token
                errors = {"formulir": exc.text}
                values = read_choices(form, self.settings, center.topics, {})
                values.email = form.get("surel")[:254]
                return self.show(start_response, environ, "400 Bad Request", values, errors)
            if form.bot:  # the honeypot: the usual answer, nothing stored or sent
                return self.done(start_response, environ)
            errors: dict[str, str] = {}
            email = read_email(form, errors)
            values = read_choices(form, self.settings, center.topics, errors)
            values.email = email or form.get("surel")[:254]
            if not values.consent:
                errors["setuju"] = "Centang persetujuan ini untuk berlangganan."
            if errors:
                ordered = {k: errors[k] for k in ("surel", "nama", "rubrik", "topik", "topik-lain", "setuju") if k in errors}
                return self.show(start_response, environ, "400 Bad Request", values, ordered)
            if not center.limit_mail(store, email, now):
                return self.done(start_response, environ)  # this address had its mails for now: nothing more
            consent = json.dumps({"at": to_stored(now), "via": "web form", "text": self.consent_text()}, ensure_ascii=False)
            before = ledger.request(store, email, values.name, values.sections, values.topics, consent, now)
            subscriber = ledger.get(store, email)
            if before in (None, "pending"):
                data = mail.confirmation(self.settings, secret, subscriber, now)
            elif before == "confirmed":
                data = mail.already_subscribed(self.settings, secret, subscriber, now)
            else:
                data = mail.resubscribe(self.settings, secret, subscriber, now)
            outcome = mail.deliver(self.settings, email, data)
            if outcome == "sent" and before in (None, "pending"):
                ledger.mark_invited(store, email, now)
            elif outcome == "bounced" and before in (None, "pending"):
                ledger.mark_bounced(store, email, now, "the confirmation e-mail bounced")
            elif outcome == "failed":
                return center.notice(start_response, "503 Service Unavailable", "Surel belum terkirim", [
                    "Surel konfirmasi belum bisa kami kirim saat ini. Silakan coba lagi beberapa saat lagi."], environ)
        return self.done(start_response, environ)

    def done(self, start_response: StartResponse, environ: dict) -> list[bytes]:
        return self.center.notice(start_response, "200 OK", "Periksa kotak masuk Anda", [
            "Terima kasih! Kami telah mengirim surel ke alamat yang Anda masukkan.",
            "Buka surel itu dan ikuti tautannya untuk mengaktifkan langganan. Tidak menemukannya? Periksa folder spam atau promosi.",
        ], environ, actions=[{"label": "Lihat arsip edisi", "url": self.center.context(environ, "")["archive_url"]}])
