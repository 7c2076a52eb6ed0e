"""The preferences page of every digest (its signed link), unsubscribe and re-subscribe.

- GET  /preferensi?token=P[&cari=...]  the subscriber's name, sections, topics and pause
- POST /preferensi?token=P             aksi=simpan saves them (the next send reads them);
                                       aksi=berhenti unsubscribes now, and the answer
                                       offers to undo it
- POST /berlangganan-lagi?token=P      that undo (or coming back later through an old
                                       digest's link): confirmed again
- GET/POST /aktifkan?token=R           the link mailed to an address that left and signed
                                       up again (tokens.RESUBSCRIBE, 7 days)
P (tokens.PREFERENCES) names the subscriber's id and address and never expires, as every
link of a digest keeps working, but it dies with the row: an erased address that signs up
again has a new id. Every POST also carries a form token made for that subscriber (and,
for coming back, for the unsubscribe it undoes), accepted once. GET changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import format_date

from newsfeed.store import subscribers as ledger
from newsfeed.times import from_stored, to_stored
from newsfeed.tokens import (
    PREFERENCES, RESUBSCRIBE, RESUBSCRIBE_DAYS, TokenError, parse_preferences_subject, preferences_url, token_expiry,
    unsubscribe_url, verify_token,
)
from newsfeed.web.choices import Choices, read_choices
from newsfeed.web.forms import FormError, check_origin, new_token, read_form, use_token
from newsfeed.web.pages import StartResponse

if TYPE_CHECKING:
    from newsfeed.web.center import Center

FORM = "preferensi"
BACK = "kembali"
REACTIVATE = "aktifkan"
KEEP = "tetap"
FOREVER = "selamanya"
PAUSES = (("", "Kirim setiap pekan"), ("2", "Jeda 2 pekan"), ("4", "Jeda 4 pekan"), ("13", "Jeda 3 bulan"),
          (FOREVER, "Jeda sampai saya mengaktifkannya lagi"))


def _bad_link() -> FormError:
    return FormError("400 Bad Request", "Tautan tidak berlaku",
                     "Tautan ini tidak berlaku. Buka tautan \u201cAtur langganan\u201d dari ringkasan terbaru yang Anda terima.")


class PreferencePages:
    def __init__(self, center: Center):
        self.center = center
        self.settings = center.settings

    def __call__(self, route: str, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        query = read_form(environ, "GET")
        if route == "/aktifkan":
            return self.reactivate(method, environ, start_response, query.get("token"))
        token = query.get("token")
        subscriber = self.subscriber(token)
        if method != "POST":
            if route != "/preferensi":
                return self.center.notice(start_response, "405 Method Not Allowed", "Gunakan tombol", [
                    "Halaman ini hanya menerima tombol dari halaman preferensi."], environ, headers=[("Allow", "POST")])
            return self.show(start_response, environ, "200 OK", subscriber, token, query=query.get("cari")[:100])
        form = read_form(environ, "POST")
        check_origin(environ, self.center.public_host)
        if route == "/berlangganan-lagi":
            return self.come_back(environ, start_response, subscriber, token, form)
        return self.change(environ, start_response, subscriber, token, form)

    # the subscriber behind a link ------------------------------------------------------

    def subscriber(self, token: str) -> ledger.Subscriber:
        try:
            ident, email = parse_preferences_subject(verify_token(self.center.secret(), token, PREFERENCES, self.center.clock()))
        except TokenError:
            raise _bad_link() from None
        with self.center.store() as store:
            found = ledger.get_by_id(store, ident)
        if found is None or found.email != email:  # erased since the link was made
            raise FormError("404 Not Found", "Data tidak ditemukan",
                            "Kami tidak menyimpan data untuk tautan ini lagi. Anda bisa berlangganan kembali kapan saja.")
        return found

    def _action(self, environ: dict, route: str, token: str) -> str:
        return f"{self.center.base(environ)}{route}?token={quote(token, safe='')}"

    # the page --------------------------------------------------------------------------

    def show(self, start_response: StartResponse, environ: dict, status: str, subscriber: ledger.Subscriber, token: str,
             values: Choices | None = None, errors: dict[str, str] | None = None, query: str = "", saved: bool = False) -> list[bytes]:
        center = self.center
        now = center.clock()
        if subscriber.status in ("unsubscribed", "bounced"):
            return self.left(start_response, environ, "200 OK", subscriber, token)
        paused = subscriber.paused(now)
        if values is None:
            values = Choices(name=subscriber.name, sections=list(subscriber.sections), topics=list(subscriber.topics),
                             pause=KEEP if paused else "")
        pauses = list(PAUSES)
        if paused:
            pauses.insert(0, (KEEP, f"Tetap dijeda {self._until(subscriber.paused_until)}"))
        catalogue = center.topics
        shown = catalogue.search(query) if query else catalogue.popular()
        by_slug = catalogue.by_slug()
        shown = shown + [by_slug[s] for s in values.topics if s in by_slug and by_slug[s] not in shown]  # followed ones stay
        bound = ledger_bound(subscriber)
        return center.render(
            start_response, status, "langganan-preferensi.html", environ, "Atur langganan",
            email=subscriber.email, subscriber_status=subscriber.status, paused_until=self._until(subscriber.paused_until) if paused else "",
            action=self._action(environ, "/preferensi", token), search_action=f"{center.base(environ)}/preferensi", token=token,
            form_token=new_token(center.secret(), FORM, now, bound), values=values, errors=errors or {},
            sections=self.settings.sections, topics=shown, topic_names=catalogue.names(), topic_total=len(by_slug), query=query,
            pause_options=pauses, saved=saved, data_action=f"{center.base(environ)}/data",
        )

    def _until(self, stamp: str | None) -> str:
        if not stamp or stamp >= ledger.FOREVER:
            return "sampai Anda mengaktifkannya lagi"
        day = from_stored(stamp).astimezone(ZoneInfo(self.settings.site.timezone)).date()
        return f"sampai {format_date(day, 'd MMMM y', locale='id')}"

    # saving, unsubscribing -------------------------------------------------------------

    def change(self, environ: dict, start_response: StartResponse, subscriber: ledger.Subscriber, token: str, form) -> list[bytes]:
        center = self.center
        now = center.clock()
        with center.store() as store:
            center.limit_client(store, environ, now)
            try:
                use_token(store, center.secret(), form.get("ft"), FORM, now, ledger_bound(subscriber))
            except FormError as exc:
                return self.show(start_response, environ, "400 Bad Request", subscriber, token, errors={"formulir": exc.text})
            if subscriber.status in ("unsubscribed", "bounced"):
                return self.left(start_response, environ, "200 OK", subscriber, token)
            if form.get("aksi") == "berhenti":
                ledger.unsubscribe(store, subscriber.email, now, "preferences page")
                return self.left(start_response, environ, "200 OK", ledger.get(store, subscriber.email), token, just=True)
            errors: dict[str, str] = {}
            values = read_choices(form, self.settings, center.topics, errors)
            pause = self._pause(values.pause, subscriber, now, errors)
            if errors:
                ordered = {k: errors[k] for k in ("nama", "rubrik", "topik", "topik-lain", "jeda") if k in errors}
                return self.show(start_response, environ, "400 Bad Request", subscriber, token, values=values, errors=ordered)
            ledger.set_preferences(store, subscriber.email, values.name, values.sections, values.topics, pause, now)
            fresh = ledger.get(store, subscriber.email)
        return self.show(start_response, environ, "200 OK", fresh, token, saved=True)

    def _pause(self, choice: str, subscriber: ledger.Subscriber, now: datetime, errors: dict[str, str]) -> str | None:
        """paused_until for the option chosen (None: no pause)."""
        if choice == KEEP and subscriber.paused(now):
            return subscriber.paused_until
        if choice == FOREVER:
            return ledger.FOREVER
        if choice in ("", KEEP):
            return None
        if choice not in {value for value, _label in PAUSES}:
            errors["jeda"] = "Pilih salah satu pilihan pengiriman."
            return subscriber.paused_until
        return to_stored(now + timedelta(weeks=int(choice)))

    def left(self, start_response: StartResponse, environ: dict, status: str, subscriber: ledger.Subscriber, token: str,
             just: bool = False) -> list[bytes]:
        """The page of an address that is not subscribed: come back with one button."""
        center = self.center
        site = self.settings.site.name
        if just:
            title = "Anda telah berhenti berlangganan"
            paragraphs = [f"Kami tidak akan mengirim ringkasan mingguan {site} lagi ke alamat ini.",
                          "Tidak sengaja? Anda bisa langsung berlangganan lagi dengan tombol di bawah ini."]
        else:
            title = "Anda tidak berlangganan"
            paragraphs = [f"Alamat ini tidak menerima ringkasan mingguan {site} saat ini.",
                          "Ingin menerimanya lagi? Tekan tombol di bawah ini."]
        fields = [("ft", new_token(center.secret(), BACK, center.clock(), back_bound(subscriber)))]
        actions = [{"method": "post", "label": "Berlangganan lagi", "url": self._action(environ, "/berlangganan-lagi", token),
                    "fields": fields},
                   {"label": "Unduh atau hapus data saya", "url": f"{center.base(environ)}/data"}]
        return center.notice(start_response, status, title, paragraphs, environ, actions=actions)

    def come_back(self, environ: dict, start_response: StartResponse, subscriber: ledger.Subscriber, token: str, form) -> list[bytes]:
        center = self.center
        now = center.clock()
        with center.store() as store:
            center.limit_client(store, environ, now)
            try:  # bound to the unsubscribe it undoes: a later unsubscribe needs a new page
                use_token(store, center.secret(), form.get("ft"), BACK, now, back_bound(subscriber))
            except FormError as exc:
                if subscriber.status == "confirmed":
                    return self.show(start_response, environ, "200 OK", subscriber, token)
                return center.notice(start_response, exc.status, exc.title, [exc.text], environ,
                                     actions=[{"label": "Buka halaman preferensi", "url": self._action(environ, "/preferensi", token)}])
            if subscriber.status in ("unsubscribed", "bounced"):
                issued = from_stored(subscriber.unsubscribed) if subscriber.unsubscribed else now
                ledger.reactivate(store, subscriber.email, now, issued)
            fresh = ledger.get(store, subscriber.email)
        if fresh.status != "confirmed":
            return self.left(start_response, environ, "409 Conflict", fresh, token)
        return self.center.notice(start_response, "200 OK", "Selamat datang kembali", [
            f"Ringkasan mingguan {self.settings.site.name} akan kembali dikirim ke alamat ini, dengan pilihan Anda sebelumnya."],
            environ, actions=[{"label": "Atur langganan", "url": self._action(environ, "/preferensi", token)}])

    # the reactivation link ---------------------------------------------------------------

    def reactivate(self, method: str, environ: dict, start_response: StartResponse, token: str) -> list[bytes]:
        center = self.center
        now = center.clock()
        try:
            email = verify_token(center.secret(), token, RESUBSCRIBE, now)
        except TokenError as exc:
            if "expired" in str(exc):
                raise FormError("400 Bad Request", "Tautan kedaluwarsa",
                                "Tautan ini sudah kedaluwarsa. Daftar lagi untuk menerima tautan baru.") from None
            raise _bad_link() from None
        issued = datetime.fromtimestamp(token_expiry(token), now.tzinfo) - timedelta(days=RESUBSCRIBE_DAYS)
        action = f"{center.base(environ)}/aktifkan?token={quote(token, safe='')}"
        bound = f"{REACTIVATE}:{email}"
        if method != "POST":
            return center.notice(start_response, "200 OK", "Berlangganan lagi", [
                f"Tekan tombol di bawah ini untuk kembali menerima ringkasan mingguan {self.settings.site.name}."], environ,
                actions=[{"method": "post", "label": "Ya, saya ingin berlangganan lagi", "url": action,
                          "fields": [("ft", new_token(center.secret(), REACTIVATE, now, bound))]}])
        form = read_form(environ, "POST")
        check_origin(environ, center.public_host)
        with center.store() as store:
            center.limit_client(store, environ, now)
            use_token(store, center.secret(), form.get("ft"), REACTIVATE, now, bound)
            outcome = ledger.reactivate(store, email, now, issued)
            subscriber = ledger.get(store, email)
        if outcome != "confirmed" or subscriber is None:
            return center.notice(start_response, "409 Conflict", "Tautan tidak berlaku lagi", [
                "Tautan ini dibuat sebelum perubahan terakhir pada langganan Anda. Daftar lagi untuk menerima tautan baru."], environ)
        secret = center.secret()
        prefs = preferences_url(self.settings, secret, subscriber.id, subscriber.email)
        prefs_token = prefs.split("token=", 1)[1]
        return center.notice(start_response, "200 OK", "Selamat datang kembali", [
            f"Ringkasan mingguan {self.settings.site.name} akan kembali dikirim ke alamat ini."], environ,
            actions=[{"label": "Atur langganan", "url": self._action(environ, "/preferensi", prefs_token)},
                     {"label": "Berhenti lagi", "url": unsubscribe_url(self.settings, secret, subscriber.email).replace(
                         self.settings.newsletter.endpoint_url, center.base(environ))}])


def ledger_bound(subscriber: ledger.Subscriber) -> str:
    return f"{subscriber.id}:{subscriber.email}"


def back_bound(subscriber: ledger.Subscriber) -> str:
    return f"{subscriber.id}:{subscriber.email}:{subscriber.unsubscribed or ''}"
