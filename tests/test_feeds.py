"""Published feeds, read back by feedparser and lxml: validity rules and round-trips."""

import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
import pytest
from lxml import etree

from conftest import NOW, body, page
from newsfeed import core
from newsfeed.render.assemble import FeedAssembler
from newsfeed.render.feeds import render_atom, render_rss
from newsfeed.store import Store
from newsfeed.types import Article, FeedSpec

RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0700$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$")
NS = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/"}


def _site_pages():
    pages = {}
    for day in range(1, 8):
        pages[f"dunia/2024-10-{day:02d}-08{day:02d}-dunia-{day}.txt"] = page("Dunia", f"Kabar Dunia Hari {day}", body("Korea Utara"))
        pages[f"ekonomi/2024-10-{day:02d}-10{day:02d}-ekonomi-{day}.txt"] = page("Ekonomi", f"Kabar Ekonomi Hari {day}", body("Rupiah"), author="Rina Kartika")
    pages["nasional/2024-10-09-2000-nasional.txt"] = page(
        "Nasional", "Sidang Paripurna DPR", body("DPR"), header="updated: 2024-10-10 09:15\nimage: /gambar/dpr.jpg"
    )
    return pages


@pytest.fixture
def built(make_site):
    settings = make_site(_site_pages())
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        report = core.publish(settings, store, NOW)
    return settings, report


def _files(settings):
    root = settings.feeds.output_dir
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_expected_files_at_documented_paths(built):
    settings, report = built
    names = set(_files(settings))
    for folder in ("", "dunia/", "ekonomi/", "nasional/"):
        assert {f"{folder}rss.xml", f"{folder}atom.xml", f"{folder}feed.json"} <= names
    assert {"opml.xml", "index.html"} <= names
    assert "olahraga/rss.xml" not in names  # a section with no articles gets no empty feed
    assert sorted(report.written) == sorted(n for n in names if not n.endswith(".gz"))
    for name in report.written:  # each feed and page has its precompressed copy, the same bytes; topics' have none
        if name.endswith((".xml", ".json", ".html")) and not name.startswith("topik/"):
            assert gzip.decompress(_files(settings)[name + ".gz"]) == _files(settings)[name]
    assert any(n.startswith("topik/") for n in names) and not any(n.startswith("topik/") and n.endswith(".gz") for n in names)


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "dunia/rss.xml", "dunia/atom.xml", "nasional/rss.xml"])
def test_feedparser_reads_feed_cleanly(built, name):
    settings, _ = built
    parsed = feedparser.parse(_files(settings)[name])
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.entries
    assert parsed.feed.language == "id"


def test_rss_round_trips_every_field(built):
    settings, _ = built
    parsed = feedparser.parse(_files(settings)["rss.xml"])
    with Store(settings.store_path) as store:
        articles = store.newest(50, NOW)
    assert [e.title for e in parsed.entries] == [a.title for a in articles]
    for entry, article in zip(parsed.entries, articles, strict=True):
        assert entry.id == f"tag:kabaruji.example,2024:artikel/{article.id}"
        assert entry.guidislink is False
        assert entry.link == article.url
        assert entry.author == article.author
        assert entry.summary == article.summary
        assert entry.content[0].value.startswith("<")
        assert entry.published_parsed[:6] == article.published.utctimetuple()[:6]
        assert [t.term for t in entry.tags][0] in {"Dunia", "Ekonomi", "Nasional"}
    assert parsed.feed.link == "https://kabaruji.example"


def test_atom_keeps_published_and_updated_apart(built):
    settings, _ = built
    parsed = feedparser.parse(_files(settings)["nasional/atom.xml"])
    [entry] = parsed.entries
    assert entry.published == "2024-10-09T20:00:00+07:00"
    assert entry.updated == "2024-10-10T09:15:00+07:00"
    assert parsed.feed.updated == "2024-10-10T09:15:00+07:00"
    assert entry.author == "Redaksi Kabar Uji"


def test_dates_are_rfc822_and_rfc3339_in_site_zone(built):
    settings, _ = built
    files = _files(settings)
    rss = etree.fromstring(files["rss.xml"])
    for date in rss.iterfind(".//pubDate"):
        assert RFC822.match(date.text), date.text
    assert RFC822.match(rss.findtext("channel/lastBuildDate"))
    atom = etree.fromstring(files["atom.xml"])
    for tag in ("atom:updated", "atom:entry/atom:published", "atom:entry/atom:updated"):
        for node in atom.iterfind(tag, NS):
            assert RFC3339.match(node.text), node.text


def test_last_build_date_is_newest_item_not_build_time(built):
    settings, _ = built
    rss = etree.fromstring(_files(settings)["rss.xml"])
    assert rss.findtext("channel/lastBuildDate") == "Thu, 10 Oct 2024 09:15:00 +0700"


def test_each_feed_has_own_id_and_absolute_self_link(built):
    settings, _ = built
    files = _files(settings)
    ids = set()
    for name in ("atom.xml", "dunia/atom.xml", "ekonomi/atom.xml"):
        atom = etree.fromstring(files[name])
        ids.add(atom.findtext("atom:id", namespaces=NS))
        [self_link] = atom.xpath("atom:link[@rel='self']/@href", namespaces=NS)
        assert self_link == f"https://kabaruji.example/feeds/{name}"
    assert len(ids) == 3
    rss = etree.fromstring(files["dunia/rss.xml"])
    [self_link] = rss.xpath("channel/atom:link[@rel='self']/@href", namespaces=NS)
    assert self_link == "https://kabaruji.example/feeds/dunia/rss.xml"
    assert rss.findtext("channel/link") == "https://kabaruji.example/dunia"


def test_rss_items_follow_validator_rules(built):
    settings, _ = built
    rss = etree.fromstring(_files(settings)["rss.xml"])
    guids = [g.text for g in rss.iterfind(".//item/guid")]
    assert len(guids) == len(set(guids)) == 15
    for item in rss.iterfind(".//item"):
        tags = [etree.QName(child).localname for child in item]
        assert tags.index("description") < tags.index("encoded")
        assert item.find("guid").get("isPermaLink") == "false"
        assert item.find("author") is None and item.find("dc:creator", NS) is not None


def test_newest_first_and_capped(make_site):
    settings = make_site(_site_pages(), extra_config="")
    settings = type(settings)(**{**{f: getattr(settings, f) for f in settings.__dataclass_fields__}, "feeds": type(settings.feeds)(settings.feeds.output_dir, settings.feeds.base_url, 4, settings.feeds.formats)})
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    parsed = feedparser.parse((settings.feeds.output_dir / "rss.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Sidang Paripurna DPR", "Kabar Ekonomi Hari 7", "Kabar Dunia Hari 7", "Kabar Ekonomi Hari 6"]


def test_nothing_dated_in_the_future(make_site):
    settings = make_site(_site_pages())
    now = datetime(2024, 10, 5, 0, 0, tzinfo=UTC)
    with Store(settings.store_path) as store:
        core.gather(settings, store, now)
        core.publish(settings, store, now)
    parsed = feedparser.parse((settings.feeds.output_dir / "rss.xml").read_bytes())
    assert parsed.entries
    assert all(datetime(*e.published_parsed[:6], tzinfo=UTC) <= now for e in parsed.entries)


def test_json_feed_has_same_ids(built):
    settings, _ = built
    files = _files(settings)
    feed = json.loads(files["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://kabaruji.example/feeds/feed.json"
    rss_ids = [e.id for e in feedparser.parse(files["rss.xml"]).entries]
    assert [i["id"] for i in feed["items"]] == rss_ids
    assert all(RFC3339.match(i["date_published"]) for i in feed["items"])


def test_opml_lists_every_feed(built):
    settings, _ = built
    root = ET.fromstring(_files(settings)["opml.xml"])
    assert root.get("version") == "2.0"
    urls = {o.get("xmlUrl") for o in root.iter("outline") if o.get("type") == "rss"}
    assert urls >= {f"https://kabaruji.example/feeds/{p}rss.xml" for p in ("", "dunia/", "ekonomi/", "nasional/")}
    groups = {g.get("text"): [o.get("xmlUrl") for o in g] for g in root.find("body") if g.get("type") is None}
    assert groups["Dunia"][0] == "https://kabaruji.example/feeds/dunia/rss.xml"
    assert "https://kabaruji.example/feeds/topik/korea-utara/rss.xml" in groups["Dunia"]
    assert "https://kabaruji.example/feeds/topik/rupiah/rss.xml" in groups["Ekonomi"]
    for outline in root.iter("outline"):
        if outline.get("type") == "rss":
            assert outline.get("text") and outline.get("title") and outline.get("htmlUrl").startswith("https://")


def test_index_page_has_autodiscovery(built):
    settings, _ = built
    html = _files(settings)["index.html"].decode()
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="https://kabaruji.example/feeds/dunia/atom.xml"' in html


def _article(**changes):
    base = dict(
        id="abc123", source="s", key="k", section="dunia", title="Judul <b>tebal</b> & aman", content_html="<p>x</p>",
        text="x", summary="ringkas", author="Rina", published=datetime(2024, 10, 1, tzinfo=UTC),
        updated=datetime(2024, 10, 1, tzinfo=UTC), slug="judul", url="https://kabaruji.example/dunia/judul",
    )
    return Article(**{**base, **changes})


HOSTILE = (
    '<p onclick="steal()">Teks <a href="javascript:alert(1)">klik</a> <a href="/dunia/lain">lain</a>'
    '<script>alert(1)</script><iframe src="https://evil.example"></iframe><img src="foto.jpg" onerror="x()">'
    "<embed src=x><object data=x></object><meta http-equiv=refresh> ]]> \x0b</p>"
)


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_hostile_html_never_reaches_a_feed(make_site, render):
    settings = make_site({})
    spec = FeedSpec("site", "", "Kabar Uji", "Kabar Uji", "Berita uji", "", "https://kabaruji.example")
    data = render(spec, [_article(content_html=HOSTILE)], settings)
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    raw_content = parsed.entries[0].content[0].value
    for bad in ("<script", "onclick", "javascript:", "<iframe", "onerror", "<embed", "<object", "<meta"):
        assert bad not in raw_content
        assert bad not in data.decode()
    assert 'href="https://kabaruji.example/dunia/lain"' in raw_content
    assert 'src="https://kabaruji.example/foto.jpg"' in raw_content
    assert parsed.entries[0].title == "Judul <b>tebal</b> & aman"


def test_feeds_are_byte_identical_and_not_rewritten(built):
    settings, _ = built
    before = _files(settings)
    mtimes = {p: p.stat().st_mtime_ns for p in settings.feeds.output_dir.rglob("*") if p.is_file()}
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW + timedelta(days=3))
        report = core.publish(settings, store, NOW + timedelta(days=3))
    assert report.written == ()
    assert _files(settings) == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def test_renamed_headline_keeps_every_guid(built):
    settings, _ = built
    before = [e.id for e in feedparser.parse(_files(settings)["rss.xml"]).entries]
    target = settings.root / "pages/dunia/2024-10-03-0803-dunia-3.txt"
    target.write_text(page("Dunia", "Judul yang Diganti Redaksi", body("Korea Utara")), encoding="utf-8")
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW + timedelta(hours=1))
        core.publish(settings, store, NOW + timedelta(hours=1))
    parsed = feedparser.parse(_files(settings)["rss.xml"])
    assert sorted(e.id for e in parsed.entries) == sorted(before)
    assert "Judul yang Diganti Redaksi" in [e.title for e in parsed.entries]


def test_failed_render_leaves_published_files_whole(built, monkeypatch):
    settings, _ = built
    before = _files(settings)

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(FeedAssembler, "atom", broken)
    target = settings.root / "pages/dunia/2024-10-03-0803-dunia-3.txt"
    target.write_text(page("Dunia", "Judul Baru", body("Korea Utara")), encoding="utf-8")
    with Store(settings.store_path) as store, pytest.raises(RuntimeError):
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    assert _files(settings) == before
    assert not [p for p in settings.feeds.output_dir.rglob("*.tmp")]


def test_deleted_output_file_is_published_again(built):
    settings, _ = built
    before = _files(settings)
    (settings.feeds.output_dir / "dunia" / "rss.xml").unlink()
    with Store(settings.store_path) as store:
        report = core.publish(settings, store, NOW)
    assert report.written == ("dunia/rss.xml",)
    assert _files(settings) == before


def test_article_coming_due_is_published_without_other_changes(make_site):
    settings = make_site(_site_pages())
    early = datetime(2024, 10, 5, tzinfo=UTC)
    with Store(settings.store_path) as store:
        core.gather(settings, store, early)
        core.publish(settings, store, early)
        report = core.publish(settings, store, early + timedelta(days=1))
    assert "rss.xml" in report.written


@pytest.mark.parametrize("content", ["summary", "full", None])
def test_topic_feeds_carry_summaries_unless_asked_for_full_content(make_site, content):
    """A topic feed repeats articles its section feed carries in full: by default its items
    hold the headline, summary and link only (a tenth of the bytes); feed_content = "full"
    gives them the body too. Section and site feeds always carry the body."""
    settings = make_site(_site_pages(), f'[topics]\nfeed_content = "{content}"\n' if content else "")
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
        articles = {a.url: a for a in store.newest(50, NOW)}
    files = _files(settings)
    full = content == "full"
    for name in ("topik/korea-utara/rss.xml", "topik/korea-utara/atom.xml", "dunia/rss.xml", "dunia/atom.xml"):
        parsed = feedparser.parse(files[name])
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert len(parsed.entries) == 7
        for entry in parsed.entries:
            assert entry.summary == articles[entry.link].summary
            with_body = full or not name.startswith("topik/")
            assert ("content" in entry) == with_body, name
            if with_body:
                assert entry.content[0].value.startswith("<p>")
    for name in ("topik/korea-utara/feed.json", "dunia/feed.json"):
        for item in json.loads(files[name])["items"]:
            if full or not name.startswith("topik/"):
                assert item["content_html"].startswith("<p>") and item["summary"] == articles[item["url"]].summary
            else:
                assert "content_html" not in item and item["content_text"] == articles[item["url"]].summary


def test_an_unknown_topic_feed_content_is_one_line_naming_the_key(make_site):
    from newsfeed.errors import ConfigError

    with pytest.raises(ConfigError, match=r"topics\.feed_content.*summary, full"):
        make_site({}, '[topics]\nfeed_content = "ful"\n')
