"""No single page, tag or value can stop the site (property-based).

Hypothesis writes hostile pages beside good ones: absurd dates, huge and non-Latin tags,
markup and control characters, colliding slugs, binary junk. Every build must end without a
traceback, publish every good page, and leave every feed well-formed and readable.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

import feedparser
import lxml.etree
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from conftest import KORUT, NOW, page
from newsfeed import core
from newsfeed.store import Store

GOOD = {f"dunia/2024-10-{i + 1:02d}-0900-baik-{i}.txt": page("Dunia", f"Berita Baik Korea Utara {i}", KORUT[i:] + ["Baik."]) for i in range(3)}

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
_tag = st.one_of(
    _text,
    st.sampled_from(["東京", "北京", "]]>", "<script>", "a" * 280, "Ωμέγα", "\x1b[31mmerah", "..", "/", "topik", "\u202eevil"]),
)
_date = st.one_of(
    st.sampled_from(["0001-01-01 00:00", "0001-01-01T00:00:00+00:00", "9999-12-31 23:59", "2024-02-30 10:00", "kemarin", "", "2024-10-01T25:00"]),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
)
_slug = st.one_of(st.sampled_from(["sama", "", "東京", "../../etc", "a" * 400]), _text)


@st.composite
def hostile_page(draw) -> str | bytes:
    kind = draw(st.sampled_from(["header", "junk", "title"]))
    if kind == "junk":
        return draw(st.binary(max_size=200))
    header = "\n".join(
        f"{name}: {value}".replace("\n", " ")
        for name, value in (("published", draw(_date)), ("updated", draw(_date)), ("slug", draw(_slug)),
                            ("tags", ", ".join(draw(st.lists(_tag, max_size=5)))))
        if draw(st.booleans())
    )
    title = draw(_text).replace("\n", " ").strip() if kind == "title" else "Judul Uji Korea Utara"
    body = [draw(_text).replace("\n\n", "\n") or "Isi.", "Korea Utara dan Rusia."]
    return page(draw(st.sampled_from(["Dunia", "Nasional", "Tidak Ada"])), title or "Judul", body, header=header)


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(hostile_page(), min_size=1, max_size=4))
def test_hostile_pages_never_stop_the_site(make_site, pages):
    settings = make_site({}, extra_config="[topics]\nmin_articles = 1\n")
    shutil.rmtree(settings.root / "pages", ignore_errors=True)
    shutil.rmtree(settings.store_path.parent, ignore_errors=True)
    shutil.rmtree(settings.feeds.output_dir, ignore_errors=True)
    files = dict(GOOD)
    files.update({f"dunia/jahat-{i}.txt": content for i, content in enumerate(pages)})
    settings = make_site(files, extra_config="[topics]\nmin_articles = 1\n")  # every tag gets its feeds
    for run in range(2):  # and the store they leave behind never breaks a later build
        with Store(settings.store_path) as store:
            report, _ = core.gather(settings, store, NOW + timedelta(hours=run))
            published = core.publish(settings, store, NOW + timedelta(hours=run))
        assert report.new + report.updated + report.unchanged + len(report.rejected) >= 3
        assert all(r.reason and "\n" not in r.reason for r in report.rejected)
    rss = (settings.feeds.output_dir / "rss.xml").read_bytes()
    titles = {e.title for e in feedparser.parse(rss).entries}
    assert {f"Berita Baik Korea Utara {i}" for i in range(3)} <= titles
    for name in published.written + published.unchanged:
        data = (settings.feeds.output_dir / name).read_bytes()
        if name.endswith(".xml"):
            lxml.etree.fromstring(data)  # well-formed
            assert not feedparser.parse(data).bozo or name == "opml.xml", name
        assert len(name) < 200 and ".." not in name.split("/")
    folders = [p for p in (settings.feeds.output_dir / "topik").iterdir()] if (settings.feeds.output_dir / "topik").exists() else []
    assert all(p.name and p.name.isascii() and len(p.name) <= 100 for p in folders)
