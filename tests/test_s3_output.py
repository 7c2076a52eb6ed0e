"""Publishing into an S3-compatible bucket: moto's S3 server on 127.0.0.1, real boto3 requests.

Every test builds the same site twice, once into a local folder and once into the bucket,
and holds the bucket to the local build byte for byte. The server is moto's own WSGI app
served by werkzeug on a free port (as `moto_server` runs it), with a layer in front that
records each request, so "uploads nothing" is counted at the server.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote

import feedparser
import pytest
from click.testing import CliRunner

from conftest import KORUT, NOW, body, config_text, page
from newsfeed import core, editions
from newsfeed.cli import main
from newsfeed.config import load_settings
from newsfeed.deliver import targets
from newsfeed.deliver.s3 import object_headers, tier
from newsfeed.errors import ConfigError, DeliveryError
from newsfeed.publishing import copies

boto3 = pytest.importorskip("boto3")  # in the test extras; the message says what to install
pytest.importorskip("moto")
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402


class S3Server:
    """moto's S3 on 127.0.0.1, recording (method, key, query) of every request; it can be
    stopped and started again on the same port (moto keeps its buckets in this process)."""

    def __init__(self):
        self.app = DomainDispatcherApplication(create_backend_app)
        self.requests: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self.port = 0
        self.server = None

    def __call__(self, environ, start_response):
        with self.lock:
            self.requests.append((environ["REQUEST_METHOD"], unquote(environ.get("PATH_INFO", "")), environ.get("QUERY_STRING", "")))
        return self.app(environ, start_response)

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self, threaded=True, request_handler=MotoRequestHandler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def writes(self, bucket: str) -> list[tuple[str, str]]:
        """(PUT or DELETE, key) in the order the server got them; a DeleteObjects batch is
        ("DELETE", "") once."""
        found = []
        with self.lock:
            for method, path, query in self.requests:
                if method == "PUT" and path.startswith(f"/{bucket}/"):
                    found.append(("PUT", path[len(bucket) + 2 :]))
                elif method == "DELETE" or (method == "POST" and "delete" in parse_qs(query, keep_blank_values=True)):
                    found.append(("DELETE", path[len(bucket) + 2 :]))
        return found


@pytest.fixture(scope="module")
def s3server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def aws(monkeypatch, tmp_path):
    """Credentials for moto only; nothing read from ~/.aws, no instance metadata lookups."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


class Bucket:
    def __init__(self, server: S3Server):
        self.name = f"berita-{uuid.uuid4().hex[:12]}"
        self.server = server
        self.client = boto3.client("s3", endpoint_url=server.url, region_name="us-east-1")

    def files(self) -> dict[str, bytes]:
        """relative path under PREFIX -> bytes of every object there."""
        found = {}
        for listing in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=PREFIX + "/"):
            for item in listing.get("Contents", ()):
                found[item["Key"][len(PREFIX) + 1 :]] = self.client.get_object(Bucket=self.name, Key=item["Key"])["Body"].read()
        return found

    def head(self, relative: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=f"{PREFIX}/{relative}")

    def put(self, relative: str, data: bytes, **headers) -> None:
        self.client.put_object(Bucket=self.name, Key=f"{PREFIX}/{relative}", Body=data, **headers)

    def puts(self) -> list[str]:
        """Relative paths of the objects uploaded since the server's log was cleared, in order."""
        return [key.removeprefix(PREFIX + "/") for method, key in self.server.writes(self.name) if method == "PUT"]


@pytest.fixture
def bucket(s3server, aws):
    made = Bucket(s3server)
    made.client.create_bucket(Bucket=made.name)
    s3server.clear()
    return made


PREFIX = "situs/feeds"


def site_pages() -> dict[str, str]:
    pages = {}
    for day in (14, 15, 16, 17):
        pages[f"dunia/2024-10-{day}-0800-korut-{day}.txt"] = page("Dunia", f"Korea Utara dan Rusia Hari {day}", KORUT[day % 3 :][:3])
    for day in (14, 15, 16):
        pages[f"ekonomi/2024-10-{day}-1000-rupiah-{day}.txt"] = page("Ekonomi", f"Rupiah Menguat Hari {day}", body("Rupiah"))
    pages["teknologi/2024-10-15-1300-satelit.txt"] = page("Teknologi", "Satelit Baru Diluncurkan", body("satelit"))
    return pages


def make_site(folder: Path, pages: dict[str, str], feeds: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(config_text().replace("[feeds]\n", f"[feeds]\n{feeds}", 1), encoding="utf-8")
    for name, text in pages.items():
        target = folder / "pages" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return load_settings(folder / "config.toml")


def bucket_feeds(bucket: str, endpoint: str, extra: str = "") -> str:
    return f'target = "s3://{bucket}/{PREFIX}"\nendpoint_url = "{endpoint}"\nregion = "us-east-1"\n{extra}'


@pytest.fixture
def pair(tmp_path, bucket, s3server):
    """(local settings, bucket settings) of the same site, both gathered."""
    local = make_site(tmp_path / "lokal", site_pages())
    remote = make_site(tmp_path / "awan", site_pages(), bucket_feeds(bucket.name, s3server.url))
    for settings in (local, remote):
        with core.open_store(settings) as store:
            core.gather(settings, store, NOW)
    return local, remote


def publish(settings, now=NOW):
    with core.open_store(settings) as store:
        return core.publish(settings, store, now)


def local_files(settings) -> dict[str, bytes]:
    root = settings.feeds.output_dir
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def edit_page(settings, name: str, old: str, new: str) -> None:
    path = settings.root / "pages" / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)


def test_bucket_holds_the_local_build_byte_for_byte_with_each_files_headers(pair, bucket):
    local, remote = pair
    publish(local)
    report = publish(remote)
    built, uploaded = local_files(local), bucket.files()
    assert uploaded == built
    assert {"rss.xml", "rss.xml.gz", "opml.xml", "index.html", "dunia/atom.xml", "dunia/index.html", "sitemap.xml"} <= set(uploaded)
    assert report.written and not report.unchanged
    assert feedparser.parse(uploaded["dunia/rss.xml"]).entries[0].title.startswith("Korea Utara")

    expected_types = {
        "rss.xml": "application/rss+xml; charset=utf-8", "atom.xml": "application/atom+xml; charset=utf-8",
        "feed.json": "application/feed+json; charset=utf-8", "opml.xml": "text/x-opml; charset=utf-8",
        "index.html": "text/html; charset=utf-8", "dunia/index.html": "text/html; charset=utf-8",
        "sitemap.xml": "application/xml; charset=utf-8", "robots-sitemaps.txt": "text/plain; charset=utf-8",
    }
    for relative, data in uploaded.items():
        head = bucket.head(relative)
        original = relative.removesuffix(".gz")
        assert head["ContentType"] == object_headers(relative)["ContentType"]
        if original in expected_types:
            assert head["ContentType"] == expected_types[original], relative
        assert head["CacheControl"] == "public, max-age=300", relative
        assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
        if relative.endswith(".gz"):  # the copy: the original's type, gzip-encoded, the same bytes inside
            assert head["ContentEncoding"] == "gzip" and gzip.decompress(data) == uploaded[original]
        else:
            assert "ContentEncoding" not in head  # the main object stays plain


def test_digest_edition_goes_to_the_bucket_with_its_types(pair, bucket, s3server):
    local, remote = pair
    for settings in (local, remote):
        with core.open_store(settings) as store:
            edition = editions.select_week(settings, store, NOW, "2024-W42")
            report = editions.publish_edition(settings, store, edition)
    assert set(report.written) == {"edisi/2024-W42/index.html", "edisi/2024-W42/digest.txt", "edisi/2024-W42/digest.eml", "edisi/index.html"}
    assert bucket.files() == local_files(local)
    heads = {r: bucket.head(r) for r in report.written}
    assert heads["edisi/2024-W42/digest.eml"]["ContentType"] == "message/rfc822"
    assert heads["edisi/2024-W42/digest.eml"]["CacheControl"] == "public, max-age=3600"
    assert heads["edisi/2024-W42/digest.txt"]["ContentType"] == "text/plain; charset=utf-8"
    assert bucket.puts()[-1] == "edisi/index.html"  # the archive names the edition: after it
    s3server.clear()
    with core.open_store(remote) as store:
        again = editions.publish_edition(remote, store, editions.select_week(remote, store, NOW, "2024-W42"))
    assert again.written == () and s3server.writes(bucket.name) == []


def test_second_publish_uploads_nothing(pair, bucket, s3server):
    _local, remote = pair
    publish(remote)
    s3server.clear()
    report = publish(remote)
    assert report.written == () and report.unchanged
    assert s3server.writes(bucket.name) == []
    # a later clock with nothing new: the news sitemap window moved, the bytes did not
    s3server.clear()
    later = publish(remote, NOW + timedelta(minutes=5))
    assert later.written == () and s3server.writes(bucket.name) == []


def test_an_edit_uploads_only_the_changed_objects_indexes_last(pair, bucket, s3server):
    local, remote = pair
    publish(local)
    publish(remote)
    before = local_files(local)
    for settings in (local, remote):
        edit_page(settings, "ekonomi/2024-10-15-1000-rupiah-15.txt", "Rupiah Menguat Hari 15", "Rupiah Melemah Hari 15")
    publish(local)
    s3server.clear()
    report = publish(remote)
    after = local_files(local)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed and {"ekonomi/rss.xml", "ekonomi/rss.xml.gz", "rss.xml"} <= changed and "dunia/rss.xml" not in changed
    puts = bucket.puts()
    assert sorted(puts) == sorted(changed)  # each changed object once, nothing else
    assert set(report.written) == {p.removesuffix(".gz") for p in changed}
    assert bucket.files() == after
    tiers = [tier(p) for p in puts]
    assert tiers == sorted(tiers), puts  # feeds, then folder pages, then index.html, opml.xml, sitemaps
    assert tier("opml.xml") == tier("index.html") == 2 and tier("ekonomi/index.html.gz") == 1 and tier("ekonomi/rss.xml") == 0


def test_removed_feeds_are_deleted_after_the_uploads(pair, bucket, s3server):
    local, remote = pair
    publish(local)
    publish(remote)
    assert "teknologi/rss.xml" in bucket.files()
    for settings in (local, remote):
        (settings.root / "pages" / "teknologi/2024-10-15-1300-satelit.txt").unlink()
        with core.open_store(settings) as store:
            core.gather(settings, store, NOW)
    publish(local)
    s3server.clear()
    report = publish(remote)
    assert "teknologi/rss.xml" in report.removed
    uploaded = bucket.files()
    assert not any(p.startswith("teknologi/") for p in uploaded)
    assert uploaded == local_files(local)
    writes = s3server.writes(bucket.name)
    assert writes[-1][0] == "DELETE" and all(method == "PUT" for method, _k in writes[:-1]) and len(writes) > 1


def test_objects_with_the_same_bytes_are_kept_and_wrong_headers_fixed_without_stamps(pair, bucket, s3server):
    """A bucket filled before (another tool, a store that published locally): the object's
    sha256 and headers decide, not the store."""
    local, remote = pair
    publish(local)
    built = local_files(local)
    good = object_headers("dunia/rss.xml")
    digest = hashlib.sha256(built["dunia/rss.xml"]).hexdigest()
    bucket.put("dunia/rss.xml", built["dunia/rss.xml"], Metadata={"sha256": digest}, **good)
    bucket.put("dunia/atom.xml", built["dunia/atom.xml"], ContentType="binary/octet-stream")
    s3server.clear()
    publish(remote)
    puts = set(bucket.puts())
    assert "dunia/rss.xml" not in puts  # same bytes, same headers: left alone
    assert "dunia/atom.xml" in puts  # same bytes served as binary/octet-stream: uploaded again
    assert puts == set(built) - {"dunia/rss.xml"}
    assert bucket.head("dunia/atom.xml")["ContentType"] == "application/atom+xml; charset=utf-8"


def test_an_object_deleted_by_hand_is_uploaded_again(pair, bucket, s3server):
    _local, remote = pair
    publish(remote)
    bucket.client.delete_object(Bucket=bucket.name, Key=f"{PREFIX}/dunia/feed.json")
    s3server.clear()
    publish(remote)
    assert bucket.puts() == ["dunia/feed.json"]


def cli_publish(settings):
    return CliRunner().invoke(main, ["publish", "--quiet", "--config", str(settings.path)])


def one_error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_a_refused_upload_leaves_the_previous_version_served_then_the_next_publish_finishes(pair, bucket, s3server):
    local, remote = pair
    publish(local)
    assert cli_publish(remote).exit_code == 0
    first = bucket.files()
    for settings in (local, remote):
        edit_page(settings, "dunia/2024-10-17-0800-korut-17.txt", "Korea Utara dan Rusia Hari 17", "Korea Utara Menembakkan Rudal")
    publish(local)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                                                      "Resource": f"arn:aws:s3:::{bucket.name}/{PREFIX}/dunia/rss.xml"}]}
    bucket.client.put_bucket_policy(Bucket=bucket.name, Policy=json.dumps(policy))
    try:
        line = one_error_line(cli_publish(remote))
    finally:
        bucket.client.delete_bucket_policy(Bucket=bucket.name)
    assert "dunia/rss.xml" in line and "upload failed" in line and "nothing was deleted" in line
    now = bucket.files()
    assert now["dunia/rss.xml"] == first["dunia/rss.xml"]  # the previous version, whole
    for top in ("index.html", "opml.xml", "rss.xml", "sitemap.xml"):  # nothing that names the feeds moved
        assert now[top] == first[top], top
    assert set(now) == set(first)
    result = cli_publish(remote)
    assert result.exit_code == 0, result.output
    assert bucket.files() == local_files(local)


def test_a_stopped_server_fails_with_one_line_and_loses_nothing(pair, bucket, s3server):
    local, remote = pair
    publish(local)
    publish(remote)
    first = bucket.files()
    for settings in (local, remote):
        edit_page(settings, "ekonomi/2024-10-14-1000-rupiah-14.txt", "Rupiah Menguat Hari 14", "Rupiah Stabil Hari 14")
    publish(local)
    s3server.stop()
    try:
        line = one_error_line(cli_publish(remote))
    finally:
        s3server.start()
    assert PREFIX in line and "endpoint_url" in line
    assert bucket.files() == first
    assert cli_publish(remote).exit_code == 0
    assert bucket.files() == local_files(local)


def test_a_missing_bucket_is_named(tmp_path, s3server, aws):
    settings = make_site(tmp_path / "s", site_pages(), bucket_feeds("tidak-ada-ember", s3server.url))
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    line = one_error_line(cli_publish(settings))
    assert "tidak-ada-ember" in line and "does not exist" in line


# CDN purge hook ----------------------------------------------------------------------

RECORDER = """\
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write(json.dumps(sys.argv[2:]) + "\\n")
"""


def test_cdn_purge_command_gets_the_changed_paths(tmp_path, bucket, s3server):
    script, log = tmp_path / "purge.py", tmp_path / "purged.jsonl"
    script.write_text(RECORDER, encoding="utf-8")
    hook = f"cdn_purge = [{json.dumps(sys.executable)}, {json.dumps(str(script))}, {json.dumps(str(log))}]\n"
    settings = make_site(tmp_path / "s", site_pages(), bucket_feeds(bucket.name, s3server.url, hook))
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    publish(settings)
    first = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(first) == 1
    assert {"/feeds/rss.xml", "/feeds/rss.xml.gz", "/feeds/index.html", "/feeds/", "/feeds/dunia/", "/feeds/dunia/atom.xml"} <= set(first[0])
    publish(settings)
    assert len(log.read_text().splitlines()) == 1  # nothing changed: not called
    edit_page(settings, "teknologi/2024-10-15-1300-satelit.txt", "Satelit Baru Diluncurkan", "Satelit Kedua Diluncurkan")
    s3server.clear()
    publish(settings)
    second = json.loads(log.read_text().splitlines()[-1])
    puts = {"/feeds/" + p for p in bucket.puts()}
    assert set(second) == puts | {p[: -len("index.html")] for p in puts if p.endswith("/index.html")}
    assert "/feeds/teknologi/rss.xml" in second and "/feeds/dunia/rss.xml" not in second


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.bodies.append((self.headers["Content-Type"], json.loads(data)))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.bodies, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_cdn_purge_url_is_posted_a_json_list_and_a_failure_is_one_line_after_publishing(tmp_path, hook_server):
    url = f"http://127.0.0.1:{hook_server.server_address[1]}/purge?zone=berita"
    settings = make_site(tmp_path / "s", site_pages(), f'cdn_purge = "{url}"\n')  # a local folder behind a CDN
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    publish(settings)
    [(kind, paths)] = hook_server.bodies
    assert kind == "application/json" and "/feeds/opml.xml" in paths and "/feeds/" in paths
    edit_page(settings, "teknologi/2024-10-15-1300-satelit.txt", "Satelit Baru Diluncurkan", "Satelit Ketiga Diluncurkan")
    hook_server.status = 403
    with pytest.raises(DeliveryError) as failed:
        publish(settings)
    message = str(failed.value)
    assert "\n" not in message and "CDN purge" in message and "HTTP 403" in message and "were published" in message
    assert b"Satelit Ketiga" in (settings.feeds.output_dir / "teknologi/rss.xml").read_bytes()
    assert publish(settings).written == ()  # recorded as published: nothing to do again


def test_purge_paths_name_folders_of_pages():
    class S:
        class feeds:
            base_url = "https://cdn.example/feeds"

    assert targets.purge_paths(S, ["index.html", "dunia/index.html.gz", "dunia/index.html", "rss.xml"]) == [
        "/feeds/index.html", "/feeds/", "/feeds/dunia/index.html.gz", "/feeds/dunia/index.html", "/feeds/dunia/", "/feeds/rss.xml",
    ]
    assert [c for c in copies("dunia/index.html")] == ["dunia/index.html", "dunia/index.html.gz"]


# configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feeds", "named"),
    [
        ('target = "gs://ember/feeds"\n', "feeds.target"),
        ('target = "s3://Ember_Besar/feeds"\n', "feeds.target"),
        ('target = "s3://ember/a//b"\n', "feeds.target"),
        ('target = "s3://ember/../b"\n', "feeds.target"),
        ('endpoint_url = "http://127.0.0.1:9000"\n', "feeds.endpoint_url"),
        ('region = "auto"\n', "feeds.region"),
        ('target = "s3://ember"\nendpoint_url = "minio:9000"\n', "feeds.endpoint_url"),
        ('cdn_purge = "purge \'unclosed"\n', "feeds.cdn_purge"),
        ('cdn_purge = "https://cdn example/purge"\n', "feeds.cdn_purge"),
        ("cdn_purge = [1, 2]\n", "feeds.cdn_purge"),
    ],
)
def test_bad_target_settings_are_one_line_errors_naming_the_key(tmp_path, feeds, named):
    with pytest.raises(ConfigError) as failed:
        make_site(tmp_path, {}, feeds)
    assert named in str(failed.value) and "\n" not in str(failed.value)


def test_target_settings_are_read(tmp_path):
    settings = make_site(tmp_path, {}, 'target = "s3://ember.berita/situs/feeds/"\nendpoint_url = "https://r2.example"\nregion = "auto"\n'
                                       'cdn_purge = "/usr/local/bin/purge --zone \'berita utama\'"\n')
    feeds = settings.feeds
    assert (feeds.target, feeds.endpoint_url, feeds.region) == ("s3://ember.berita/situs/feeds/", "https://r2.example", "auto")
    assert feeds.cdn_purge == ("/usr/local/bin/purge", "--zone", "berita utama")
    assert make_site(tmp_path / "b", {}).feeds.target == ""
