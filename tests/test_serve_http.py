"""`newsfeed serve` as feed readers, aggregators and attackers meet it, over real sockets."""

from __future__ import annotations

import gzip
import http.client
import logging
import socket
import threading
import time

import pytest

from conftest import KORUT, NOW, page
from newsfeed import core
from newsfeed.deliver.server import ACCESS, HttpServer


@pytest.fixture
def served(make_site, monkeypatch):
    monkeypatch.setenv("NEWSFEED_SECRET", "rahasia-uji-yang-cukup-panjang-untuk-hmac")
    settings = make_site({f"dunia/2024-10-{i + 1:02d}-0900-k{i}.txt": page("Dunia", f"Korea Utara Kirim Pasukan {i}", KORUT[i:]) for i in range(4)})
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    server = HttpServer(settings, "127.0.0.1", 0, threads=2, connection_limit=40, channel_timeout=3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield settings, server.server_port
    server.shutdown()
    thread.join(timeout=10)


def _get(port, path, headers=None, method="GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_strong_etag_and_304_on_if_none_match(served):
    settings, port = served
    response, body = _get(port, "/feeds/rss.xml")
    etag = response.getheader("ETag")
    assert response.status == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert body == (settings.feeds.output_dir / "rss.xml").read_bytes()
    again, empty = _get(port, "/feeds/rss.xml", {"If-None-Match": etag})
    assert again.status == 304 and empty == b"" and again.getheader("ETag") == etag
    other, _ = _get(port, "/feeds/rss.xml", {"If-None-Match": '"something-else"'})
    assert other.status == 200


def test_304_on_if_modified_since_and_200_when_older(served):
    _settings, port = served
    response, _ = _get(port, "/feeds/atom.xml")
    modified = response.getheader("Last-Modified")
    assert _get(port, "/feeds/atom.xml", {"If-Modified-Since": modified})[0].status == 304
    assert _get(port, "/feeds/atom.xml", {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0].status == 200


def test_gzip_when_asked_with_vary_and_its_own_etag(served):
    settings, port = served
    plain, _ = _get(port, "/feeds/feed.json")
    response, body = _get(port, "/feeds/feed.json", {"Accept-Encoding": "gzip, br"})
    assert response.getheader("Content-Encoding") == "gzip" and "Accept-Encoding" in response.getheader("Vary")
    assert gzip.decompress(body) == (settings.feeds.output_dir / "feed.json").read_bytes()
    assert response.getheader("ETag") != plain.getheader("ETag")
    assert response.getheader("Content-Type") == "application/feed+json; charset=utf-8"
    refused, _ = _get(port, "/feeds/feed.json", {"Accept-Encoding": "gzip;q=0"})
    assert refused.getheader("Content-Encoding") is None


def test_cache_control_and_security_headers_on_every_response(served):
    _settings, port = served
    for path, status in (("/feeds/rss.xml", 200), ("/feeds/tidak-ada.xml", 404), ("/feeds/", 200), ("/langganan/berhenti?token=x", 400)):
        response, _ = _get(port, path)
        assert response.status == status, path
        assert "default-src 'none'" in response.getheader("Content-Security-Policy")
        assert response.getheader("X-Frame-Options") == "DENY" and response.getheader("Referrer-Policy") == "no-referrer"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert "max-age=300" in _get(port, "/feeds/rss.xml")[0].getheader("Cache-Control")


def test_keep_alive_serves_several_requests_on_one_connection(served):
    _settings, port = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for path in ("/feeds/rss.xml", "/feeds/atom.xml", "/feeds/opml.xml"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200 and response.version == 11
    connection.close()


def test_slow_and_stalled_clients_do_not_lock_out_a_reader(served):
    _settings, port = served
    stalled = []
    for i in range(30):  # half-sent requests, and posts whose announced body never comes
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 2:
            sock.sendall(b"GET /feeds/rss.xml HTTP/1.1\r\nHost: x\r\n")
        else:
            sock.sendall(b"POST /langganan/berhenti?token=abc HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nList")
        stalled.append(sock)
    started = time.monotonic()
    response, _ = _get(port, "/feeds/rss.xml")
    assert response.status == 200 and time.monotonic() - started < 2
    time.sleep(5)  # past the channel timeout: the stalled ones were dropped
    for sock in stalled:
        sock.settimeout(5)
        try:
            answer = sock.recv(1024)
        except ConnectionResetError:
            answer = b""
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer  # closed, not held open
        sock.close()
    assert _get(port, "/feeds/rss.xml")[0].status == 200


def test_access_log_never_holds_a_token(served, caplog):
    _settings, port = served
    with caplog.at_level(logging.INFO, logger=ACCESS.name):
        _get(port, "/langganan/berhenti?token=RAHASIAsekali1234567890.abcdef")
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == ACCESS.name)
    assert "/langganan/berhenti?token=RAHASI" in logged and "sekali1234567890" not in logged


def test_only_published_files_and_no_hidden_or_parent_paths(served):
    settings, port = served
    (settings.feeds.output_dir / ".rahasia").write_text("x")
    for path in ("/feeds/.rahasia", "/feeds/../config.toml", "/feeds/%2e%2e/config.toml", "/feeds/dunia/../../data/newsfeed.sqlite3"):
        assert _get(port, path)[0].status in (400, 404), path


def test_a_feed_published_while_the_server_runs_is_served(served):
    # the server rereads the list of published files when it changes (on PostgreSQL too,
    # where there is no store file to watch)
    settings, port = served
    assert _get(port, "/nasional/rss.xml")[0].status == 404
    (settings.root / "pages" / "nasional").mkdir(exist_ok=True)
    (settings.root / "pages" / "nasional" / "2024-10-05-0900-n.txt").write_text(page("Nasional", "DPR Bahas Anggaran Pangan", KORUT), encoding="utf-8")
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    assert (settings.feeds.output_dir / "nasional" / "rss.xml").is_file()
    deadline = time.monotonic() + 5
    while _get(port, "/nasional/rss.xml")[0].status != 200:
        assert time.monotonic() < deadline, "the new feed is still not served"
        time.sleep(0.2)


def test_a_thousand_stalled_clients_do_not_lock_out_a_reader(make_site):
    """Above waitress's connection cap nobody is accepted until the slow ones time out: the
    default cap leaves room for a thousand stalled clients, and poll() watches them all."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * 1000 + 200  # both ends of every connection live in this process
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"the open-file hard limit ({hard}) is below {needed}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, needed), hard))
    settings = make_site({"dunia/2024-10-01-0900-k0.txt": page("Dunia", "Korea Utara Kirim Pasukan", KORUT)})
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    server = HttpServer(settings, "127.0.0.1", 0, threads=2)  # the defaults `newsfeed serve` uses
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stalled = []
    try:
        for _ in range(1000):
            sock = socket.create_connection(("127.0.0.1", server.server_port), timeout=10)
            sock.sendall(b"GET /feeds/rss.xml HTTP/1.1\r\nHost: x\r\n")  # never ends its headers
            stalled.append(sock)
        started = time.monotonic()
        response, body = _get(server.server_port, "/feeds/rss.xml")
        assert response.status == 200 and body.startswith(b"<?xml")
        assert time.monotonic() - started < 8  # was: locked out until the channel timeout dropped the slow ones
    finally:
        for sock in stalled:
            sock.close()
        server.shutdown()
        thread.join(timeout=10)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
