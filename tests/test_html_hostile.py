"""Hostile article pages (property-based): whatever the bytes, reading a page gives an article
or one SourceError with a one-line reason, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from conftest import config_text
from newsfeed.config import load_settings
from newsfeed.errors import SourceError
from newsfeed.sources.html import PageReader

FIXTURES = Path(__file__).parent / "fixtures" / "html"
SOURCE = """
[[sources]]
name = "situs"
kind = "html"
path = "html"
section = "nasional"
body_selector = "div.read__content"
drop_selectors = [".ads"]
"""

TAGS = ["p", "div", "article", "main", "h1", "h2", "script", "style", "meta", "time", "a", "li", "ul", "table", "td", "figure", "aside", "nav", "span", "br", "title", "head", "body", "html"]
ATTRIBUTES = [
    'charset="utf-8"', 'charset="x-unknown"', 'charset="utf-16"', 'itemprop="articleBody"', 'itemprop="datePublished"',
    'property="og:title"', 'content="2024-99-99T99:99"', 'content=""', 'datetime="99999-01-01"', 'datetime="2024-10-14"',
    'class="comment"', 'class="baca-juga"', 'href="javascript:alert(1)"', 'href="//x"', 'type="application/ld+json"',
    'http-equiv="Content-Type" content="text/html; charset=shift_jis"', 'property="article:published_time" content="Senin, 31 Februari 2024"',
]
JSON_LD = [
    '{"@graph": [', '{"@type": "NewsArticle", "headline": ', '"datePublished": "2024-13-01", ', '"author": {"name": [1, {"x": null}]}',
    '"articleSection": [[], {}, 3]', '"image": [{"url": 5}]', "}", "]", ",", '"\\ud800"', "null", "1e999", '{"@type": ["Article", 7]}',
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "config.toml").write_text(config_text(SOURCE), encoding="utf-8")
    settings = load_settings(folder / "config.toml")
    return PageReader.of(settings.sources[-1], settings)


def _element(draw_tag: str, attributes: list[str], inner: str) -> str:
    return f"<{draw_tag} {' '.join(attributes)}>{inner}</{draw_tag}>"


@st.composite
def hostile_html(draw) -> bytes:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 25))):
        choice = draw(st.integers(0, 5))
        if choice == 0:
            parts.append(draw(st.text(max_size=80)))
        elif choice == 1:
            tag = draw(st.sampled_from(TAGS))
            parts.append(_element(tag, draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=3)), draw(st.text(max_size=60))))
        elif choice == 2:
            parts.append(f"<{draw(st.sampled_from(TAGS))}" * draw(st.integers(1, 300)))  # deep or unclosed nesting
        elif choice == 3:
            parts.append('<script type="application/ld+json">' + "".join(draw(st.lists(st.sampled_from(JSON_LD), max_size=12))) + "</script>")
        elif choice == 4:
            parts.append(draw(st.sampled_from(["Baca juga: ", "<h3>Artikel Terkait</h3>", "<p>Editor: X</p>", "<!--", "-->", "<![CDATA[", "<?xml version='1.0' encoding='latin-1'?>", "&#0;", "&#xD800;", "\x00", "\ufeff"])))
        else:
            parts.append(draw(st.sampled_from(["<h1>Judul berita hari ini</h1>", "<p>" + "Kalimat isi berita yang panjang. " * 8 + "</p>"])))
    text = "".join(parts)
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252", "raw"]))
    if encoding == "raw":
        return text.encode("utf-8", "surrogatepass") + draw(st.binary(max_size=40))
    return text.encode(encoding, errors="replace")


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=hostile_html())
def test_hostile_pages_give_an_article_or_one_line(reader, raw):
    try:
        item = reader.read(raw, "hostile.html", headers={"Content-Type": "text/html; charset=latin-1"} if raw[:1] == b"<" else None)
    except SourceError as exc:
        reason = str(exc)
        assert reason and "\n" not in reason and len(reason) < 400
        return
    assert item.title and item.text
    assert "<script" not in item.content_html and "javascript:" not in item.content_html


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 20_000), junk=st.binary(max_size=64))
def test_truncated_and_damaged_real_pages(reader, cut, junk):
    raw = (FIXTURES / "graph-antara.html").read_bytes()
    damaged = raw[: cut % len(raw)] + junk + raw[cut % len(raw) :][: cut // 3]
    try:
        item = reader.read(damaged, "damaged.html")
    except SourceError as exc:
        assert "\n" not in str(exc)
    else:
        assert item.title


def test_a_page_nested_past_lxmls_limit(reader):
    raw = b"<html><body><h1>Judul</h1>" + b"<div>" * 100_000 + b"<p>isi berita</p></body></html>"
    try:
        reader.read(raw, "deep.html")
    except SourceError as exc:
        assert "\n" not in str(exc)
