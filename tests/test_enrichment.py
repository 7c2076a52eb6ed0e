"""Topics and related lists through the real pipeline: store, topic feeds, Atom related links."""

from datetime import timedelta

import feedparser
import pytest

from conftest import BOLA, KORUT, NOW, config_text, page
from pgstore import forget_store
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.enrich import related_search
from newsfeed.enrich.related import RelatedIndex
from newsfeed.store import Store



def _story(paragraphs, i):
    """A distinct article of the same story: three of its paragraphs, rotated."""
    return [paragraphs[(i + k) % len(paragraphs)] for k in range(3)]


def _pages():
    pages = {}
    for i in range(1, 5):
        pages[f"dunia/2024-10-0{i}-0800-korut-{i}.txt"] = page("Dunia", f"Korut Kirim Prajurit ke Rusia Gelombang {i}", _story(KORUT, i))
        pages[f"olahraga/2024-10-0{i}-2000-bola-{i}.txt"] = page("Olahraga", f"Timnas Indonesia Tahan Bahrain Babak {i}", _story(BOLA, i))
    pages["dunia/2024-10-05-0900-ulasan.txt"] = page(
        "Dunia",
        "Ulasan Pekan Ini",
        ["Ringkasan berbagai peristiwa dunia sepanjang pekan dari berbagai kawasan."],
        related=["Timnas Indonesia Tahan Bahrain Babak 2", "Judul yang Tidak Ada"],
    )
    return pages


@pytest.fixture
def built(make_site):
    settings = make_site(_pages())
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    return settings


def _atom(settings, name="atom.xml"):
    return feedparser.parse((settings.feeds.output_dir / name).read_bytes())


def test_topics_are_stored_and_become_categories(built):
    parsed = _atom(built, "dunia/atom.xml")
    korut = [e for e in parsed.entries if e.title.startswith("Korut")][0]
    terms = [t.term for t in korut.tags]
    assert terms[0] == "Dunia"
    assert "Korea Utara" in terms and "Rusia" in terms


def test_topic_feeds_are_published_and_valid(built):
    parsed = _atom(built, "topik/korea-utara/atom.xml")
    assert parsed.bozo == 0
    assert len(parsed.entries) == 4
    assert parsed.feed.title == "Kabar Uji: Korea Utara"
    rss = feedparser.parse((built.feeds.output_dir / "topik/korea-utara/rss.xml").read_bytes())
    assert rss.bozo == 0
    site_ids = {e.id for e in _atom(built).entries}
    assert {e.id for e in parsed.entries} <= site_ids  # same item ids as the other feeds


def test_atom_related_links_are_relevant_and_never_self(built):
    for entry in _atom(built).entries:
        related = [link for link in entry.links if link.rel == "related"]
        assert entry.link not in {link.href for link in related}
        if entry.title.startswith("Korut"):
            assert related and all("korut" in link.href for link in related[:3])
            assert all(link.title.startswith("Korut") for link in related[:3])


def test_editor_chosen_links_come_first(built):
    entry = [e for e in _atom(built).entries if e.title == "Ulasan Pekan Ini"][0]
    related = [link for link in entry.links if link.rel == "related"]
    assert related[0].title == "Timnas Indonesia Tahan Bahrain Babak 2"


def test_small_archive_lists_do_not_depend_on_arrival_order(make_site):
    pages = _pages()
    late = {name: pages.pop(name) for name in ["dunia/2024-10-04-0800-korut-4.txt", "olahraga/2024-10-04-2000-bola-4.txt"]}
    settings = make_site(pages)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        for name, text in late.items():
            (settings.root / "pages" / name).write_text(text, encoding="utf-8")
        core.gather(settings, store, NOW)
        stepwise = store.related_ids([r[0] for r in store.query("SELECT id FROM articles")])
    forget_store(settings.store_path)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        at_once = store.related_ids([r[0] for r in store.query("SELECT id FROM articles")])
    assert stepwise == at_once


def test_new_article_updates_index_without_rebuild(make_site):
    built = make_site(_pages(), extra_config="[related]\nrebuild_below = 0\n")
    with Store(built.store_path) as store:
        core.gather(built, store, NOW)
    with Store(built.store_path) as store:
        state, rows = store.related_index()
        before = RelatedIndex.load(state, rows)
    target = built.root / "pages/dunia/2024-10-06-0800-korut-6.txt"
    target.write_text(page("Dunia", "Korut Tambah Prajurit ke Rusia", _story(KORUT, 5)), encoding="utf-8")
    with Store(built.store_path) as store:
        report, changed = core.gather(built, store, NOW + timedelta(hours=1))
        state, rows = store.related_index()
        after = RelatedIndex.load(state, rows)
        [new_id] = changed
        assert after.built_size == before.built_size  # an add, not a rebuild
        assert len(after) == len(before) + 1
        links = store.related_ids([new_id])[new_id]
        titles = {a.id: a.title for a in store.get(links)}
    assert all(titles[i].startswith("Korut") for i in links[:3])


def test_a_withdrawn_article_leaves_the_index_lists_and_its_holders_are_filled_again(make_site):
    # the store drops a withdrawn article's index row with the article; the lists that held
    # it must still be ranked again (they kept it, and showed one link fewer, before), and
    # where another article is close enough it takes the place
    built = make_site(_pages(), extra_config="[related]\nrebuild_below = 0\n")
    with Store(built.store_path) as store:
        core.gather(built, store, NOW)
        [gone] = [r[0] for r in store.query("SELECT id FROM articles WHERE title = 'Timnas Indonesia Tahan Bahrain Babak 3'")]
        holders = [r[0] for r in store.query("SELECT article_id FROM related WHERE related_id = ?", (gone,))]
        before = store.related_ids(holders)
    assert holders
    (built.root / "pages/olahraga/2024-10-03-2000-bola-3.txt").unlink()
    with Store(built.store_path) as store:
        core.gather(built, store, NOW + timedelta(hours=1))
        state, rows = store.related_index()
        index = RelatedIndex.load(state, rows)
        after = store.related_ids(holders)
        chose = {r[0] for r in store.query("SELECT article_id FROM related WHERE editor = 1")}
    assert all(gone not in [other for _, other in index.scored(aid)] for aid in index.ids)
    computed = [aid for aid in holders if aid not in chose]  # (an editor's link comes first)
    assert computed and {aid: after[aid] for aid in computed} == {aid: list(index.related(aid, 5)) for aid in computed}
    assert any(after[aid] != [other for other in before[aid] if other != gone] for aid in holders)  # refilled where one is close


def test_a_damaged_row_found_only_when_an_edit_reaches_it_rebuilds_the_index(make_site, monkeypatch):
    # an edit reads most rows only in part: damage in the rest is found while ranking
    monkeypatch.setattr(related_search, "EXACT_LIMIT", 3)  # the partial load (clusters from 3 articles on)
    built = make_site(_pages(), extra_config="[related]\nrebuild_below = 0\n")
    with Store(built.store_path) as store:
        core.gather(built, store, NOW)
        [(ident, blob)] = store.query(
            "SELECT r.article_id, r.blob FROM related_index r JOIN articles a ON a.id = r.article_id WHERE a.title = ?",
            ("Korut Kirim Prajurit ke Rusia Gelombang 2",),
        )
        with store.transaction() as conn:  # the edited article's row: a wrong latent size, its term part still reads
            conn.execute("UPDATE related_index SET blob = ? WHERE article_id = ?", (bytes(blob) + bytes(4), ident))
    edited = built.root / "pages/dunia/2024-10-02-0800-korut-2.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nPrajurit Korea Utara tiba di Rusia pekan ini.\n", encoding="utf-8")
    with Store(built.store_path) as store:
        report, changed = core.gather(built, store, NOW + timedelta(hours=1))
        state, rows = store.related_index()
        index = RelatedIndex.load(state, rows)  # readable again: built anew
        assert changed and not report.rejected and len(index) == 9
        assert store.related_ids(changed)[changed[0]]


def _edited_twice(root, pages):
    """A site built, then an edit, a new page and a withdrawn page gathered: its stored lists and index rows."""
    (root / "pages").mkdir(parents=True)
    (root / "config.toml").write_text(config_text("[related]\nrebuild_below = 0\n"), encoding="utf-8")
    for name, text in pages.items():
        (root / "pages" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "pages" / name).write_text(text, encoding="utf-8")
    settings = load_settings(root / "config.toml")
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
    edited = root / "pages/dunia/2024-10-02-0800-korut-2.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nPrajurit Korea Utara tiba di Rusia pekan ini.\n", encoding="utf-8")
    (root / "pages/olahraga/2024-10-03-2000-bola-3.txt").unlink()
    (root / "pages/dunia/2024-10-06-0800-korut-6.txt").write_text(page("Dunia", "Korut Tambah Prajurit ke Rusia", _story(KORUT, 5)), encoding="utf-8")
    with Store(settings.store_path) as store:
        report, changed = core.gather(settings, store, NOW + timedelta(hours=1))
        assert len(changed) == 3 and not report.rejected  # edited, new, withdrawn
        state, _ = store.related_index()
        assert len(RelatedIndex.load(state, ()).centroids)  # the clustered index, loaded for the change
        lists = [tuple(r) for r in store.query("SELECT article_id, rank, related_id FROM related ORDER BY article_id, rank")]
        rows = [(r[0], bytes(r[1])) for r in store.query("SELECT article_id, blob FROM related_index ORDER BY article_id")]
    return lists, rows


def test_an_edit_loading_only_the_rows_it_reaches_stores_what_a_whole_load_would(tmp_path, monkeypatch):
    monkeypatch.setattr(related_search, "EXACT_LIMIT", 3)  # clusters from 3 articles on (5,000 in production)
    monkeypatch.setattr(related_search, "PROBES", 1)  # each searches its own cluster (8 of ~316 at 100,000)
    read = []
    whole_rows = Store.related_rows
    monkeypatch.setattr(Store, "related_rows", lambda store, ids: read.extend(ids) or whole_rows(store, ids))
    builds = []
    build_sorted = RelatedIndex.build_sorted.__func__
    monkeypatch.setattr(RelatedIndex, "build_sorted", classmethod(lambda cls, *a, **k: builds.append(1) or build_sorted(cls, *a, **k)))
    partly = _edited_twice(tmp_path / "partly", _pages())
    assert read and len(set(read)) < len(partly[1])  # rows read whole: not all of them
    assert len(builds) == 1  # the first gather's; the change was not a rebuild
    monkeypatch.setattr(RelatedIndex, "load_for_change", classmethod(lambda cls, state, rows, fetch, mentioning=(): cls.load(state, rows)))
    wholly = _edited_twice(tmp_path / "wholly", _pages())
    assert partly == wholly and partly[0]


def test_enrichment_is_deterministic_across_builds(make_site, tmp_path):
    first = make_site(_pages())
    with Store(first.store_path) as store:
        core.gather(first, store, NOW)
        lists_a = store.related_ids([r[0] for r in store.query("SELECT id FROM articles")])
    forget_store(first.store_path)
    with Store(first.store_path) as store:
        core.gather(first, store, NOW + timedelta(days=30))
        lists_b = store.related_ids([r[0] for r in store.query("SELECT id FROM articles")])
    assert lists_a == lists_b


def test_related_links_never_point_to_unpublished_articles(make_site):
    pages = _pages()
    pages["dunia/2024-12-25-0800-korut-nanti.txt"] = page("Dunia", "Korut Kirim Prajurit Tambahan Akhir Tahun", _story(KORUT, 3))
    settings = make_site(pages)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)  # NOW is 1 December 2024: the page above is scheduled
        core.publish(settings, store, NOW)
    atom = (settings.feeds.output_dir / "atom.xml").read_text()
    assert "korut-nanti" not in atom and "Akhir Tahun" not in atom


def test_blocking_a_topic_in_config_applies_to_existing_articles(built):
    assert (built.feeds.output_dir / "topik/rusia/atom.xml").exists()
    config = built.path.read_text().replace("[feeds]", '[topics]\nblocked = ["Rusia"]\n\n[feeds]')
    built.path.write_text(config)
    from newsfeed.config import load_settings

    settings = load_settings(built.path)
    with Store(settings.store_path) as store:
        report, changed = core.gather(settings, store, NOW + timedelta(hours=1))
        core.publish(settings, store, NOW + timedelta(hours=1))
    assert changed == []  # no article changed: the new settings alone re-applied topics
    terms = {t.term for e in _atom(settings).entries for t in e.get("tags", [])}
    assert "Rusia" not in terms and "Korea Utara" in terms
    assert not (settings.feeds.output_dir / "topik/rusia/atom.xml").exists()


def test_digest_links_only_to_articles_out_by_the_end_of_its_week(make_site):
    from newsfeed.editions import select_week

    pages = _pages()
    pages["dunia/2024-10-20-0800-korut-lanjutan.txt"] = page("Dunia", "Korut Kirim Prajurit Lanjutan ke Rusia", _story(KORUT, 2))
    settings = make_site(pages)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        edition = select_week(settings, store, NOW, "2024-W40")
        stored = store.related_ids([a.id for a in edition.stories])
        linked_in_store = {a.title for ids in stored.values() for a in store.get(ids)}
    in_digest = {link.title for article in edition.stories for link in article.related}
    assert "Korut Kirim Prajurit Lanjutan ke Rusia" in linked_in_store  # the feeds link it today
    assert in_digest and "Korut Kirim Prajurit Lanjutan ke Rusia" not in in_digest


def test_atom_files_keep_rfc4287_cardinalities(built):
    from lxml import etree

    atom = "{http://www.w3.org/2005/Atom}"
    for path in sorted(built.feeds.output_dir.rglob("atom.xml")):
        feed = etree.parse(str(path)).getroot()
        for tag in ("id", "title", "updated"):
            assert len(feed.findall(atom + tag)) == 1, (path, tag)
        assert feed.find(atom + "author") is not None
        for entry in feed.iter(atom + "entry"):
            for tag in ("id", "title", "updated"):
                assert len(entry.findall(atom + tag)) == 1, (path, tag)
            alternates = [link for link in entry.findall(atom + "link") if link.get("rel", "alternate") == "alternate"]
            assert len(alternates) == 1, path  # related links must never become extra alternates
            if "topik" in path.parts:  # summary-only (topics.feed_content): the alternate link stands for the content
                assert entry.find(atom + "content") is None and len(entry.findall(atom + "summary")) == 1, path
            else:
                assert entry.find(atom + "content").get("type") == "html"


def test_a_damaged_stored_related_index_is_built_again_not_a_traceback(built):
    # the index is derived data: a row the code cannot read makes the next enrichment rebuild it
    with Store(built.store_path) as store:
        [(ident, blob)] = store.query("SELECT article_id, blob FROM related_index ORDER BY article_id LIMIT 1")
        with store.transaction() as conn:
            conn.execute("UPDATE related_index SET blob = ? WHERE article_id = ?", (bytes(blob) + b"\0\0", ident))  # a wrong latent size
        before = [tuple(r) for r in store.query("SELECT article_id, related_id FROM related ORDER BY article_id, rank")]
    page = next((built.root / "pages").rglob("*.txt"))
    page.write_text(page.read_text(encoding="utf-8") + "\n\nTambahan satu paragraf.\n", encoding="utf-8")
    with Store(built.store_path) as store:
        report, changed = core.gather(built, store, NOW + timedelta(hours=1))
        assert changed and not report.rejected
        core.publish(built, store, NOW + timedelta(hours=1))
        after = [tuple(r) for r in store.query("SELECT article_id, related_id FROM related ORDER BY article_id, rank")]
    assert after and len(after) >= len(before) - 5  # lists were made again, from the articles
