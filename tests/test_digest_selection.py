"""Which articles an edition holds: week edges in WIB, default week, caps, sections, edits,
weeks that have not ended, and nothing published after the clock (scheduled pages)."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from test_digest_support import EARLIER_TITLE, NOW, SCHEDULED_TITLE, build, korut_week, story, week_of_stories

from newsfeed import core, editions
from newsfeed.deliver import sending
from newsfeed.errors import RenderError

WIB = ZoneInfo("Asia/Jakarta")


def titles(edition):
    return [a.title for a in edition.stories]


def test_sunday_2359_and_monday_0000_wib_fall_in_different_weeks(make_site):
    settings, store = build(make_site, {
        "dunia/a.txt": story("dunia", "Minggu Malam Terakhir", "2024-10-20 23:59"),
        "dunia/b.txt": story("dunia", "Senin Dini Hari Pertama", "2024-10-21 00:00"),
        "dunia/c.txt": story("dunia", "Senin Awal Pekan Lalu", "2024-10-14 00:00"),
    })
    with store:
        w42 = editions.select_week(settings, store, NOW, "2024-W42")
        w43 = editions.select_week(settings, store, NOW, "2024-W43")
    assert titles(w42) == ["Minggu Malam Terakhir", "Senin Awal Pekan Lalu"]
    assert titles(w43) == ["Senin Dini Hari Pertama"]
    assert w42.start == datetime(2024, 10, 14, tzinfo=WIB) and w42.end == datetime(2024, 10, 21, tzinfo=WIB)
    # 23:59 WIB on Sunday is 16:59 UTC: the UTC date would not tell the weeks apart
    assert w42.stories[0].published == datetime(2024, 10, 20, 16, 59, tzinfo=UTC)


def test_default_is_last_complete_week_in_site_zone():
    # Monday 21 Oct 2024 00:30 WIB is still Sunday in UTC; W42 has just ended in Jakarta
    now = datetime(2024, 10, 20, 17, 30, tzinfo=UTC)
    assert editions.last_complete_week(now, WIB) == (2024, 42)
    # Sunday 23:00 WIB: W42 is not over, the last complete week is W41
    assert editions.last_complete_week(datetime(2024, 10, 20, 16, 0, tzinfo=UTC), WIB) == (2024, 41)
    # ISO years: 30 Dec 2024 belongs to 2025-W01
    assert editions.last_complete_week(datetime(2025, 1, 7, tzinfo=UTC), WIB) == (2025, 1)


def test_default_week_selection(make_site):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Berita Pekan Lalu", "2024-10-16 10:00")})
    with store:
        edition = editions.select_week(settings, store, datetime(2024, 10, 22, tzinfo=UTC))
    assert edition.code == "2024-W42"
    assert titles(edition) == ["Berita Pekan Lalu"]


def test_empty_week_is_none(make_site):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Berita Lama", "2024-09-02 10:00")})
    with store:
        assert editions.select_week(settings, store, NOW, "2024-W42") is None
        assert editions.select_week(settings, store, NOW, "2024-W36", sections="olahraga") is None


def test_grouped_by_configured_section_order_newest_first(make_site):
    settings, store = build(make_site, {
        "olahraga/a.txt": story("olahraga", "Olahraga Selasa", "2024-10-15 10:00"),
        "dunia/a.txt": story("dunia", "Dunia Senin", "2024-10-14 10:00"),
        "dunia/b.txt": story("dunia", "Dunia Rabu", "2024-10-16 10:00"),
        "ekonomi/a.txt": story("ekonomi", "Ekonomi Kamis", "2024-10-17 10:00"),
    })
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    assert [s.slug for s, _a in edition.groups] == ["dunia", "ekonomi", "olahraga"]
    assert titles(edition) == ["Dunia Rabu", "Dunia Senin", "Ekonomi Kamis", "Olahraga Selasa"]


def test_sections_filter_and_restrict(make_site):
    settings, store = build(make_site, week_of_stories(2))
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42", sections="olahraga,dunia")
        full = editions.select_week(settings, store, NOW, "2024-W42")
    assert [s.slug for s, _a in edition.groups] == ["dunia", "olahraga"]  # configured order, not the typed one
    assert not edition.full and full.full
    narrowed = editions.restrict(full, settings, ["dunia", "olahraga"])
    assert titles(narrowed) == titles(edition)
    with pytest.raises(RenderError, match="not a configured section"):
        editions.select_week(settings, store, NOW, "2024-W42", sections="dunia,cuaca")


def test_caps_per_section_and_overall(make_site):
    settings, store = build(make_site, week_of_stories(4), extra="[digest]\nmax_per_section = 3\nmax_stories = 7\n")
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W42")
        only_dunia = editions.select_week(settings, store, NOW, "2024-W42", sections="dunia")
    counts = {s.slug: len(a) for s, a in edition.groups}
    assert sum(counts.values()) == 7
    assert max(counts.values()) <= 3
    # sections take turns: every section keeps its newest story before any gets a second
    assert set(counts) == {"dunia", "nasional", "ekonomi", "teknologi", "olahraga"}
    for _section, articles in edition.groups:
        assert list(articles) == sorted(articles, key=lambda a: a.published, reverse=True)
    assert sum(n for _s, n in edition.more) == 20 - 7
    # the per-section cap applies to a one-section selection too
    assert len(only_dunia.stories) == 3
    # caps keep the newest of the section
    all_dunia = sorted((a for a in only_dunia.candidates), key=lambda a: a.published, reverse=True)
    assert list(only_dunia.stories) == all_dunia[:3]


def test_edited_article_appears_once_with_current_text(make_site, tmp_path):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Judul Awal", "2024-10-15 10:00")})
    with store:
        (tmp_path / "pages" / "dunia" / "a.txt").write_text(story("dunia", "Judul Sudah Diperbaiki", "2024-10-15 10:00"), encoding="utf-8")
        report, _ = core.gather(settings, store, NOW)
        assert report.updated == 1
        edition = editions.select_week(settings, store, NOW, "2024-W42")
    assert titles(edition) == ["Judul Sudah Diperbaiki"]


@pytest.mark.parametrize("text", ["2024-42", "W42", "2024-W54", "2023-W53", "minggu lalu", ""])
def test_bad_week_names_the_form(text):
    with pytest.raises(RenderError, match="2024-W42"):
        editions.parse_week(text)


def test_week_forms():
    assert editions.parse_week("2024-W42") == (2024, 42)
    assert editions.parse_week("2024w07") == (2024, 7)
    assert editions.parse_week("2020-W53") == (2020, 53)
    assert editions.week_code(2024, 7) == "2024-W07"


# nothing after the clock -------------------------------------------------------------


def test_scheduled_article_never_appears_in_related_links(make_site):
    # NOW is 1 December 2024: the page dated 25 December is scheduled, not published
    settings, store = build(make_site, korut_week("2024-12-25 08:00"))
    with store:
        ids = {title: ident for ident, title in store.query("SELECT id, title FROM articles")}
        scheduled = ids[SCHEDULED_TITLE]
        stored = store.related_ids(list(ids.values()))
        linking = [t for t, i in ids.items() if scheduled in stored.get(i, [])[: settings.digest.related_per_story]]
        assert len(linking) >= 2, stored  # the related index does link the week's Korut stories to it
        edition = editions.select_week(settings, store, NOW, "2024-W42")
        assert all(link.id != scheduled for a in edition.candidates for link in a.related)
        assert {a.title for a in edition.stories} >= set(linking) - {EARLIER_TITLE}
        assert any(a.related for a in edition.stories)  # the other links are still there
        report = editions.publish_edition(settings, store, edition)
    folder = settings.feeds.output_dir / "edisi" / "2024-W42"
    page = (folder / "index.html").read_text(encoding="utf-8")
    text = (folder / "digest.txt").read_text(encoding="utf-8")
    msg = email.message_from_bytes((folder / "digest.eml").read_bytes(), policy=policy.default)
    parts = [p.get_content() for p in msg.walk() if p.get_content_maintype() == "text"]
    assert len(parts) == 2 and "Artikel Terkait" in page and "Artikel Terkait" in text
    for output in (page, text, *parts):
        assert SCHEDULED_TITLE not in output and "korut-nanti" not in output
    assert report.stories == 7


def test_a_story_of_an_unfinished_week_is_not_selected_before_its_time(make_site):
    # the preview of the week in progress shows what is published by now, not what is scheduled
    settings, store = build(make_site, {
        "dunia/a.txt": story("dunia", "Sudah Terbit Senin", "2024-11-25 09:00"),
        "dunia/b.txt": story("dunia", "Dijadwalkan Minggu Siang", "2024-12-01 12:00"),  # NOW is 07:00 WIB that Sunday
    })
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W48", unfinished=True)
    assert titles(edition) == ["Sudah Terbit Senin"]
    assert not edition.complete


# weeks that have not ended -------------------------------------------------------------


def test_a_week_that_has_not_ended_is_refused(make_site):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Sudah Terbit Senin", "2024-11-25 09:00")})
    with store:
        # NOW (1 December 2024, 07:00 WIB) is the Sunday of 2024-W48
        with pytest.raises(RenderError) as caught:
            editions.select_week(settings, store, NOW, "2024-W48")
        assert str(caught.value) == (
            "week 2024-W48 has not ended yet (it ends Monday 2 December 2024 00:00 WIB); pick a past week"
        )
        # a future week, even an empty one, is refused rather than reported as empty
        with pytest.raises(RenderError, match=r"^week 2025-W10 has not ended yet \(it ends Monday 10 March 2025 00:00 WIB\)"):
            editions.select_week(settings, store, NOW, "2025-W10", sections="olahraga")
        # the default is the last complete week: unaffected
        assert editions.select_week(settings, store, NOW) is None  # 2024-W47 is empty
        assert editions.select_week(settings, store, NOW, "2024-W47") is None
        # the week ends at Monday 00:00 WIB exactly: from then on it can be selected
        monday = datetime(2024, 12, 2, tzinfo=ZoneInfo("Asia/Jakarta"))
        with pytest.raises(RenderError, match="has not ended yet"):
            editions.select_week(settings, store, monday - timedelta(seconds=1), "2024-W48")
        edition = editions.select_week(settings, store, monday, "2024-W48")
        assert titles(edition) == ["Sudah Terbit Senin"] and edition.complete
        assert editions.select_week(settings, store, monday).code == "2024-W48"  # now the last complete week


def test_send_refuses_a_week_that_has_not_ended(make_site):
    # the send path selects through editions.select_week with its own clock
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Sudah Terbit Senin", "2024-11-25 09:00")})
    with store:
        with pytest.raises(RenderError, match="week 2024-W48 has not ended yet"):
            sending.select(settings, store, NOW, "2024-W48")
        assert sending.select(settings, store, NOW, "2024-W47") == ("2024-W47", None)


def test_an_unfinished_edition_is_never_published(make_site):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Sudah Terbit Senin", "2024-11-25 09:00")})
    with store:
        edition = editions.select_week(settings, store, NOW, "2024-W48", unfinished=True)
        with pytest.raises(RenderError, match="has not ended yet .* can only be previewed"):
            editions.publish_edition(settings, store, edition)
        assert editions.published_editions(store) == []
    assert not (settings.feeds.output_dir / "edisi").exists()
