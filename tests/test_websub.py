"""WebSub: after a publish, each hub hears of exactly the feeds that changed (a hub on loopback)."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from conftest import KORUT, NOW, page
from newsfeed import core
from newsfeed.deliver import websub
from newsfeed.store import Store


class _Hub:
    def __init__(self):
        self.pings: list[dict[str, list[str]]] = []
        self.failures_left = 0
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                if hub.failures_left:
                    hub.failures_left -= 1
                    self.send_response(503)
                else:
                    hub.pings.append(form)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def topics(self) -> list[str]:
        return sorted(form["hub.url"][0] for form in self.pings)


@pytest.fixture
def hub(monkeypatch):
    monkeypatch.setattr(websub, "BACKOFF", 0.01)
    running = _Hub()
    yield running
    running.server.shutdown()
    running.server.server_close()


def _build(settings, now):
    with Store(settings.store_path) as store:
        core.gather(settings, store, now)
        return core.publish(settings, store, now)


def test_each_changed_feed_is_pinged_once_and_an_unchanged_build_pings_nothing(make_site, hub):
    settings = make_site(
        {f"dunia/2024-10-{i + 1:02d}-0900-k{i}.txt": page("Dunia", f"Korea Utara Kirim Pasukan {i}", KORUT[i:]) for i in range(4)}
    )
    settings.path.write_text(settings.path.read_text().replace("[feeds]\n", f'[feeds]\nwebsub_hubs = ["{hub.url}"]\n'))
    from newsfeed.config import load_settings

    settings = load_settings(settings.path)
    report = _build(settings, NOW)
    feeds = sorted(f"{settings.feeds.base_url}/{p}" for p in report.written if p.endswith(("rss.xml", "atom.xml", "feed.json")))
    assert hub.topics() == feeds and report.pinged == len(feeds)
    assert all(form["hub.mode"] == ["publish"] and form["hub.topic"] == form["hub.url"] for form in hub.pings)
    hub.pings.clear()
    _build(settings, NOW + timedelta(hours=1))
    assert hub.pings == []  # nothing changed: no notice
    target = settings.root / "pages/dunia/2024-10-02-0900-k1.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("Korea Utara Kirim", "Korea Utara Mengirim"), encoding="utf-8")
    report = _build(settings, NOW + timedelta(hours=2))
    changed = sorted(f"{settings.feeds.base_url}/{p}" for p in report.written if p.endswith(("rss.xml", "atom.xml", "feed.json")))
    assert hub.topics() == changed and changed  # the feeds that changed, and only those


def test_a_failing_hub_is_retried_then_pinged_again_after_the_next_publish(make_site, hub):
    settings = make_site({"dunia/2024-10-01-0900-k.txt": page("Dunia", "Korea Utara Kirim Pasukan", KORUT)})
    settings.path.write_text(settings.path.read_text().replace("[feeds]\n", f'[feeds]\nformats = ["rss"]\nwebsub_hubs = ["{hub.url}"]\n'))
    from newsfeed.config import load_settings

    settings = load_settings(settings.path)
    hub.failures_left = 100
    report = _build(settings, NOW)
    # two feeds changed, each tried RETRIES times (a hub is down only after DOWN_AFTER feeds); one line for the hub
    [failure] = report.ping_failures
    assert "503" in failure and "and 1 more" in failure and report.pinged == 0
    assert hub.failures_left == 100 - 2 * websub.RETRIES
    hub.failures_left = 0
    report = _build(settings, NOW + timedelta(hours=1))  # nothing changed, but the notices are owed
    assert report.ping_failures == () and report.pinged == 2 and len(hub.pings) == 2
    hub.pings.clear()
    _build(settings, NOW + timedelta(hours=2))
    assert hub.pings == []


def test_one_feed_a_hub_chokes_on_does_not_silence_the_others_but_a_busy_hub_stops(monkeypatch):
    monkeypatch.setattr(websub, "BACKOFF", 0.001)
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
            seen.append(form["hub.url"][0])
            self.send_response(500 if form["hub.url"][0].endswith(("/bad", "/busy")) else 204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hub"
    try:
        results = websub.ping([(url, "https://x.example/bad"), (url, "https://x.example/a"), (url, "https://x.example/b")])
        assert [r.error for r in results] == ["HTTP 500", "", ""]  # the others still go out
        seen.clear()
        busy = [(url, f"https://x.example/{i}/busy") for i in range(10)]
        results = websub.ping(busy)
        assert all(r.error == "HTTP 500" for r in results)
        assert len(seen) == websub.DOWN_AFTER * websub.RETRIES  # then the hub counts as down for this run
    finally:
        server.shutdown()
        server.server_close()


def test_a_hub_that_hangs_up_costs_one_round_of_retries_not_one_per_feed(make_site, hub):
    import socket

    listener = socket.create_server(("127.0.0.1", 0))  # accepts, then closes without a word
    accepted = []

    def hang_up():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    dead = f"http://127.0.0.1:{listener.getsockname()[1]}/hub"
    settings = make_site({f"dunia/2024-10-0{i + 1}-0900-k{i}.txt": page("Dunia", f"Korea Utara Kirim Pasukan {i}", KORUT[i:]) for i in range(3)})
    settings.path.write_text(settings.path.read_text().replace("[feeds]\n", f'[feeds]\nwebsub_hubs = ["{dead}", "{hub.url}"]\n'))
    from newsfeed.config import load_settings

    try:
        report = _build(load_settings(settings.path), NOW)
    finally:
        listener.close()
    feeds = [p for p in report.written if p.endswith(("rss.xml", "atom.xml", "feed.json"))]
    assert len(feeds) > 2 and len(hub.pings) == len(feeds)  # the live hub hears of every feed
    assert len(accepted) == websub.RETRIES  # the dead one: one round of retries in all
    [failure] = report.ping_failures
    assert failure.startswith(dead) and f"and {len(feeds) - 1} more" in failure


def test_every_feed_names_its_hubs_beside_its_self_link(make_site):
    """WebSub 4 discovery: rel="hub" links in RSS (atom:link) and Atom, `hubs` in JSON Feed."""
    import json

    import feedparser
    from lxml import etree

    from newsfeed.config import load_settings

    settings = make_site({"dunia/2024-10-01-0900-k0.txt": page("Dunia", "Korea Utara Kirim Pasukan", KORUT)})
    hubs = ["https://pubsubhubbub.appspot.com/", "https://hub.contoh.co.id/"]
    settings.path.write_text(settings.path.read_text().replace("[feeds]\n", f"[feeds]\nwebsub_hubs = {json.dumps(hubs)}\n"))
    settings = load_settings(settings.path)
    hubs = list(settings.feeds.websub_hubs)  # as config wrote them (no trailing slash)
    assert len(hubs) == 2
    _build(settings, NOW)
    out = settings.feeds.output_dir
    atom_ns = "{http://www.w3.org/2005/Atom}"
    for name, links in (
        ("rss.xml", lambda tree: tree.find("channel").findall(f"{atom_ns}link")),
        ("atom.xml", lambda tree: tree.findall(f"{atom_ns}link")),
    ):
        tree = etree.parse(str(out / name)).getroot()
        found = [(link.get("rel"), link.get("href")) for link in links(tree)]
        assert found[0] == ("self", f"{settings.feeds.base_url}/{name}")
        assert [href for rel, href in found if rel == "hub"] == hubs, name
        parsed = feedparser.parse((out / name).read_bytes())
        assert not parsed.bozo and [link.href for link in parsed.feed.links if link.rel == "hub"] == hubs
    feed = json.loads((out / "feed.json").read_text())
    assert feed["hubs"] == [{"type": "WebSub", "url": hub} for hub in hubs]
