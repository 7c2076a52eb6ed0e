"""The subscription center's test site, served by the real waitress server on 127.0.0.1 with a
real aiosmtpd receiving its mail; a small HTTP client that can speak from any loopback
address (127.0.0.x), so that the per-client rate limit can be seen apart from the rest."""

from __future__ import annotations

import email.message
import html
import http.client
import re
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest

from conftest import NOW, body, page
from newsfeed import core
from newsfeed.config import Settings
from newsfeed.deliver.server import make_http_server
from newsfeed.store import subscribers as ledger
from test_send import SECRET, smtp  # noqa: F401  (the smtp fixture)

WEEKS = {"2024-W42": (14, 15, 16), "2024-W43": (21, 22, 23)}
STORIES = (("dunia", "Dunia", "Korea Utara"), ("ekonomi", "Ekonomi", "Rupiah"), ("olahraga", "Olahraga", "Timnas Indonesia"))


def center_pages() -> dict[str, str]:
    """Two weeks of three sections, each section's stories about one topic."""
    pages = {}
    for days in WEEKS.values():
        for day in days:
            for slug, name, topic in STORIES:
                pages[f"{slug}/2024-10-{day}-0800-{slug}-{day}.txt"] = page(name, f"Kabar {name} {topic} Hari {day}", body(topic))
    return pages


@dataclass
class Center:
    settings: Settings
    base: str  # http://127.0.0.1:port
    port: int
    smtp: object

    def local(self, url: str) -> str:
        """A link from a mail (https://kabaruji.example/langganan/...) as served here."""
        return url.replace(self.settings.newsletter.endpoint_url, self.base + "/langganan")

    def subscriber(self, address: str) -> ledger.Subscriber | None:
        with core.open_store(self.settings) as store:
            return ledger.get(store, address)

    def rows(self, table: str) -> list[tuple]:
        with core.open_store(self.settings) as store:
            return [tuple(r) for r in store.query(f"SELECT * FROM {table}")]


@pytest.fixture
def center(make_site, monkeypatch, smtp):  # noqa: F811
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    settings = make_site(center_pages(), extra_config=f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nretry_delay = 0.05\nmax_wait = 2\n')
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    server = make_http_server(settings, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Center(settings, f"http://127.0.0.1:{server.server_port}", server.server_port, smtp)
    server.shutdown()
    server.server_close()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def request(center: Center, method: str, target: str, fields: list[tuple[str, str]] | dict | None = None, raw: bytes | None = None,
            headers: dict | None = None, client: str = "127.0.0.1") -> Answer:
    """One HTTP request over a fresh socket from `client` (any 127.0.0.x)."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection("127.0.0.1", center.port, timeout=20, source_address=(client, 0))
    try:
        data = raw
        sent = dict(headers or {})
        if fields is not None:
            data = urlencode(fields, doseq=True).encode("ascii")
        if data is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=data, headers=sent)
        answer = conn.getresponse()
        return Answer(answer.status, answer.headers, answer.read())
    finally:
        conn.close()


def form_token(page_text: str, index: int = 0) -> str:
    return re.findall(r'name="ft" value="([^"]+)"', page_text)[index]


def form_action(page_text: str, index: int = 0) -> str:
    return html.unescape(re.findall(r'<form[^>]* method="post" action="([^"]+)"', page_text)[index])


def subscribe_fields(address: str, token: str, **extra) -> list[tuple[str, str]]:
    fields = [("ft", token), ("surel", address), ("nama", extra.pop("nama", "")), ("situs", extra.pop("situs", ""))]
    for slug in extra.pop("rubrik", ()):
        fields.append(("rubrik", slug))
    for slug in extra.pop("topik", ()):
        fields.append(("topik", slug))
    if extra.pop("setuju", True):
        fields.append(("setuju", "ya"))
    fields += list(extra.items())
    return fields


def subscribe(center: Center, address: str, client: str = "127.0.0.1", **extra) -> Answer:
    """GET the form, POST it filled in, as a browser does (same origin)."""
    shown = request(center, "GET", "/langganan/", client=client)
    assert shown.status == 200
    return request(center, "POST", "/langganan/daftar", subscribe_fields(address, form_token(shown.text), **extra), client=client,
                   headers={"Origin": center.base, "Sec-Fetch-Site": "same-origin"})


def link_in(message: email.message.EmailMessage, word: str) -> str:
    """The first https link in the text part of a mail whose path has `word`."""
    text = message.get_body(("plain",)).get_content()
    return next(u for u in re.findall(r"https://\S+", text) if word in u)
