"""The WSGI app over a real socket: confirm, RFC 8058 one-click unsubscribe, static feeds."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest

from conftest import NOW, body, page
from newsfeed import core
from newsfeed.deliver.server import make_http_server
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.deliver import sending
from newsfeed.store import Store
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import CONFIRM, UNSUBSCRIBE, confirm_url, make_token, unsubscribe_url
from newsfeed.web.topics import Catalogue
from test_send import SECRET, WEEK, site_pages, smtp  # noqa: F401  (the smtp fixture)


@pytest.fixture
def served(make_site, monkeypatch, smtp):  # noqa: F811
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    settings = make_site(site_pages(), extra_config=f"[smtp]\nport = {smtp.port}\n")
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    server = make_http_server(settings, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    yield settings, base
    server.shutdown()
    server.server_close()


def fetch(url: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def local(settings, url: str, base: str) -> str:
    return url.replace(settings.newsletter.endpoint_url, base + "/langganan")


def status_of(settings, address):
    with core.open_store(settings) as store:
        return ledger.get(store, address).status


def test_one_click_post_unsubscribes_and_later_send_skips(served, smtp):  # noqa: F811
    settings, base = served
    with core.open_store(settings) as store:
        for who in ("ani", "budi"):
            ledger.add(store, f"{who}@contoh.co.id", "", (), NOW, confirmed=True)
    url = local(settings, unsubscribe_url(settings, SECRET.encode(), "ani@contoh.co.id"), base)
    code, headers, page = fetch(url)  # GET (a mail scanner's prefetch) changes nothing
    assert code == 200 and b"<form" in page and "Set-Cookie" not in headers
    assert status_of(settings, "ani@contoh.co.id") == "confirmed"
    code, headers, page = fetch(url, b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 200 and "berhenti berlangganan".encode() in page.lower() and "Set-Cookie" not in headers
    assert status_of(settings, "ani@contoh.co.id") == "unsubscribed"
    with core.open_store(settings) as store, SmtpSender(settings.smtp) as transport:
        report = sending.send_edition(settings, store, NOW, transport, WEEK)
    assert report.sent == 1 and smtp.per_recipient() == Counter({"budi@contoh.co.id": 1})
    # the unsubscribe link from the sent message itself works one-click too
    link = smtp.for_("budi@contoh.co.id")[0]["List-Unsubscribe"].split(",")[0].strip()[1:-1]
    code, _h, _p = fetch(local(settings, link, base), b"List-Unsubscribe=One-Click")
    assert code == 200 and status_of(settings, "budi@contoh.co.id") == "unsubscribed"


@pytest.mark.parametrize("kind", ["forged", "altered", "other-purpose", "empty"])
def test_bad_tokens_are_refused(served, kind):
    settings, base = served
    with core.open_store(settings) as store:
        ledger.add(store, "ani@contoh.co.id", "", (), NOW, confirmed=True)
    good = make_token(SECRET.encode(), UNSUBSCRIBE, "ani@contoh.co.id")
    token = {
        "forged": make_token(b"bukan-rahasia-yang-benar-sama-sekali", UNSUBSCRIBE, "ani@contoh.co.id"),
        "altered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "other-purpose": make_token(SECRET.encode(), CONFIRM, "ani@contoh.co.id"),
        "empty": "",
    }[kind]
    code, _h, page = fetch(f"{base}/langganan/berhenti?token={token}", b"List-Unsubscribe=One-Click")
    assert code == 400 and "tidak berlaku".encode() in page
    assert status_of(settings, "ani@contoh.co.id") == "confirmed"


def test_double_opt_in_confirm(served):
    settings, base = served
    with core.open_store(settings) as store:
        ledger.add(store, "citra@contoh.co.id", "Citra", ("dunia",), NOW)
    assert status_of(settings, "citra@contoh.co.id") == "pending"
    from datetime import UTC, datetime

    url = local(settings, confirm_url(settings, SECRET.encode(), "citra@contoh.co.id", datetime.now(UTC)), base)
    code, _h, page = fetch(url)
    assert code == 200 and b"<form" in page and status_of(settings, "citra@contoh.co.id") == "pending"
    code, _h, page = fetch(url, b"")
    assert code == 200 and "dikonfirmasi".encode() in page.lower()
    assert status_of(settings, "citra@contoh.co.id") == "confirmed"
    # a confirm token cannot unsubscribe, nor confirm another address
    token = url.split("token=")[1]
    assert fetch(f"{base}/langganan/berhenti?token={token}", b"List-Unsubscribe=One-Click")[0] == 400


@pytest.mark.parametrize(
    "path,ctype",
    [
        ("/feeds/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/feeds/feed.json", "application/feed+json; charset=utf-8"),
        ("/feeds/opml.xml", "text/x-opml"),
        ("/feeds/index.html", "text/html"),
        ("/feeds/dunia/rss.xml", "application/rss+xml; charset=utf-8"),
    ],
)
def test_static_feeds_with_content_types(served, path, ctype):
    settings, base = served
    code, headers, data = fetch(base + path)
    assert code == 200 and headers["Content-Type"].startswith(ctype)
    assert data == (settings.feeds.output_dir / path.removeprefix("/feeds/")).read_bytes()


@pytest.mark.parametrize("path", ["/feeds/../config.toml", "/feeds/%2e%2e/config.toml", "/../config.toml", "/feeds/..%2fconfig.toml", "/feeds/tidak-ada.xml"])
def test_no_path_traversal(served, path):
    _settings, base = served
    code, _h, data = fetch(base + path)
    assert code == 404 and b"[site]" not in data


def raw(base: str, request: str) -> tuple[bytes, bytes]:
    """(head, bytes after the blank line) of one HTTP/1.0 exchange over a plain socket."""
    import socket

    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request.encode("ascii"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _sep, rest = data.partition(b"\r\n\r\n")
    return head, rest


@pytest.mark.parametrize("what", ["unsubscribe page", "confirm page", "bad token", "feed", "missing"])
def test_head_sends_headers_only(served, what):
    settings, base = served
    with core.open_store(settings) as store:
        ledger.add(store, "ani@contoh.co.id", "", (), NOW, confirmed=True)
    path = {
        "unsubscribe page": local(settings, unsubscribe_url(settings, SECRET.encode(), "ani@contoh.co.id"), base).removeprefix(base),
        "confirm page": local(settings, confirm_url(settings, SECRET.encode(), "ani@contoh.co.id", NOW.replace(year=2099)), base).removeprefix(base),
        "bad token": "/langganan/berhenti?token=rusak",
        "feed": "/feeds/rss.xml",
        "missing": "/feeds/tidak-ada.xml",
    }[what]
    get_head, get_body = raw(base, f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n")
    head, rest = raw(base, f"HEAD {path} HTTP/1.0\r\nHost: x\r\n\r\n")
    assert rest == b""  # headers only
    assert get_body  # while GET has a body...
    status, *lines = head.decode("latin-1").split("\r\n")
    get_status, *get_lines = get_head.decode("latin-1").split("\r\n")
    assert status == get_status

    def headers(lines):
        return {k.lower(): v for k, v in (line.split(": ", 1) for line in lines) if k.lower() != "date"}

    assert headers(lines) == headers(get_lines)  # ...and the same headers, Content-Length included
    assert int(headers(lines)["content-length"]) == len(get_body)
    assert status_of(settings, "ani@contoh.co.id") == "confirmed"  # HEAD changes nothing


@pytest.mark.skipif(__import__("pgstore").ON_POSTGRES, reason="damages the SQLite file itself")
def test_a_store_error_is_a_503_page_for_the_reader_and_a_logged_line_for_the_operator(make_site, caplog):
    from newsfeed.web import make_app

    settings = make_site(site_pages())
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    settings.store_path.write_bytes(b"not a database " * 100)
    for suffix in ("-wal", "-shm"):
        settings.store_path.with_name(settings.store_path.name + suffix).unlink(missing_ok=True)
    answers = []
    with caplog.at_level("ERROR", logger="newsfeed.web"):
        body = b"".join(make_app(settings)({"REQUEST_METHOD": "GET", "PATH_INFO": "/rss.xml", "wsgi.url_scheme": "http",
                                            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80"}, lambda status, headers: answers.append(status)))
    assert answers == ["503 Service Unavailable"] and b"Silakan coba lagi" in body
    [record] = [r for r in caplog.records if r.name == "newsfeed.web"]
    assert "GET /rss.xml: 503" in record.getMessage() and settings.store_path.name in record.getMessage()


def test_the_topic_catalogue_offers_the_topics_whose_feeds_are_published(make_site):
    """Readers follow topics with a feed: once a site is published, the catalogue is the last
    publish's topics (counted then), not topics whose feeds do not exist yet."""
    pages = {f"dunia/2024-10-0{day}-0800-korea-{day}.txt": page("Dunia", f"Kabar Korea Utara Hari {day}", body("Korea Utara")) for day in (1, 2, 3)}
    settings = make_site(pages)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        assert "korea-utara" in {t.slug for t in Catalogue(settings, lambda: NOW).all()}  # before any publish: counted now
        core.publish(settings, store, NOW)
        for day in (4, 5, 6):
            name = f"ekonomi/2024-10-0{day}-0800-rupiah-{day}.txt"
            (settings.root / "pages" / name).parent.mkdir(parents=True, exist_ok=True)
            (settings.root / "pages" / name).write_text(page("Ekonomi", f"Kabar Rupiah Melemah Hari {day}", body("Rupiah")), encoding="utf-8")
        core.gather(settings, store, NOW)
        assert "rupiah" not in {t.slug for t in Catalogue(settings, lambda: NOW).all()}  # its feed is not out yet
        core.publish(settings, store, NOW)
    assert {"korea-utara", "rupiah"} <= {t.slug for t in Catalogue(settings, lambda: NOW).all()}
    assert (settings.feeds.output_dir / "topik" / "rupiah" / "rss.xml").exists()
