"""The digest HTML and text: e-mail rules, Indonesian dates, size cap, hostile input."""

from __future__ import annotations

import re
from datetime import date

import lxml.html
import pytest
from test_digest_support import NOW, build, link_related, story, week_of_stories

from newsfeed import editions
from newsfeed.render import digest as digest_module
from newsfeed.render import message

ENGLISH = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|"
    r"August|September|October|November|December|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
)


@pytest.fixture
def week(make_site):
    settings, store = build(make_site, week_of_stories(6))
    link_related(store, per_story=5)
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    rendered = editions.render_selection(settings, edition)
    return settings, edition, rendered


def tree(html: str):
    return lxml.html.document_fromstring(html.encode("utf-8"))


def test_thirty_stories_under_gmail_limit_with_everything(week):
    settings, edition, rendered = week
    assert len(edition.stories) == 30 and rendered.stories == 30 and not rendered.trimmed
    assert rendered.size < 100_000
    html = rendered.html
    doc = tree(html)
    assert doc.get("lang") == "id"
    assert doc.findtext(".//title") == rendered.subject == "Kabar Uji: Ringkasan Mingguan 14–20 Oktober 2024"
    assert "<!--[if mso]><table role=\"presentation\" width=\"600\"" in html
    assert all(t.get("role") == "presentation" for t in doc.iter("table"))
    for article in edition.stories:
        assert doc.xpath("//a[@href=$u and normalize-space()=$t]", u=article.url, t=article.title)
    assert html.count(">Artikel Terkait<") == 30
    for item in doc.xpath("//ul[contains(@class,'related')]"):
        assert len(item.findall("li")) == settings.digest.related_per_story == 3
    assert "Lihat di browser" in html and rendered.web_url in html
    assert f'href="{message.UNSUBSCRIBE_URL}"' in html


def test_email_rules_absolute_https_alt_width_no_forbidden(week):
    _settings, _edition, rendered = week
    html, _text = message.personalize(rendered, "https://kabaruji.example/langganan/berhenti?t=abc")
    doc = tree(html)
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    images = list(doc.iter("img"))
    assert len(images) == 15
    for img in images:
        assert img.get("src").startswith("https://") and not img.get("src").endswith((".svg", ".webp"))
        assert img.get("alt")
        assert 0 < int(img.get("width")) <= 600
    lowered = html.lower()
    for bad in ("<script", "<form", "<input", "<svg", "<picture", "stylesheet", "display:flex", "display: flex", "grid", "var(--", ".webp", "javascript:"):
        assert bad not in lowered, bad
    for element in doc.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib
    # no style block in <body>; the head one is under Gmail's 16 KB
    assert not doc.body.findall(".//style")
    assert all(len(s.text or "") < 16_000 for s in doc.iter("style"))


def test_css_is_inlined_and_quotes_not_escaped(week):
    _settings, _edition, rendered = week
    assert "&#39;" not in rendered.html and "&amp;#39;" not in rendered.html
    assert 'Times New Roman' in rendered.html
    doc = tree(rendered.html)
    headline = doc.xpath("//h2[contains(@class,'headline')]")[0]
    assert "font-size:20px" in headline.get("style").replace(" ", "")


def test_preheader_hidden_and_40_to_140_chars(week):
    _settings, edition, rendered = week
    doc = tree(rendered.html)
    hidden = doc.body.xpath("./div")[0]
    assert "display:none" in hidden.get("style").replace(" ", "")
    text = hidden.text_content()
    assert 40 <= len(text) <= 140
    assert text.startswith("30 berita pekan 14–20 Oktober 2024")


def test_short_preheader_is_padded(make_site):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Gempa", "2024-10-15 10:00")})
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    text = digest_module.preheader(edition, "14–20 Oktober 2024")
    assert 40 <= len(text) <= 140


def test_indonesian_dates_and_no_english_names(week):
    _settings, _edition, rendered = week
    doc = tree(rendered.html)
    visible = doc.body.text_content()
    assert "Senin, 14 Oktober 2024" in visible and "Minggu, 20 Oktober 2024" in visible
    assert not ENGLISH.search(visible), ENGLISH.search(visible)
    assert not ENGLISH.search(rendered.text)
    assert not ENGLISH.search(rendered.subject)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 6, 3), "Senin, 3 Juni 2024"),
        (date(2024, 10, 14), "Senin, 14 Oktober 2024"),
        (date(2024, 8, 17), "Sabtu, 17 Agustus 2024"),
        (date(2025, 1, 5), "Minggu, 5 Januari 2025"),
    ],
)
def test_indonesian_date(value, expected):
    assert digest_module.indonesian_date(value) == expected


def test_week_labels():
    assert digest_module.week_label(date(2024, 10, 14), date(2024, 10, 20)) == "14–20 Oktober 2024"
    assert digest_module.week_label(date(2024, 10, 28), date(2024, 11, 3)) == "28 Oktober – 3 November 2024"
    assert digest_module.week_label(date(2024, 12, 30), date(2025, 1, 5)) == "30 Desember 2024 – 5 Januari 2025"


def test_text_part_has_every_headline_and_url_unbroken(week):
    _settings, edition, rendered = week
    text = rendered.text
    lines = text.splitlines()
    for article in edition.stories:
        assert article.url in lines or f"  {article.url}" in lines
        assert article.title in " ".join(line.strip() for line in text.split("\n"))
    for line in lines:
        if "https://" not in line:
            assert len(line) <= 72, line
    assert "Artikel Terkait:" in text
    assert message.UNSUBSCRIBE_URL in text and rendered.web_url in text
    assert "<" not in text.replace("<b>", "")  # plain text, no markup


def test_size_cap_keeps_top_stories_and_links_web_copy(make_site, monkeypatch):
    settings, store = build(make_site, week_of_stories(6, long=True))
    link_related(store)
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    monkeypatch.setattr(digest_module, "MAX_HTML_BYTES", 40_000)
    rendered = editions.render_selection(settings, edition)
    assert rendered.trimmed and 0 < rendered.stories < rendered.total == 30
    assert rendered.size <= 40_000 - digest_module.PERSONALISATION_ROOM
    doc = tree(rendered.html)
    rest = rendered.total - rendered.stories
    assert doc.xpath("//a[@href=$u and contains(., $t)]", u=rendered.web_url, t=f"Baca {rest} berita lainnya di versi web")
    # top stories: every section keeps its newest one
    shown = {a.get("href") for a in doc.xpath("//h2/a")}
    for _section, articles in edition.groups:
        assert articles[0].url in shown
    # the text part still carries every story
    for article in edition.stories:
        assert article.url in rendered.text
    # the web copy shows them all
    _rendered, files = editions.render_edition_files(settings, edition)
    page = dict(files)["edisi/2024-W42/index.html"].decode()
    assert all(a.url in page for a in edition.stories)
    assert message.UNSUBSCRIBE_URL not in page and message.GREETING not in page


def test_hostile_article_is_neutralised(make_site):
    hostile = [
        '<script>alert("x")</script> Warga diminta tenang. <img src=x onerror="alert(1)">',
        '<a href="javascript:alert(document.cookie)" onclick="steal()">klik</a> <iframe src="https://evil.example"></iframe>',
    ]
    settings, store = build(make_site, {
        "dunia/a.txt": story("dunia", '<script>alert(1)</script> Judul "Berbahaya" <b onmouseover=x>', "2024-10-15 10:00", paragraphs=hostile),
    })
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    rendered = editions.render_selection(settings, edition)
    html, text = message.personalize(rendered, "https://kabaruji.example/langganan")
    doc = tree(html)
    assert not list(doc.iter("script")) and not list(doc.iter("iframe"))
    assert len(list(doc.iter("img"))) == 0
    for element in doc.iter():
        assert not any(k.lower().startswith("on") for k in element.attrib)
    for a in doc.iter("a"):
        assert a.get("href").startswith("https://")
    # the headline survives as text, escaped
    assert '<script>alert(1)</script> Judul "Berbahaya"' in doc.xpath("string(//h2/a)")
    assert "&lt;script&gt;" in html
    assert '<script>alert(1)</script> Judul "Berbahaya"' in text  # plain text is plain


def test_unsafe_urls_are_dropped():
    assert digest_module._https("javascript:alert(1)") is None
    assert digest_module._https("/relatif") is None
    assert digest_module._https("http://kabaruji.example/a") == "https://kabaruji.example/a"
    assert digest_module._image("https://kabaruji.example/a.webp") is None
    assert digest_module._image("https://kabaruji.example/a.svg?x=1") is None


def test_site_template_overrides_packaged(make_site, tmp_path):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Gempa Bumi", "2024-10-15 10:00")})
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "digest.css").write_text(".headline { color: #123456; }\n", encoding="utf-8")
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    rendered = editions.render_selection(settings, edition)
    assert "#123456" in rendered.html


def test_render_is_deterministic(week):
    settings, edition, rendered = week
    again = editions.render_selection(settings, edition)
    assert again == rendered
