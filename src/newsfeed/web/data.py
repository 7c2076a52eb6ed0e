"""A subscriber's data: an export and an erasure, asked for by e-mail (GDPR art. 15 and 17,
UU PDP art. 7 and 8).

- GET  /data                the form: an address
- POST /data                mails a link (tokens.DATA, 24 hours) to the address when the store
                            holds anything about it; the answer is the same either way, so the
                            form tells nobody which addresses are known
- GET  /data/kelola?token=  what is held, with two buttons
- POST /data/kelola?token=  aksi=unduh: the JSON export (a download); aksi=hapus with the
                            box ticked: everything about the address is deleted (the
                            subscriber, the editions it was sent, its rate-limit counters)
Only the owner of the mailbox gets the link, so only they see the data. The same checks as
the subscribe form apply (origin, per-client and per-address limits, form tokens, honeypot).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote

from newsfeed.store import subscribers as ledger
from newsfeed.tokens import DATA, TokenError, verify_token
from newsfeed.web import limits, mail
from newsfeed.web.choices import Choices, read_email
from newsfeed.web.forms import FormError, check_origin, new_token, read_form, use_token
from newsfeed.web.pages import StartResponse, respond

if TYPE_CHECKING:
    from newsfeed.web.center import Center

ASK = "data"
DOWNLOAD = "unduh"
ERASE = "hapus"


class DataPages:
    def __init__(self, center: Center):
        self.center = center
        self.settings = center.settings

    def __call__(self, route: str, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        if route == "/data":
            if method != "POST":
                return self.ask(start_response, environ, "200 OK", Choices(), {})
            return self.request(environ, start_response)
        token = read_form(environ, "GET").get("token")
        try:
            email = verify_token(self.center.secret(), token, DATA, self.center.clock())
        except TokenError as exc:
            if "expired" in str(exc):
                raise FormError("400 Bad Request", "Tautan kedaluwarsa",
                                "Tautan ini sudah kedaluwarsa. Minta tautan baru di halaman Data Anda.") from None
            raise FormError("400 Bad Request", "Tautan tidak berlaku",
                            "Tautan ini tidak berlaku. Pastikan Anda membuka tautan lengkap dari surel kami.") from None
        if method != "POST":
            return self.manage(start_response, environ, "200 OK", email, token, {})
        return self.act(environ, start_response, email, token)

    # asking for the link ---------------------------------------------------------------

    def ask(self, start_response: StartResponse, environ: dict, status: str, values: Choices, errors: dict[str, str]) -> list[bytes]:
        center = self.center
        return center.render(start_response, status, "langganan-data.html", environ, "Data Anda", email="",
                             action=f"{center.base(environ)}/data", form_token=new_token(center.secret(), ASK, center.clock()),
                             values=values, errors=errors)

    def request(self, environ: dict, start_response: StartResponse) -> list[bytes]:
        center = self.center
        form = read_form(environ, "POST")
        check_origin(environ, center.public_host)
        now = center.clock()
        secret = center.secret()
        with center.store() as store:
            center.limit_client(store, environ, now)
            try:
                use_token(store, secret, form.get("ft"), ASK, now)
            except FormError as exc:
                return self.ask(start_response, environ, "400 Bad Request", Choices(email=form.get("surel")[:254]), {"formulir": exc.text})
            if form.bot:
                return self.sent(start_response, environ)
            errors: dict[str, str] = {}
            email = read_email(form, errors)
            if errors:
                return self.ask(start_response, environ, "400 Bad Request", Choices(email=form.get("surel")[:254]), errors)
            held = ledger.export_data(store, email)
            if held is None or not center.limit_mail(store, email, now):
                return self.sent(start_response, environ)  # nothing held, or enough mail for now: the same answer
            found = ledger.get(store, email)
            data = mail.data_link(self.settings, secret, email, found.name if found else "", now)
        if mail.deliver(self.settings, email, data) == "failed":
            return center.notice(start_response, "503 Service Unavailable", "Surel belum terkirim", [
                "Surel berisi tautan belum bisa kami kirim saat ini. Silakan coba lagi beberapa saat lagi."], environ)
        return self.sent(start_response, environ)

    def sent(self, start_response: StartResponse, environ: dict) -> list[bytes]:
        return self.center.notice(start_response, "200 OK", "Periksa kotak masuk Anda", [
            "Jika alamat itu ada dalam daftar kami, kami telah mengirim tautan ke sana untuk mengunduh atau menghapus datanya.",
            "Tautan itu berlaku selama 24 jam. Tidak menemukannya? Periksa folder spam atau promosi.",
        ], environ)

    # the page of the link ----------------------------------------------------------------

    def manage(self, start_response: StartResponse, environ: dict, status: str, email: str, token: str,
               errors: dict[str, str]) -> list[bytes]:
        center = self.center
        now = center.clock()
        with center.store() as store:
            held = ledger.export_data(store, email)
        if held is None:
            return center.notice(start_response, status, "Tidak ada data", [
                "Kami tidak menyimpan data apa pun untuk alamat ini."], environ)
        secret = center.secret()
        return center.render(
            start_response, status, "langganan-data.html", environ, "Data Anda", email=email,
            action=f"{center.base(environ)}/data/kelola?token={quote(token, safe='')}",
            download_token=new_token(secret, DOWNLOAD, now, email), erase_token=new_token(secret, ERASE, now, email),
            errors=errors, values=Choices(email=email),
        )

    def act(self, environ: dict, start_response: StartResponse, email: str, token: str) -> list[bytes]:
        center = self.center
        form = read_form(environ, "POST")
        check_origin(environ, center.public_host)
        now = center.clock()
        secret = center.secret()
        action = form.get("aksi")
        if action not in (DOWNLOAD, ERASE):
            raise FormError("400 Bad Request", "Formulir tidak dikenali", "Gunakan tombol di halaman Data Anda.")
        with center.store() as store:
            center.limit_client(store, environ, now)
            try:  # a download changes nothing: its form may be sent again; an erasure only once
                use_token(store, secret, form.get("ft"), action, now, email, once=action == ERASE)
            except FormError as exc:
                return self.manage(start_response, environ, "400 Bad Request", email, token, {"formulir": exc.text})
            if action == DOWNLOAD:
                held = ledger.export_data(store, email)
                if held is None:
                    return self.manage(start_response, environ, "200 OK", email, token, {})
                body = (json.dumps(held, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
                return respond(start_response, "200 OK", body, "application/json; charset=utf-8",
                               [("Content-Disposition", 'attachment; filename="data-langganan.json"')])
            if form.get("yakin") != "ya":
                return self.manage(start_response, environ, "400 Bad Request", email, token,
                                   {"yakin": "Centang kotak ini untuk memastikan Anda ingin menghapus data."})
            ledger.remove(store, email, forget=True)
            limits.forget(store, secret, email)
        return center.notice(start_response, "200 OK", "Data Anda telah dihapus", [
            "Kami telah menghapus alamat surel Anda, nama, pilihan, persetujuan, dan catatan edisi yang pernah dikirim.",
            "Anda tidak akan menerima surel apa pun dari kami. Anda bisa berlangganan lagi kapan saja.",
        ], environ)
