"""Published feeds, OPML and JSON Feed against the W3C feed validator's rules (tests/feedrules.py),
and aggregator-ready items: the lead image once, with its real size; site icon and logo;
topic and section pages behind every home link."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from feedgen.feed import FeedGenerator
from hypothesis import given, settings as hsettings, strategies as st
from lxml import etree

import feedrules
from conftest import NOW, body, page
from imagesite import BIG, FILES, REMOTE, SITE_KEYS, SMALL, jpeg, write_site
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.errors import ConfigError
from newsfeed.render.feeds import render_atom, render_rss
from newsfeed.render.jsonfeed import render_json
from newsfeed.store import Store
from newsfeed.types import Article, FeedSpec, ImageInfo

NS = {"atom": feedrules.ATOM, "content": feedrules.CONTENT, "dc": feedrules.DC, "media": feedrules.MEDIA}
BASE = "https://kabaruji.example"
FEEDS = f"{BASE}/feeds"


def _build(folder: Path, **kwargs):
    settings = write_site(folder, **kwargs)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    return settings


def _files(settings) -> dict[str, bytes]:
    root = settings.feeds.output_dir
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    settings = _build(tmp_path_factory.mktemp("bilder"))
    return settings, _files(settings)


def _item(rss: etree._Element, title_start: str) -> etree._Element:
    [item] = [i for i in rss.iterfind(".//item") if i.findtext("title").startswith(title_start)]
    return item


# the validator's rules over every published file ----------------------------------------


def test_every_feed_opml_and_json_feed_passes_the_validator_rules(site):
    _settings, files = site
    checked = {name: feedrules.problems_for(name, data) for name, data in files.items() if name.endswith(("rss.xml", "atom.xml", "feed.json", "opml.xml"))}
    assert len(checked) >= 3 * 5 + 1  # site, three sections and a topic, in three formats; the OPML
    assert "topik/korea-utara/rss.xml" in checked
    assert {name: problems for name, problems in checked.items() if problems} == {}


def test_no_media_group_without_alternatives_and_one_media_content(site):
    _settings, files = site
    for name in (n for n in files if n.endswith("rss.xml")):
        rss = feedrules.parse_xml(files[name])
        for group in rss.iterfind(".//media:group", NS):
            assert len(group.findall("media:content", NS)) >= 2, name
        for item in rss.iterfind(".//item"):
            assert len(item.findall("media:content", NS)) <= 1
            assert len(item.findall("enclosure")) <= 1


def test_every_opml_outline_is_a_feed_or_a_pure_folder(site):
    _settings, files = site
    opml = feedrules.parse_xml(files["opml.xml"])
    outlines = list(opml.iter("outline"))
    folders = [o for o in outlines if o.get("type") is None]
    assert folders and len(outlines) > len(folders)
    for outline in outlines:
        if outline.get("type") is None:
            assert dict(outline.attrib) == {"text": outline.get("text")} and len(outline), "a folder carries only its text"
        else:
            assert outline.get("type") == "rss"
            assert {"text", "title", "xmlUrl", "htmlUrl"} <= set(outline.attrib)


def test_rss_channel_and_items_follow_the_profile(site):
    _settings, files = site
    rss = feedrules.parse_xml(files["rss.xml"])
    channel = rss.find("channel")
    assert channel.xpath("atom:link[@rel='self']/@href", namespaces=NS) == [f"{FEEDS}/rss.xml"]
    assert channel.findtext("link") == BASE
    for date in rss.iterfind(".//pubDate"):
        assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0700", date.text)
    for item in rss.iterfind(".//item"):
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false" and guid.text.startswith("tag:kabaruji.example,2024:artikel/")
        names = [etree.QName(child).localname for child in item]
        assert names.index("description") < names.index("encoded")


def test_json_feed_has_the_required_fields_and_types(site):
    _settings, files = site
    feed = json.loads(files["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["feed_url"] == f"{FEEDS}/feed.json"
    for item in feed["items"]:
        assert isinstance(item["id"], str) and isinstance(item["content_html"], str)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", item["date_published"])
        assert all(isinstance(tag, str) for tag in item["tags"])
        assert [set(a) for a in item["authors"]] == [{"name"}]


# the rules catch what they are for ----------------------------------------------------------


def _feedgen_media_group_rss() -> bytes:
    """RSS as newsfeed wrote it before: feedgen's media extension with one image."""
    fg = FeedGenerator()
    fg.load_extension("media", atom=False, rss=True)
    fg.title("Uji")
    fg.link(href=f"{FEEDS}/rss.xml", rel="self")
    fg.link(href=BASE, rel="alternate")
    fg.description("Uji")
    fg.language("id")
    fe = fg.add_entry()
    fe.title("Judul")
    fe.guid("tag:kabaruji.example,2024:artikel/1a2b3c4d5e", permalink=False)
    fe.media.content({"url": f"{BASE}/gambar/a.jpg", "medium": "image"})
    return fg.rss_str(pretty=True)


def test_the_rules_catch_feedgens_one_image_media_group():
    assert b"<media:group>" in _feedgen_media_group_rss()
    assert "MediaGroupWithoutAlternatives: item 'Judul'" in feedrules.rss_problems(_feedgen_media_group_rss())


def test_the_rules_catch_an_opml_folder_with_a_title():
    opml = (
        b'<opml version="2.0"><head><title>x</title></head><body>'
        b'<outline text="Dunia" title="Dunia"><outline type="rss" text="a" title="a" xmlUrl="https://x.example/a.xml"/></outline>'
        b"</body></opml>"
    )
    assert feedrules.opml_problems(opml) == ["MissingOutlineType: outline 'Dunia'"]
    assert feedrules.opml_problems(opml.replace(b' title="Dunia"', b"")) == []


def _rss(item: str = "", channel: str = "", namespaces: str = "") -> bytes:
    return (
        f'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" {namespaces}>'
        f"<channel><title>Uji</title><link>{BASE}</link><description>Berita uji</description><language>id</language>"
        f'<atom:link href="{FEEDS}/rss.xml" rel="self" type="application/rss+xml"/>{channel}'
        f"<item><title>Judul</title><link>{BASE}/a</link><description>Ringkas</description>"
        f'<guid isPermaLink="false">tag:kabaruji.example,2024:artikel/1a2b3c4d5e</guid>{item}</item>'
        "</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (dict(item="<pubDate>Sen, 14 Okt 2024 08:30:00 WIB</pubDate>"), "InvalidRFC2822Date"),
        (dict(item="<pubDate>Tue, 14 Oct 2024 08:30:00 +0700</pubDate>"), "IncorrectDOW"),
        (dict(item="<pubDate>Mon, 14 Oct 2999 08:30:00 +0700</pubDate>"), "ImplausibleDate"),
        (dict(item='<enclosure url="https://kabaruji.example/a.jpg" type="image/jpeg"/>'), "MissingAttribute"),
        (dict(item='<enclosure url="https://kabaruji.example/a.jpg" length="1" type="image/jpeg"/>' * 2), "DuplicateEnclosure"),
        (dict(item="<author>Rina</author><dc:creator>Rina</dc:creator>", namespaces='xmlns:dc="http://purl.org/dc/elements/1.1/"'), "DuplicateItemSemantics"),
        (dict(item='<media:content url="https://kabaruji.example/a.jpg" fileSize="0"/>'), "InvalidPositiveInteger"),
        (dict(item="<content:encoded>&lt;a href=\"/dunia/lain\"&gt;lain&lt;/a&gt;</content:encoded>",
              namespaces='xmlns:content="http://purl.org/rss/1.0/modules/content/"'), "ContainsRelRef"),
        (dict(item="<content:encoded>&lt;p onclick=\"x()\"&gt;a&lt;/p&gt;</content:encoded>",
              namespaces='xmlns:content="http://purl.org/rss/1.0/modules/content/"'), "SecurityRiskAttr"),
        (dict(channel=f"<image><url>{BASE}/ikon.svg</url><title>Uji</title><link>{BASE}</link></image>"), "ImageUrlFormat"),
        (dict(channel=f"<image><url>{BASE}/ikon.png</url><title>Lain</title><link>{BASE}</link></image>"), "ImageTitleDoesntMatch"),
        (dict(channel=f"<image><url>{BASE}/ikon.png</url><title>Uji</title><link>{BASE}</link><width>512</width></image>"), "InvalidWidth"),
        (dict(channel=f'<webfeeds:icon>{BASE}/ikon.png</webfeeds:icon>', namespaces='xmlns:webfeeds="http://webfeeds.org/rss/1.0"'), "UnknownNamespace"),
    ],
)
def test_the_rules_catch_other_validator_findings(change, expected):
    assert feedrules.rss_problems(_rss()) == []
    assert expected in {p.split(":")[0] for p in feedrules.rss_problems(_rss(**change))}


def test_the_rules_catch_a_description_that_is_not_html_and_a_permalink_tag():
    assert [p.split(":")[0] for p in feedrules.rss_problems(_rss().replace(b"Ringkas", b"skor &lt;5 &amp;copy"))] == ["NotHtml"]
    assert "InvalidPermalink" in feedrules.rss_problems(_rss().replace(b'isPermaLink="false"', b'isPermaLink="true"'))[0]
    assert feedrules.rss_problems(_rss().replace(b' rel="self"', b' rel="alternate"')) == ["MissingAtomSelfLink: channel"]


def test_the_rules_catch_atom_and_json_feed_findings(site):
    _settings, files = site
    atom = files["dunia/atom.xml"]
    updated = re.findall(rb"<updated>[^<]+</updated>", atom)
    assert len(updated) >= 3
    assert any(p.startswith("DuplicateUpdated") for p in feedrules.atom_problems(atom.replace(updated[2], updated[1])))
    assert "MissingSelf: feed" in feedrules.atom_problems(re.sub(rb'<link href="[^"]+" rel="self"/>', b"", atom))
    feed = json.loads(files["feed.json"])
    del feed["items"][0]["id"]
    feed["items"][1]["date_published"] = "2024-10-14 08:30"
    problems = feedrules.jsonfeed_problems(json.dumps(feed).encode())
    assert "items[0].id: missing or not a string" in problems
    assert any(p.startswith("InvalidRFC3339Date: items[1].date_published") for p in problems)


# the lead image, once ----------------------------------------------------------------------


def test_local_lead_image_once_with_its_real_size_in_every_format(site):
    _settings, files = site
    url, size = f"{BASE}/{BIG}", len(FILES[BIG])
    item = _item(feedrules.parse_xml(files["dunia/rss.xml"]), "Korea Utara Menguji Rudal Baru untuk Kali Ke-1")
    assert item.find("media:group", NS) is None
    [content] = item.findall("media:content", NS)
    assert dict(content.attrib) == {"url": url, "medium": "image", "type": "image/jpeg", "fileSize": str(size), "width": "1200", "height": "675"}
    [thumbnail] = item.findall("media:thumbnail", NS)
    assert dict(thumbnail.attrib) == {"url": url, "width": "1200", "height": "675"}
    [enclosure] = item.findall("enclosure")
    assert dict(enclosure.attrib) == {"url": url, "length": str(size), "type": "image/jpeg"}
    assert url not in item.findtext("content:encoded", namespaces=NS) and url not in item.findtext("description")

    atom = feedrules.parse_xml(files["dunia/atom.xml"])
    [entry] = [e for e in atom.iterfind("atom:entry", NS) if e.findtext("atom:title", namespaces=NS).endswith("Kali Ke-1")]
    [link] = entry.xpath("atom:link[@rel='enclosure']", namespaces=NS)
    assert dict(link.attrib) == {"rel": "enclosure", "href": url, "type": "image/jpeg", "length": str(size)}
    assert url not in entry.findtext("atom:content", namespaces=NS)

    [json_item] = [i for i in json.loads(files["dunia/feed.json"])["items"] if i["title"].endswith("Kali Ke-1")]
    assert json_item["image"] == url and url not in json_item["content_html"]
    parsed = feedparser.parse(files["dunia/rss.xml"])
    [entry] = [e for e in parsed.entries if e.title.endswith("Kali Ke-1")]
    assert [m["url"] for m in entry.media_content] == [url] and [e.href for e in entry.enclosures] == [url]


def test_remote_and_small_images_carry_what_is_known(site):
    _settings, files = site
    rss = feedrules.parse_xml(files["ekonomi/rss.xml"])
    remote = _item(rss, "Pelabuhan")
    assert dict(remote.find("enclosure").attrib) == {"url": REMOTE, "length": "0", "type": "image/jpeg"}
    assert dict(remote.find("media:content", NS).attrib) == {"url": REMOTE, "medium": "image", "type": "image/jpeg"}
    assert dict(remote.find("media:thumbnail", NS).attrib) == {"url": REMOTE}
    small = _item(rss, "Rupiah")
    assert small.find("media:thumbnail", NS).attrib["width"] == "280"
    assert dict(small.find("enclosure").attrib) == {"url": f"{BASE}/{SMALL}", "length": str(len(FILES[SMALL])), "type": "image/png"}
    bare = _item(feedrules.parse_xml(files["nasional/rss.xml"]), "Sidang")
    assert bare.find("enclosure") is None and bare.find("media:content", NS) is None


def _article(**changes) -> Article:
    base = dict(
        id="abc123def456", source="s", key="k", section="dunia", title="Judul Berita Uji yang Cukup Panjang", content_html="<p>x</p>",
        text="x", summary="ringkas", author="Rina", published=datetime(2024, 10, 1, tzinfo=UTC),
        updated=datetime(2024, 10, 1, tzinfo=UTC), slug="judul", url=f"{BASE}/dunia/judul",
    )
    return Article(**{**base, **changes})


SPEC = FeedSpec("site", "", "Kabar Uji", "Kabar Uji", "Berita uji", "", BASE)


def test_an_inline_copy_of_the_lead_image_leaves_the_body_and_other_images_stay(make_site):
    settings = make_site({})
    lead, other = f"{BASE}/gambar/utama.jpg", f"{BASE}/gambar/lain.jpg"
    body_html = (
        f'<figure><img src="{lead}" alt="Utama"><figcaption>Foto utama</figcaption></figure><p>Paragraf satu.</p>'
        f'<p>Teks <img src="{other}" alt="Lain"> sesudah gambar.</p>'
    )
    article = _article(content_html=body_html, image=lead, image_info=ImageInfo(51234, "image/jpeg", 1600, 900))
    outputs = {"rss": render_rss(SPEC, [article], settings), "atom": render_atom(SPEC, [article], settings), "json": render_json(SPEC, [article], settings)}
    rss = feedrules.parse_xml(outputs["rss"])
    content = rss.findtext(".//content:encoded", namespaces=NS)
    assert lead not in content and "Foto utama" not in content
    assert other in content and "Paragraf satu." in content and "sesudah gambar." in content
    assert lead not in feedrules.parse_xml(outputs["atom"]).findtext(".//atom:content", namespaces=NS)
    assert lead not in json.loads(outputs["json"])["items"][0]["content_html"]
    assert dict(rss.find(".//enclosure").attrib) == {"url": lead, "length": "51234", "type": "image/jpeg"}
    for name, data in outputs.items():
        assert feedrules.problems_for({"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}[name], data) == []


@pytest.fixture(scope="module")
def plain_settings(tmp_path_factory):
    return write_site(tmp_path_factory.mktemp("plain"), site_pages={})


@hsettings(max_examples=60, deadline=None)
@given(summary=st.lists(st.sampled_from([*"ab <>&;#\"'x5", "copy", "amp", "&lt", "\u00a0", "é", "\u201c"]), min_size=1, max_size=30).map("".join))
def test_any_plain_text_summary_is_an_html_description_that_reads_back(plain_settings, summary):
    data = render_rss(SPEC, [_article(summary=summary)], plain_settings)
    assert feedrules.rss_problems(data) == []
    description = feedrules.parse_xml(data).findtext(".//item/description")
    assert html.unescape(description) == summary


# icon, logo, generator ---------------------------------------------------------------------


def test_site_icon_and_logo_in_every_format_and_no_webfeeds_by_default(site):
    _settings, files = site
    rss = feedrules.parse_xml(files["dunia/rss.xml"])
    image = rss.find("channel/image")
    assert image.findtext("url") == f"{BASE}/ikon.png"
    assert image.findtext("title") == rss.findtext("channel/title") and image.findtext("link") == rss.findtext("channel/link")
    atom = feedrules.parse_xml(files["dunia/atom.xml"])
    assert atom.findtext("atom:icon", namespaces=NS) == f"{BASE}/ikon.png"
    assert atom.findtext("atom:logo", namespaces=NS) == f"{BASE}/logo.png"
    feed = json.loads(files["dunia/feed.json"])
    assert feed["icon"] == feed["favicon"] == f"{BASE}/ikon.png"
    assert not any(b"webfeeds" in data for data in files.values())


def test_webfeeds_when_asked_costs_one_unknown_namespace_warning(tmp_path):
    settings = _build(tmp_path, extra_site=SITE_KEYS + 'accent_color = "#0B5394"\n', extra_config="")
    text = (settings.root / "config.toml").read_text(encoding="utf-8").replace("max_items = 50", "max_items = 50\nwebfeeds = true")
    (settings.root / "config.toml").write_text(text, encoding="utf-8")
    settings = load_settings(settings.root / "config.toml")
    with Store(settings.store_path) as store:
        core.publish(settings, store, NOW)
    files = _files(settings)
    rss = feedrules.parse_xml(files["rss.xml"])
    channel = rss.find("channel")
    wf = "{http://webfeeds.org/rss/1.0}"
    assert [(etree.QName(n).localname, n.text) for n in channel if n.tag.startswith(wf)] == [
        ("icon", f"{BASE}/ikon.png"), ("logo", f"{BASE}/logo.png"), ("accentColor", "0b5394")]
    assert feedrules.rss_problems(files["rss.xml"]) == ["UnknownNamespace: http://webfeeds.org/rss/1.0"]
    assert feedrules.atom_problems(files["atom.xml"]) == ["UnknownNamespace: http://webfeeds.org/rss/1.0"]


def test_atom_generator_is_newsfeed_without_a_foreign_uri(site):
    _settings, files = site
    [generator] = feedrules.parse_xml(files["atom.xml"]).findall("atom:generator", NS)
    assert generator.text == "newsfeed" and generator.get("uri") is None


# every home link leads to a published page --------------------------------------------------


def test_every_feed_home_link_leads_to_a_page_that_is_published_or_the_sites_own(site):
    settings, files = site
    homes = {}
    for name, data in files.items():
        if name.endswith("rss.xml"):
            homes[name] = feedrules.parse_xml(data).findtext("channel/link")
        elif name.endswith("atom.xml"):
            [homes[name]] = feedrules.parse_xml(data).xpath("atom:link[@rel='alternate']/@href", namespaces=NS)
        elif name.endswith("feed.json"):
            homes[name] = json.loads(data)["home_page_url"]
    homes.update({f"opml {o.get('text')}": o.get("htmlUrl") for o in feedrules.parse_xml(files["opml.xml"]).iter("outline") if o.get("htmlUrl")})
    sections = {BASE} | {f"{BASE}/{s.slug}" for s in settings.sections}
    for name, url in homes.items():
        if name.startswith("topik/") or "topik" in url:
            assert url.startswith(f"{FEEDS}/topik/") and url.endswith("/"), name
            assert url[len(FEEDS) + 1 :] + "index.html" in files, (name, url)
        else:
            assert url in sections, (name, url)


def test_topic_and_section_pages_list_their_feeds_and_headlines(site):
    settings, files = site
    page_html = files["topik/korea-utara/index.html"].decode()
    for fmt in ("rss.xml", "atom.xml", "feed.json"):
        assert f'href="{FEEDS}/topik/korea-utara/{fmt}"' in page_html
    assert '<link rel="alternate" type="application/rss+xml"' in page_html
    for entry in json.loads(files["topik/korea-utara/feed.json"])["items"]:
        assert f'href="{entry["url"]}"' in page_html
    assert "Sidang Paripurna DPR" in files["nasional/index.html"].decode()
    assert f'href="{FEEDS}/topik/korea-utara/"' in files["index.html"].decode()


# stored image facts, determinism, configuration ----------------------------------------------


def test_a_replaced_image_file_gives_the_new_length_once_its_page_is_read_again(tmp_path):
    settings = _build(tmp_path)
    (settings.root / "public" / BIG).write_bytes(jpeg(1600, 900) + bytes(5000))
    target = settings.root / "pages/dunia/2024-10-01-0815-korut-1.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW + timedelta(hours=1))
        core.publish(settings, store, NOW + timedelta(hours=1))
    item = _item(feedrules.parse_xml((settings.feeds.output_dir / "dunia/rss.xml").read_bytes()), "Korea Utara Menguji Rudal Baru untuk Kali Ke-1")
    assert item.find("enclosure").get("length") == str(len(jpeg(1600, 900)) + 5000)
    assert item.find("media:content", NS).get("width") == "1600"


def test_two_builds_of_the_same_site_are_byte_identical(site, tmp_path):
    _settings, files = site
    again = _files(_build(tmp_path / "lagi"))
    assert again == files


@pytest.mark.parametrize(
    ("lines", "key"),
    [
        ('icon = "/ikon.svg"\n', "site.icon"),
        ('logo = "javascript:alert(1).png"\n', "site.logo"),
        ('accent_color = "biru"\n', "site.accent_color"),
        ('static_dir = "tidak-ada"\n', "site.static_dir"),
    ],
)
def test_bad_icon_logo_colour_or_folder_is_one_line_naming_the_key(tmp_path, lines, key):
    with pytest.raises(ConfigError) as caught:
        write_site(tmp_path, extra_site=lines, site_pages={}, files={})
    message = str(caught.value)
    assert key in message and "\n" not in message


def test_relative_icon_is_made_absolute_and_static_dir_optional(tmp_path):
    settings = write_site(tmp_path, extra_site='icon = "ikon.png"\n', site_pages={}, files={})
    assert settings.site.icon == f"{BASE}/ikon.png" and settings.site.static_dir is None and settings.feeds.webfeeds is False


def test_images_outside_the_static_folder_stay_unknown(tmp_path):
    from newsfeed.images import local_file

    settings = write_site(tmp_path, site_pages={})
    (tmp_path / "rahasia.jpg").write_bytes(jpeg(10, 10))
    assert local_file(settings, f"{BASE}/{BIG}") == (tmp_path / "public" / BIG).resolve()
    assert local_file(settings, f"{BASE}/../rahasia.jpg") is None
    assert local_file(settings, f"{BASE}/%2e%2e/rahasia.jpg") is None
    assert local_file(settings, f"https://lain.example/{BIG}") is None
    assert local_file(settings, f"{BASE}/gambar/") is None


def test_article_page_layout_is_unchanged_for_pages_without_images(make_site):
    settings = make_site({"dunia/2024-10-01-0800-a.txt": page("Dunia", "Kabar Dunia Hari Ini yang Panjang", body("Korea Utara"))})
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        [article] = store.newest(5, NOW)
    assert article.image is None and article.image_info is None
