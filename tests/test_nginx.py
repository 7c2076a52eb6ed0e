"""The README's nginx configuration, run as it is written with Debian's nginx on 127.0.0.1
over a published site, answers as `newsfeed serve` does (both over real sockets).

The block is read from README.md, so the README and this test cannot drift; only the lines
the README marks `# yours` (listen, root, the site's URL in the Link map) are changed."""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import KORUT, NOW, config_text, page
from newsfeed import core, editions
from newsfeed.config import load_settings
from newsfeed.deliver.server import HttpServer

README = Path(__file__).resolve().parent.parent / "README.md"
SITE = "https://kabaruji.example"
SECURITY = ("Content-Security-Policy", "Referrer-Policy", "X-Frame-Options", "X-Content-Type-Options")
# what must be the same from nginx and from serve for a published file
SAME = ("Content-Type", "Cache-Control", "Vary", "Content-Encoding", "Last-Modified", "Link", *SECURITY)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def readme_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Serving the feeds with nginx\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```nginx\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "README.md: the nginx section must hold exactly one ```nginx block"
    return blocks[0]


def adapted(block: str, port: int, root: Path, hub: str) -> str:
    """The README block with the operator's own lines filled in for this test site."""
    replacements = [
        (r"listen 80;", f"listen 127.0.0.1:{port};"),
        (r"root /srv/wartanusantara;", f"root {root};"),
        (r"<https://wartanusantara.example$uri>", f"<{SITE}$uri>"),
        (r"<https://pubsubhubbub.appspot.com>", f"<{hub}>"),
    ]
    lines = block.splitlines()
    for old, new in replacements:
        hits = [i for i, line in enumerate(lines) if old in line]
        assert len(hits) == 1 and "# yours" in lines[hits[0]], f"README nginx block: {old!r} is not on one '# yours' line"
        lines[hits[0]] = lines[hits[0]].replace(old, new)
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Hub(BaseHTTPRequestHandler):
    """A WebSub hub on 127.0.0.1 that takes publish's pings (nothing reaches the internet)."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hub"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, hub):
    """A published site: feeds, section and topic pages, sitemaps, OPML, a digest edition."""
    root = tmp_path_factory.mktemp("situs")
    text = config_text().replace("max_items = 50", f'max_items = 50\nwebsub_hubs = ["{hub}"]')
    (root / "config.toml").write_text(text, encoding="utf-8")
    for i in range(4):
        target = root / "pages" / "dunia" / f"2024-10-{i + 1:02d}-0900-k{i}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page("Dunia", f"Korea Utara Kirim Pasukan {i}", KORUT[i:]), encoding="utf-8")
    settings = load_settings(root / "config.toml")
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
        editions.publish_edition(settings, store, editions.select_week(settings, store, NOW, "2024-W40"))
    # what publish never wrote: a stray copy of the store, a dotfile, an upload
    (settings.feeds.output_dir / "salinan.sqlite3").write_bytes(b"SQLite format 3\0")
    (settings.feeds.output_dir / ".rahasia").write_text("x")
    (settings.feeds.output_dir / "dunia" / "catatan.bak").write_text("x")
    return settings


@pytest.fixture(scope="module")
def nginx(site, hub, tmp_path_factory):
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (.ci/run installs Debian's nginx-light): the README's configuration is not checked")
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    (work / "newsfeed.conf").write_text(adapted(readme_block(), port, site.root, hub), encoding="utf-8")
    temps = "\n".join(f"    {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (work / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {work / 'nginx.pid'};\nerror_log {work / 'error.log'} warn;\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n{temps}\n    include {work / 'newsfeed.conf'};\n}}\n",
        encoding="utf-8",
    )
    command = [binary, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, f"nginx -t refused the README's configuration:\n{checked.stderr}"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.stderr.read().decode()} {(work / 'error.log').read_text()}")
            time.sleep(0.05)
    yield port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def serve(site):
    server = HttpServer(site, "127.0.0.1", 0, threads=2, connection_limit=40, channel_timeout=5)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def get(port: int, path: str, headers: dict | None = None, method: str = "GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def published(site) -> list[str]:
    """URL paths of every file publish and digest wrote (their .gz copies included)."""
    with core.open_store(site) as store:
        from newsfeed.store import outputs

        names = sorted(outputs.published(store))
    assert any(n.endswith(".eml") for n in names) and any(n.endswith(".gz") for n in names)
    return ["/feeds/" + name for name in names]


def test_every_published_file_has_the_headers_serve_sends(site, nginx, serve):
    paths = published(site)
    kinds = set()
    for path in paths:
        for asked in ({}, {"Accept-Encoding": "gzip"}):
            ours, body = get(nginx, path, asked)
            theirs, expected = get(serve, path, asked)
            assert (ours.status, theirs.status) == (200, 200), path
            for name in SAME:
                assert ours.getheader(name) == theirs.getheader(name), f"{path} {asked}: {name}"
            assert body == expected, path
            etag = ours.getheader("ETag")
            assert etag and etag.startswith('"'), f"{path}: nginx ETag {etag!r} is not strong"
            kinds.add(ours.getheader("Content-Type"))
    assert {"application/rss+xml; charset=utf-8", "application/atom+xml; charset=utf-8", "application/feed+json; charset=utf-8",
            "text/x-opml; charset=utf-8", "application/xml; charset=utf-8", "text/html; charset=utf-8",
            "text/plain; charset=utf-8", "message/rfc822", "application/gzip"} <= kinds


def test_gzip_copy_when_asked_with_vary(site, nginx):
    plain, plain_body = get(nginx, "/feeds/rss.xml")
    packed, packed_body = get(nginx, "/feeds/rss.xml", {"Accept-Encoding": "gzip, br"})
    original = (site.feeds.output_dir / "rss.xml").read_bytes()
    assert plain.getheader("Content-Encoding") is None and plain_body == original
    assert packed.getheader("Content-Encoding") == "gzip" and gzip.decompress(packed_body) == original
    assert packed_body == (site.feeds.output_dir / "rss.xml.gz").read_bytes()  # publish's copy, not compressed on the fly
    assert plain.getheader("Vary") == packed.getheader("Vary") == "Accept-Encoding"
    assert packed.getheader("Content-Type") == "application/rss+xml; charset=utf-8"
    assert plain.getheader("ETag") != packed.getheader("ETag")
    assert get(nginx, "/feeds/rss.xml", {"Accept-Encoding": "gzip;q=0"})[0].getheader("Content-Encoding") is None
    lone, _ = get(nginx, "/feeds/robots-sitemaps.txt", {"Accept-Encoding": "gzip"})  # no copy: no Vary
    assert lone.status == 200 and lone.getheader("Content-Encoding") is None and lone.getheader("Vary") is None


def test_304_on_if_none_match_and_if_modified_since(nginx, serve):
    for asked in ({}, {"Accept-Encoding": "gzip"}):
        first, _ = get(nginx, "/feeds/atom.xml", asked)
        etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
        again, body = get(nginx, "/feeds/atom.xml", {**asked, "If-None-Match": etag})
        assert again.status == 304 and body == b"" and again.getheader("ETag") == etag
        assert again.getheader("Cache-Control") == get(serve, "/feeds/atom.xml", {**asked, "If-None-Match": "*"})[0].getheader("Cache-Control")
        assert all(again.getheader(name) for name in SECURITY)
        assert get(nginx, "/feeds/atom.xml", {**asked, "If-None-Match": '"lain"'})[0].status == 200
        assert get(nginx, "/feeds/atom.xml", {**asked, "If-Modified-Since": modified})[0].status == 304
        assert get(nginx, "/feeds/atom.xml", {**asked, "If-Modified-Since": "Sun, 01 Sep 2030 00:00:00 GMT"})[0].status == 304
        assert get(nginx, "/feeds/atom.xml", {**asked, "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0].status == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2), as in serve
        assert get(nginx, "/feeds/atom.xml", {**asked, "If-None-Match": '"lain"', "If-Modified-Since": modified})[0].status == 200


def test_folders_get_their_index_and_a_slash(nginx, serve, site):
    for path in ("/feeds/", "/feeds/dunia/", "/feeds/edisi/"):
        ours, body = get(nginx, path)
        theirs, expected = get(serve, path)
        assert (ours.status, body) == (theirs.status, expected) == (200, expected), path
        assert ours.getheader("Content-Type") == "text/html; charset=utf-8"
        assert ours.getheader("Cache-Control") == theirs.getheader("Cache-Control") == "public, max-age=300"
    ours, _ = get(nginx, "/feeds/dunia")
    theirs, _ = get(serve, "/feeds/dunia")
    assert (ours.status, ours.getheader("Location")) == (theirs.status, theirs.getheader("Location")) == (301, "/feeds/dunia/")
    assert get(nginx, "/feeds/topik/")[0].status == 404  # a folder without index.html


def test_nothing_publish_did_not_write_is_served(nginx, serve):
    for path in ("/config.toml", "/data/newsfeed.sqlite3", "/feeds/../config.toml", "/feeds/%2e%2e/config.toml",
                 "/feeds/dunia/../../data/newsfeed.sqlite3", "/pages/dunia/2024-10-01-0900-k0.txt", "/feeds/salinan.sqlite3",
                 "/feeds/.rahasia", "/feeds/dunia/catatan.bak", "/feeds/tidak-ada.xml"):
        ours, body = get(nginx, path)
        assert ours.status == 404, path
        assert get(serve, path)[0].status in (400, 404), path
        assert b"SQLite" not in body and b"[site]" not in body
        assert ours.getheader("Cache-Control") == "no-store", path
        assert all(ours.getheader(name) for name in SECURITY), path
    # serve also answers the feeds at "/"; behind nginx "/" is the site folder, never served
    assert get(nginx, "/")[0].status == 404


def test_head_has_the_headers_of_get_and_no_body(nginx):
    got, body = get(nginx, "/feeds/feed.json")
    head, empty = get(nginx, "/feeds/feed.json", method="HEAD")
    assert head.status == 200 and empty == b"" and body
    for name in (*SAME, "ETag", "Content-Length"):
        assert head.getheader(name) == got.getheader(name), name


def test_feeds_carry_the_websub_link_and_other_files_do_not(nginx, hub):
    link = get(nginx, "/feeds/dunia/atom.xml")[0].getheader("Link")
    assert link == f'<{hub}>; rel="hub", <{SITE}/feeds/dunia/atom.xml>; rel="self"'
    assert get(nginx, "/feeds/opml.xml")[0].getheader("Link") is None
