"""The digest HTML and text: e-mail rules, Indonesian dates, size cap, hostile input,
templates (packaged copies, Outlook table attributes, no dead CSS)."""

from __future__ import annotations

import email
import re
from datetime import date, timedelta
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import cssutils
import lxml.etree
import lxml.html
import pytest
from test_digest_support import NOW, SECTION_NAMES, archive_pages, build, link_archive, link_related, story, week_of_stories

from newsfeed import editions
from newsfeed.render import digest as digest_module
from newsfeed.render import message
from newsfeed.store import Store

# English day and month names (and abbreviations) that are not also Indonesian words:
# April, September and November are Indonesian month names too.
ENGLISH = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|May|June|July|"
    r"August|October|December|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Jun|Jul|Aug|Oct|Dec)\b"
)
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def week(make_site):
    settings, store = build(make_site, week_of_stories(6) | archive_pages(91))
    link_archive(store, per_story=3)
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
    assert f'href="{message.UNSUBSCRIBE_URL}"' in html and f'href="{message.PREFERENCES_URL}"' in html


def test_every_article_appears_once_per_digest(week):
    """Each story links first to another story of the week and to one archive article that
    every story shares: neither may be listed again; its own archive links fill the list."""
    _settings, edition, rendered = week
    stories = {a.url for a in edition.stories}
    doc = tree(rendered.html)
    headlines = [a.get("href") for a in doc.xpath("//h2[contains(@class,'headline')]/a")]
    related = [a.get("href") for a in doc.xpath("//ul[contains(@class,'related')]//a")]
    in_text = [u for u in re.findall(r"https://kabaruji\.example/[a-z]+/[a-z0-9-]+", rendered.text) if "/feeds/" not in u]
    for links in (headlines + related, in_text):
        assert len(links) == len(set(links)), [u for u in links if links.count(u) > 1][:3]
        assert stories <= set(links)
    assert not set(related) & stories  # a story is never also a related link
    shared = "https://kabaruji.example/nasional/arsip-0"
    assert related.count(shared) == 1 and len(related) == 90  # three under each of the 30 stories
    assert set(related) == set(in_text) - stories


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
    # what the subject does not say: the top headlines (sections taking turns) and how many more
    assert text.startswith("Dunia 5: Pemerintah") and "Nasional 5" in text and text.endswith("; dan 27 berita lainnya")
    assert "Oktober" not in text and rendered.subject not in text


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


@pytest.mark.parametrize("month", range(1, 13))
def test_indonesian_date_every_month_and_weekday(month):
    for day in range(1, 8):  # seven days in a row: every weekday
        value = date(2025, month, day)
        expected = f"{HARI[value.weekday()]}, {day} {BULAN[month - 1]} 2025"
        assert digest_module.indonesian_date(value) == expected
        assert not ENGLISH.search(expected)
    last = date(2025, month % 12 + 1, 1) - timedelta(days=1) if month < 12 else date(2025, 12, 31)
    assert digest_module.indonesian_date(last).endswith(f", {last.day} {BULAN[month - 1]} 2025")


def test_story_date_is_the_jakarta_day(make_site):
    # Monday 00:30 WIB is Sunday 17:30 UTC; Sunday 23:59 WIB is Sunday 16:59 UTC
    settings, store = build(make_site, {
        "dunia/a.txt": story("dunia", "Senin Lewat Tengah Malam", "2024-10-14 00:30"),
        "dunia/b.txt": story("dunia", "Minggu Menjelang Tengah Malam", "2024-10-20 23:59"),
    })
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    rendered = editions.render_selection(settings, edition)
    metas = [m.text_content() for m in tree(rendered.html).xpath("//p[contains(@class,'meta')]")]
    assert metas == ["Dunia · Minggu, 20 Oktober 2024", "Dunia · Senin, 14 Oktober 2024"]
    assert "  Minggu, 20 Oktober 2024\n" in rendered.text and "  Senin, 14 Oktober 2024\n" in rendered.text
    assert "13 Oktober" not in rendered.html + rendered.text


@pytest.mark.parametrize(("week", "label"), [("2024-W19", "6–12 Mei 2024"), ("2024-W36", "2–8 September 2024"), ("2024-W35", "26 Agustus – 1 September 2024")])
def test_weeks_in_other_months_are_indonesian_throughout(make_site, week, label):
    monday = date.fromisocalendar(2024, int(week[-2:]), 1)
    pages = {f"dunia/{i}.txt": story("dunia", f"Berita Hari Ke-{i}", f"{monday + timedelta(days=i)} 10:00") for i in range(7)}
    settings, store = build(make_site, pages)
    with store:
        edition = editions.select_week(settings, store, NOW, week)
    rendered = editions.render_selection(settings, edition)
    visible = tree(rendered.html).body.text_content()
    assert label in rendered.subject and label in visible and label in rendered.text
    for i in range(7):
        day = monday + timedelta(days=i)
        assert f"{HARI[i]}, {day.day} {BULAN[day.month - 1]} {day.year}" in visible
    for part in (visible, rendered.text, rendered.subject):
        assert not ENGLISH.search(part), ENGLISH.search(part)


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
    settings, store = build(make_site, week_of_stories(6, long=True) | archive_pages(91, long=True))
    link_archive(store, per_story=3)
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


# subject, title, preheader, lang ---------------------------------------------------------


def test_title_equals_subject_and_lang_id_in_every_output(make_site):
    extra = '[digest]\nsubject = "{site} & Mitra: \\"Pilihan\\" <Pekan> {week}"\n'
    settings, store = build(make_site, week_of_stories(2), extra=extra)
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
        editions.publish_edition(settings, store, edition)
    subject = 'Kabar Uji & Mitra: "Pilihan" <Pekan> 14–20 Oktober 2024'
    folder = settings.feeds.output_dir / "edisi"
    msg = email.message_from_bytes((folder / "2024-W42/digest.eml").read_bytes(), policy=policy.default)
    assert msg["Subject"] == subject
    html_part = msg.get_body(("html",)).get_content()
    for page in (html_part, (folder / "2024-W42/index.html").read_text(encoding="utf-8")):
        doc = tree(page)
        assert doc.get("lang") == "id"
        assert doc.findtext(".//title") == subject
    assert tree((folder / "index.html").read_text(encoding="utf-8")).get("lang") == "id"


PREHEADER_CASES = {
    "one short": ["Gempa"],
    "spaces": ["Gempa   Bumi\u00a0Guncang  Cianjur"],
    "one unbreakable": ["Pemerintahdanrakyatbersatumembangunnegeri" * 5],  # no space to cut at
    "many long": [f"Pemerintah dan DPR Membahas Rancangan Kebijakan Baru tentang Ketahanan Pangan Nomor {i}" for i in range(5)],
}


@pytest.mark.parametrize("case", PREHEADER_CASES)
def test_preheader_stays_40_to_140_and_keeps_the_newest_headline(make_site, case):
    headlines = PREHEADER_CASES[case]
    settings, store = build(make_site, {f"dunia/{i}.txt": story("dunia", t, f"2024-10-{15 + i} 10:00") for i, t in enumerate(headlines)})
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    text = digest_module.preheader(edition, "14–20 Oktober 2024")
    assert 40 <= len(text) <= 140, text
    newest = " ".join(edition.stories[0].title.split())
    assert text.startswith(newest[:20]), text  # the newest headline first, never cut away entirely
    assert "Oktober" not in text and "Kabar Uji" not in text  # nothing the subject says
    if len(headlines) > 3:
        assert text.endswith(f"; dan {len(headlines) - 3} berita lainnya"), text
    assert "  " not in text and "…." not in text and not text.endswith((" …", ";…", ":…")), text
    rendered = editions.render_selection(settings, edition)
    assert tree(rendered.html).body.xpath("./div")[0].text_content() == text


# size cap with the real Gmail budget --------------------------------------------------------


def long_week(per_section: int) -> dict[str, str]:
    """Stories near the limits of the pages source: ~260-character headlines, 280-character
    summaries, a lead image each, long slugs."""
    pages = {}
    for s_index, section in enumerate(SECTION_NAMES):
        for i in range(per_section):
            n = s_index * per_section + i
            title = (
                f"{SECTION_NAMES[section]} {i}: Pemerintah dan DPR Membahas Rancangan Kebijakan Baru tentang Ketahanan Pangan, "
                "Energi, dan Infrastruktur Daerah Tertinggal di Seluruh Provinsi Indonesia Bagian Timur serta Dampaknya bagi "
                "Masyarakat Pesisir dan Nelayan Kecil di Kepulauan Terluar Nusantara"
            )
            paragraph = (
                "Pemerintah menyampaikan perkembangan terbaru mengenai kebijakan tersebut pada pekan ini, dan para pejabat "
                "menilai langkah itu penting bagi masyarakat luas. "
            ) * 3
            day = 14 + n % 7
            stem = f"2024-10-{day:02d}-{section}-{i}-pemerintah-dan-dpr-membahas-rancangan-kebijakan-baru-tentang-ketahanan-pangan"
            pages[f"{section}/{stem}.txt"] = story(
                section, title, f"2024-10-{day:02d} {6 + i % 12:02d}:{i:02d}",
                image=f"/gambar/{section}-{i}-foto-utama-berita-pekan-ini.jpg", paragraphs=[paragraph] * 3,
            )
    return pages


@pytest.mark.parametrize(
    ("per_section", "extra"), [(6, ""), (12, "[digest]\nmax_per_section = 12\nmax_stories = 60\n")], ids=["30-stories", "60-stories"]
)
def test_real_budget_keeps_as_many_top_stories_as_fit(make_site, per_section, extra):
    settings, store = build(make_site, long_week(per_section) | archive_pages(5 * per_section * 3 + 1, long=True), extra=extra)
    link_archive(store, per_story=3)
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    assert len(edition.stories) == 5 * per_section
    rendered = editions.render_selection(settings, edition)
    budget = digest_module.MAX_HTML_BYTES - digest_module.PERSONALISATION_ROOM
    assert rendered.trimmed and rendered.size <= budget
    # as many as fit: one more top story would not
    order = editions.priority(edition.groups)
    context = digest_module._context(settings, edition, rendered.web_url, editions.archive_url(settings))
    one_more = digest_module._inline(digest_module._html(settings, edition, context, set(order[: rendered.stories + 1])))
    assert len(one_more.encode("utf-8")) > budget
    # what a subscriber receives stays under Gmail's clip, with a long link and name
    url = "https://kabaruji.example/langganan/berhenti?t=" + "a1b2c3d4" * 16 + "&amp;s=" + "x" * 40
    html, _text = message.personalize(rendered, url, "Halo, " + "Raden Ajeng Siti Nurhaliza Kusumawardhani " * 2 + ",")
    assert len(html.encode("utf-8")) < 100_000
    assert f"Baca {rendered.total - rendered.stories} berita lainnya di versi web" in tree(html).body.text_content()
    for article in edition.stories:
        assert article.url in rendered.text


# templates ------------------------------------------------------------------------------


# Presentational attributes that the HTML standard makes obsolete (the Nu HTML Checker
# reports them): Outlook (Word) still wants some of them, so they may appear only in the
# Outlook-only markup inside <!--[if mso]> ... <![endif]--> comments, like mso-* CSS.
OBSOLETE_ATTRIBUTES = {
    "align", "valign", "bgcolor", "background", "border", "cellpadding", "cellspacing", "frame", "rules", "summary",
    "nowrap", "char", "charoff", "axis", "hspace", "vspace", "longdesc", "lowsrc", "alink", "vlink", "link", "text",
    "marginwidth", "marginheight", "leftmargin", "topmargin", "marginleft", "marginright", "margintop", "marginbottom",
}
SIZE_ATTRIBUTES = {"width", "height"}  # valid on <img> only, here
MSO_ONLY = re.compile(r"<!--\[if mso\]>(.*?)<!\[endif\]-->", re.S)
NOT_MSO = re.compile(r"<!--\[if !mso\]><!-->(.*?)<!--<!\[endif\]-->", re.S)


def outlook_view(page: str) -> str:
    """The HTML as Outlook for Windows (Word) reads it: [if mso] blocks opened, [if !mso] blocks dropped."""
    return MSO_ONLY.sub(r"\1", NOT_MSO.sub("", page))


def sent_pages(settings, edition, rendered) -> dict[str, str]:
    """Every HTML that leaves the program: a subscriber's (unsubscribe URL and greeting
    filled in), the text/html part of the edition's .eml, and the web copy."""
    with Store(settings.store_path) as store:
        editions.publish_edition(settings, store, edition)
    folder = settings.feeds.output_dir / "edisi" / edition.code
    msg = email.message_from_bytes((folder / "digest.eml").read_bytes(), policy=policy.default)
    subscriber, _text = message.personalize(rendered, "https://kabaruji.example/langganan/berhenti?t=abc&s=1", 'Halo, "Siti" & Budi,')
    return {
        "subscriber": subscriber,
        "eml": msg.get_body(("html",)).get_content(),
        "web": (folder / "index.html").read_text(encoding="utf-8"),
    }


def test_no_obsolete_attribute_or_mso_css_outside_outlook_conditional_comments(week):
    """A structural stand-in for the Nu HTML Checker (not available in CI): what every client
    but Outlook parses has no obsolete presentational attribute and no mso-* property, even
    after premailer (which must not turn CSS back into width/align/bgcolor attributes)."""
    settings, edition, rendered = week
    for name, page in sent_pages(settings, edition, rendered).items():
        doc = tree(page)  # lxml keeps comments out of the elements: conditional markup is not seen
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            attributes = {a.lower() for a in element.attrib}
            assert not attributes & OBSOLETE_ATTRIBUTES, (name, element.tag, element.attrib)
            if element.tag != "img":
                assert not attributes & SIZE_ATTRIBUTES, (name, element.tag, element.attrib)
            assert "mso-" not in element.get("style", "").lower(), (name, element.tag, element.get("style"))
        for style in doc.iter("style"):
            assert "mso-" not in (style.text or "").lower(), name
        # the same with the comments cut out of the source text, in case a parser hides something
        outside = re.sub(r"<!--.*?-->", "", page, flags=re.S).lower()
        assert not re.search(r"\s(cellpadding|cellspacing|border|bgcolor|valign|align)\s*=", outside), name
        assert "mso-" not in outside, name
        # every comment is a well-formed conditional one: [if mso]...[endif], or the !mso pair
        comments = [c.text for c in doc.iter(lxml.etree.Comment)]
        assert comments, name
        for text in comments:
            assert (text.startswith("[if mso]>") and text.endswith("<![endif]")) or text in ("[if !mso]><!", "<![endif]"), (name, text)
        assert [t for t in comments if not t.startswith("[if mso]")] == ["[if !mso]><!", "<![endif]"], name


def test_layout_tables_reset_by_css_and_outlook_gets_its_attributes(week):
    settings, edition, rendered = week
    for name, page in sent_pages(settings, edition, rendered).items():
        # every client but Outlook: the shared tables and cells are reset by inline CSS
        doc = tree(page)
        tables = list(doc.iter("table"))
        assert len(tables) == 2, name  # .page and .sheet (the mso wrapper is inside a conditional comment)
        for table in tables:
            assert table.get("role") == "presentation"
            style = table.get("style", "").replace(" ", "")
            assert "border-collapse:collapse" in style and "width:100%" in style, (name, style)
        for cell in doc.iter("td"):  # no cellpadding: every cell says its padding
            assert re.search(r"(^|;)\s*padding:", cell.get("style", "")), (name, cell.get("class"), cell.get("style"))
        preheader = doc.body.xpath("./div")[0]
        assert "display:none" in preheader.get("style").replace(" ", "")
        # Outlook for Windows: a fixed 600 px centred wrapper with the attributes Word needs,
        # its own table reset, and no preheader (it would show: Word ignores display:none)
        mso = tree(outlook_view(page))
        wrappers = mso.xpath("//table[@width]")
        assert len(wrappers) == 1, name
        assert {k: wrappers[0].get(k) for k in ("role", "width", "align", "cellpadding", "cellspacing", "border")} == {
            "role": "presentation", "width": "600", "align": "center", "cellpadding": "0", "cellspacing": "0", "border": "0",
        }, name
        assert wrappers[0].xpath(".//table[contains(@class,'sheet')]") and wrappers[0].xpath("ancestor::table[contains(@class,'page')]")
        assert all(t.get("role") == "presentation" for t in mso.iter("table"))
        head_css = " ".join(s.text or "" for s in mso.head.iter("style")).replace(" ", "")
        assert "border-collapse:collapse" in head_css and "mso-table-lspace:0pt" in head_css and "mso-table-rspace:0pt" in head_css
        assert preheader.text_content() not in mso.body.text_content()
        assert "mso-hide" not in page


class _Balance(HTMLParser):
    VOID = {"meta", "br", "img", "hr", "link", "input", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:]}")
        else:
            self.open.pop()


def test_html_outputs_are_well_formed(week):
    settings, edition, rendered = week
    with Store(settings.store_path) as store:
        editions.publish_edition(settings, store, edition)
    folder = settings.feeds.output_dir / "edisi"
    for page in (rendered.html, (folder / "2024-W42/index.html").read_text(encoding="utf-8"), (folder / "index.html").read_text(encoding="utf-8")):
        assert page.startswith("<!DOCTYPE html>\n")
        checker = _Balance()
        checker.feed(page)
        checker.close()
        assert not checker.errors and not checker.open, (checker.errors, checker.open)
        parser = lxml.etree.HTMLParser()
        lxml.etree.fromstring(page.encode("utf-8"), parser)
        assert not list(parser.error_log), list(parser.error_log)
        doc = tree(page)
        assert len(doc.findall(".//title")) == 1 and len(doc.findall(".//body")) == 1
        for table in doc.iter("table"):
            assert all(child.tag in ("tr", "tbody") for child in table)


def test_every_css_rule_is_used():
    used = set()
    for name in ("digest.html", "digest-archive.html"):
        for value in re.findall(r'class="([^"]+)"', (REPO / "templates" / name).read_text(encoding="utf-8")):
            used.update(value.split())
    elements = {"body", "a", "p", "li", "h1", "h2", "ul", "img", "table", "td"}
    sheet = cssutils.parseString((REPO / "templates" / "digest.css").read_text(encoding="utf-8"), validate=False)
    rules = [r for r in sheet if r.type == r.STYLE_RULE]
    rules += [inner for r in sheet if r.type == r.MEDIA_RULE for inner in r.cssRules if inner.type == inner.STYLE_RULE]
    assert rules
    for rule in rules:
        for selector in rule.selectorList:
            text = selector.selectorText
            for cls in re.findall(r"\.([A-Za-z][\w-]*)", text):
                assert cls in used, f"{text}: .{cls} is used by no template"
            for element in re.findall(r"(?:^|[\s>+~])([a-z][a-z0-9]*)", text):
                assert element in elements, f"{text}: <{element}> is not in the digest"
