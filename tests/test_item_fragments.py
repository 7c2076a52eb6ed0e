"""Feeds assembled from item fragments (render/assemble.py) are byte for byte the feeds
feedgen, lxml and json.dumps write (render/feeds.py render_rss/render_atom,
render/jsonfeed.py render_json), for hostile articles: control characters, ']]>', markup
characters and quotes, CR/LF and tabs, characters beyond the BMP, empty fields, lead images
inside and outside the body, many topics, related links; and where the feedgen render fails,
the assembled one fails the same way."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from newsfeed.render import feeds, jsonfeed
from newsfeed.render.assemble import FeedAssembler
from newsfeed.types import Article, FeedSpec, ImageInfo, Link

BASE = "https://kabaruji.example"
RENDERERS = {"rss": feeds.render_rss, "atom": feeds.render_atom, "json": jsonfeed.render_json}

# Characters XML can hold that serialisers must still escape or keep as they are, and ones it
# cannot hold at all (lxml refuses them, so feedgen fails: the assembled feed must fail too).
HOSTILE = ["]]>", "&", "&amp;", "<", ">", '"', "'", "\r", "\n", "\r\n", "\t", "\x7f", "\x85", "\u2028", "\U0001f600", "𝔸",
           "é", " ", "  ", "<![CDATA[", "&#13;", "\\", "/", "?", "=", "%20", "\u00a0", "\ufeff", "\u202e"]
NOT_XML = ["\x00", "\x0b", "\x1f", "\ufffe", "\x08"]
_words = st.sampled_from(["Korea", "Utara", "Jakarta", "berita", "Timnas", "rudal", "dan", "di"])
_pieces = st.one_of(_words, _words, st.sampled_from(HOSTILE))
_any = st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(NOT_XML) + "\x01\x02\x03\x04\x05\x06\x07\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\uffff")
# Text XML can hold, never empty: the fields most articles have.
NONEMPTY = st.one_of(
    st.lists(_pieces, min_size=1, max_size=8).map(" ".join),
    st.lists(_pieces, min_size=1, max_size=6).map("".join),
    st.text(_any, min_size=1, max_size=20),
)
# Now and then empty, or with a character XML cannot hold.
RARE = st.one_of(st.just(""), st.sampled_from(NOT_XML), st.lists(st.one_of(_pieces, st.sampled_from(NOT_XML)), min_size=1, max_size=4).map("".join))
IMAGE = f"{BASE}/img/lead.jpg?w=1&h=2"
HTML_PIECES = st.sampled_from([
    "<p>Paragraf pertama.</p>", "<p>A &amp; B &lt; C</p>", "<p>]]&gt; ]]></p>", f'<img src="{IMAGE.replace("&", "&amp;")}">',
    f'<figure><img src="{IMAGE.replace("&", "&amp;")}"><figcaption>Foto</figcaption></figure>', '<img src="/lain.png" alt="x">',
    "<script>alert(1)</script>", '<a href="javascript:x">tautan</a>', '<a href="/relatif">relatif</a>', "<br>", "\r\n", "\t",
    "<b>tebal", "</i>", "<!-- komentar -->", "&nbsp;", "😀", "<table><tr><td>1</td></tr></table>", "<p>\u2028\U0001f600 ]]&gt;</p>",
])
_HTML = st.lists(st.one_of(HTML_PIECES, NONEMPTY), min_size=1, max_size=6).map("".join)


def weighted(*choices):
    """One of the strategies, each with its weight: st.one_of draws each the same often."""
    return st.integers(0, sum(w for w, _ in choices) - 1).flatmap(lambda n: _pick(n, choices))


def _pick(n, choices):
    for weight, strategy in choices:
        if n < weight:
            return strategy
        n -= weight
    raise AssertionError(n)


BODY = weighted((8, _HTML), (1, st.just("")), (1, st.sampled_from(["\x00", "<p>\x0b</p>"])))
MOMENT = st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), allow_imaginary=False).map(lambda d: d.replace(tzinfo=UTC))
IMAGE_INFO = st.one_of(st.none(), st.builds(ImageInfo, st.one_of(st.none(), st.integers(0, 10**7)), st.sampled_from(["", "image/jpeg", "image/png"]),
                                          st.one_of(st.none(), st.integers(0, 5000)), st.one_of(st.none(), st.integers(0, 5000))))
TEXT = weighted((7, NONEMPTY), (1, RARE))
SECTION = weighted((9, st.sampled_from(["dunia", "olahraga", "tak-dikenal", "a&b\"c"])), (1, st.just("")))


@st.composite
def articles(draw, ident: int) -> Article:
    published = draw(MOMENT)
    # most articles are well formed (render/items.py writes them), the rest hostile throughout
    text = draw(st.sampled_from([NONEMPTY, TEXT]))
    image = draw(st.sampled_from([None, IMAGE, f"{BASE}/a.png", f"{BASE}/noext", "https://x.example/\"q\"&.gif"]))
    return Article(
        id=draw(st.sampled_from([f"id{ident:04d}", f"id{ident}&<\"x"])),
        source="halaman",
        key=f"k{ident}",
        section=draw(SECTION),
        title=draw(text),
        content_html=draw(BODY),
        text="",
        summary=draw(text),
        author=draw(text),
        published=published,
        updated=published + draw(st.sampled_from([timedelta(0), timedelta(seconds=1), timedelta(days=3), timedelta(microseconds=7)])),
        slug=f"s{ident}",
        url=draw(weighted((3, st.just(f"{BASE}/dunia/s{ident}")), (3, text.map(lambda t: f"{BASE}/{t}")), (1, st.just("")))),
        image=image,
        topics=tuple(draw(st.lists(text, max_size=12))),
        related=tuple(draw(st.lists(st.builds(Link, st.sampled_from(["r1", "r&2"]), text, st.one_of(st.just(f"{BASE}/r"), text)), max_size=3))),
        image_info=draw(IMAGE_INFO) if image else None,
    )


@st.composite
def feed_articles(draw) -> list[Article]:
    count = draw(st.integers(1, 5))
    return [draw(articles(i)) for i in range(count)]


SPEC = st.builds(
    FeedSpec, st.sampled_from(["site", "section", "topic"]), st.sampled_from(["", "dunia", "rusia"]), TEXT, NONEMPTY, TEXT,
    st.sampled_from(["", "dunia", "topik/rusia", "topik/a&b"]), st.sampled_from([BASE, f"{BASE}/dunia", f"{BASE}/q?a=1&b=\"2\""]),
)


def _variant(settings, draw_icon: bool, hubs: bool, webfeeds: bool, full_topics: bool = False):
    site = dataclasses.replace(settings.site, icon=f"{BASE}/icon.png" if draw_icon else "", logo=f"{BASE}/logo&.png" if draw_icon else "",
                               accent_color="1a2b3c" if webfeeds else "")
    feeds_ = dataclasses.replace(settings.feeds, websub_hubs=("https://hub.example/", "https://hub2.example/?a&b") if hubs else (), webfeeds=webfeeds)
    topics = dataclasses.replace(settings.topics, feed_content="full" if full_topics else "summary")
    return dataclasses.replace(settings, site=site, feeds=feeds_, topics=topics)


def _outcome(render):
    try:
        return render()
    except ValueError as exc:  # lxml refuses characters XML cannot hold; feedgen refuses missing fields
        return type(exc)


@pytest.fixture(scope="module")
def site_settings(tmp_path_factory):
    from conftest import config_text
    from newsfeed.config import load_settings

    folder = tmp_path_factory.mktemp("fragments")
    (folder / "config.toml").write_text(config_text(), encoding="utf-8")
    (folder / "pages").mkdir()
    return load_settings(folder / "config.toml")


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=SPEC, items=feed_articles(), icon=st.booleans(), hubs=st.booleans(), webfeeds=st.booleans(), full_topics=st.booleans(),
       fmt=st.sampled_from(list(RENDERERS)))
def test_assembled_feed_is_the_feedgen_feed_byte_for_byte(site_settings, spec, items, icon, hubs, webfeeds, full_topics, fmt):
    settings = _variant(site_settings, icon, hubs, webfeeds, full_topics)
    expected = _outcome(lambda: RENDERERS[fmt](spec, items, settings))
    assembled = _outcome(lambda: FeedAssembler(settings).render(fmt, spec, items))
    assert assembled == expected


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(first=feed_articles(), second=feed_articles(), budget=st.sampled_from([0, 2000, 10**9]))
def test_fragments_are_reused_across_feeds_and_eviction_changes_no_byte(site_settings, first, second, budget):
    """Articles in several feeds are rendered once a format while they fit in the budget; a
    budget too small to keep them still gives the same bytes."""
    spec_a = FeedSpec("section", "dunia", "Dunia", "Kabar Uji: Dunia", "Berita Dunia", "dunia", f"{BASE}/dunia")
    spec_b = FeedSpec("site", "", "Kabar Uji", "Kabar Uji", "Berita", "", BASE)
    topic_c = FeedSpec("topic", "rusia", "Rusia", "Kabar Uji: Rusia", "Berita Rusia", "topik/rusia", f"{BASE}/feeds/topik/rusia/")
    topic_d = FeedSpec("topic", "korea", "Korea", "Kabar Uji: Korea", "Berita Korea", "topik/korea", f"{BASE}/feeds/topik/korea/")
    second = [dataclasses.replace(a, id=f"b{a.id}") for a in second]
    both = sorted(first + second, key=lambda a: a.published, reverse=True)
    assembler = FeedAssembler(site_settings, budget=budget)
    failed = False
    # topic feeds carry summaries only: their items are other fragments, shared between them
    for spec, items in ((spec_a, first), (spec_b, both), (topic_c, both), (spec_a, first), (topic_d, both)):
        for fmt, render in RENDERERS.items():
            outcome = _outcome(lambda: assembler.render(fmt, spec, items))
            assert outcome == _outcome(lambda: render(spec, items, site_settings))
            failed = failed or not isinstance(outcome, bytes)
    if budget == 10**9 and not failed:
        assert assembler.rendered == 2 * len(RENDERERS) * len(both)  # nothing rendered twice: once with body, once without


def test_an_article_changed_within_a_publish_is_rendered_again(site_settings):
    """The cache is keyed by the article itself, not only its id: a different version of an
    article never gets the old fragment."""
    moment = datetime(2024, 10, 1, 2, tzinfo=UTC)
    old = Article("a1", "halaman", "k", "dunia", "Judul", "<p>Isi lama</p>", "", "Ringkas", "Redaksi", moment, moment, "s", f"{BASE}/dunia/s")
    new = dataclasses.replace(old, content_html="<p>Isi baru</p>")
    spec = FeedSpec("site", "", "Kabar Uji", "Kabar Uji", "Kabar Uji", "", BASE)
    assembler = FeedAssembler(site_settings)
    assert b"Isi lama" in assembler.rss(spec, [old])
    assert assembler.rss(spec, [new]) == feeds.render_rss(spec, [new], site_settings)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(SPEC, min_size=1, max_size=8), newest=MOMENT, icon=st.booleans(), hubs=st.booleans(), webfeeds=st.booleans(),
       fmt=st.sampled_from(["rss", "atom"]))
def test_one_frame_template_gives_every_feed_feedgens_frame(site_settings, specs, newest, icon, hubs, webfeeds, fmt):
    """The frame feedgen renders once with placeholders, filled in for each feed, is the frame
    feedgen renders for that feed (hostile titles, links and descriptions included)."""
    settings = _variant(site_settings, icon, hubs, webfeeds)
    template = feeds.FrameTemplate(settings, fmt)
    assert template.usable
    for spec in specs:
        assert _outcome(lambda: template.fill(spec, newest)) == _outcome(lambda: feeds.frame(spec, newest, settings, fmt))
