"""Publish renders only the feeds whose content changed, and the result is the full publish's.

After random edits (headlines, bodies, tags, deletions, new and scheduled pages, time passing),
the incrementally published folder must be byte for byte what a full publish of the same
store writes into an empty folder.
"""

from __future__ import annotations

import random
import shutil
from datetime import timedelta

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from conftest import BOLA, KORUT, NOW, page
from newsfeed import core
from newsfeed.render.assemble import FeedAssembler
from newsfeed.store import Store, feedstate

TAGS = ["Korea Utara", "Rusia", "Timnas Indonesia", "Bahrain", "Ukraina"]


def _page(i: int, rng: random.Random, when: str = "") -> str:
    story, section = (KORUT, "Dunia") if i % 2 else (BOLA, "Olahraga")
    tags = ", ".join(rng.sample(TAGS, rng.randint(0, 2)))
    header = "\n".join(line for line in (f"tags: {tags}" if tags else "", f"published: {when}" if when else "") if line)
    return page(section, f"Berita {section} {i} {rng.choice(['Terbaru', 'Sore', 'Pagi'])}", story[i % 4 :] + [f"Isi {i} {rng.random():.3f}."], header=header)


def _files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _full_publish(settings, tmp_path, now):
    """The same store, published whole into an empty folder: with nothing of the last
    publish's record (its files, the frame stamp, the topic tally, the OPML's mark)."""
    copy = tmp_path / "full"
    shutil.rmtree(copy, ignore_errors=True)
    (copy / "data").mkdir(parents=True)
    for suffix in ("", "-wal", "-shm"):
        source = settings.store_path.with_name(settings.store_path.name + suffix)
        if source.exists():
            shutil.copy(source, copy / "data" / source.name)
    shutil.copy(settings.path, copy / "config.toml")
    from newsfeed.config import load_settings

    other = load_settings(copy / "config.toml")
    with Store(other.store_path) as store:
        with store.transaction() as conn:
            for table in ("published_files", "topic_tally", "dirty_feeds"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM meta WHERE name IN ('publish_frame', 'published_until', 'news_window', 'topics_tallied', 'index_inputs')")
        core.publish(other, store, now)
    return _files(other.feeds.output_dir)


OPERATIONS = st.lists(st.sampled_from(["edit", "retitle", "delete", "add", "schedule", "tags", "section", "wait", "nothing"]), min_size=1, max_size=6)


def _moved(text: str) -> str:
    """The page in the other section: its section line (the first after any header) swapped."""
    head, sep, body = text.rpartition("---\n") if text.startswith("---") else ("", "", text)
    line, rest = body.split("\n", 1)
    return head + sep + {"Dunia": "Olahraga", "Olahraga": "Dunia"}[line] + "\n" + rest


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(OPERATIONS, st.integers(0, 10**6))
def test_incremental_publish_equals_full_publish(make_site, tmp_path_factory, operations, seed):
    tmp_path = tmp_path_factory.mktemp("incremental")
    rng = random.Random(seed)
    settings = make_site({})
    shutil.rmtree(settings.root / "pages")
    shutil.rmtree(settings.store_path.parent, ignore_errors=True)
    shutil.rmtree(settings.feeds.output_dir, ignore_errors=True)
    settings = make_site({f"halaman/{i:03d}.txt": _page(i, rng, f"2024-10-{i + 1:02d} 09:00") for i in range(14)})
    pages = settings.root / "pages" / "halaman"
    now = NOW
    with Store(settings.store_path) as store:
        core.gather(settings, store, now)
        core.publish(settings, store, now)
    for step, operation in enumerate(operations):
        existing = sorted(pages.glob("*.txt"))
        target = rng.choice(existing) if existing else None
        if operation == "edit" and target:
            target.write_text(target.read_text(encoding="utf-8").replace("Isi", "Isi yang diperbarui"), encoding="utf-8")
        elif operation == "retitle" and target:  # a headline shown in others' related links
            target.write_text(target.read_text(encoding="utf-8").replace("Berita", "Kabar", 1), encoding="utf-8")
        elif operation == "delete" and target:
            target.unlink()
        elif operation == "add":
            (pages / f"baru-{step}.txt").write_text(_page(100 + step, rng, "2024-11-20 10:00"), encoding="utf-8")
        elif operation == "schedule":  # due later: published when its time comes
            (pages / f"jadwal-{step}.txt").write_text(_page(200 + step, rng, (now + timedelta(hours=5)).strftime("%Y-%m-%d %H:%M")), encoding="utf-8")
        elif operation == "tags" and target:
            text = target.read_text(encoding="utf-8")
            target.write_text(f"---\ntags: {rng.choice(TAGS)}\n---\n" + (text.split("---\n", 2)[-1] if text.startswith("---") else text), encoding="utf-8")
        elif operation == "section" and target:  # its topics' counts move between sections
            target.write_text(_moved(target.read_text(encoding="utf-8")), encoding="utf-8")
        elif operation == "wait":
            now += timedelta(hours=12)
        with Store(settings.store_path) as store:
            core.gather(settings, store, now, allow_withdraw=True)
            core.publish(settings, store, now)
            # the tally, recounted only where feeds were dirty, is what counting everything gives
            assert feedstate.tallied_topics(store, 1) == feedstate.topic_counts(store, 1, now)
            assert feedstate.tallied_topics_by_section(store) == feedstate.topic_counts_by_section(store, now)
        assert _files(settings.feeds.output_dir) == _full_publish(settings, tmp_path, now), f"after {operations[: step + 1]}"


def test_unchanged_build_renders_nothing_and_an_edit_renders_its_feeds_only(make_site, monkeypatch):
    rng = random.Random(1)
    settings = make_site({f"halaman/{i:03d}.txt": _page(i, rng, f"2024-10-{i + 1:02d} 09:00") for i in range(12)})
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    rendered: list[str] = []
    real = FeedAssembler.rss

    def counting(self, spec, articles):
        rendered.append(spec.path)
        return real(self, spec, articles)

    monkeypatch.setattr(FeedAssembler, "rss", counting)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW + timedelta(hours=1))
        report = core.publish(settings, store, NOW + timedelta(hours=1))
    assert rendered == [] and report.written == ()
    target = settings.root / "pages/halaman/003.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("Isi", "Isi baru"), encoding="utf-8")
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW + timedelta(hours=2))
        report = core.publish(settings, store, NOW + timedelta(hours=2))
        topics = {row[0] for row in store.query("SELECT 'topik/' || topic FROM article_topics t JOIN articles a ON a.id = t.article_id WHERE a.key = 'halaman/003.txt'")}
        linking = store.query("SELECT count(*) FROM related r JOIN articles a ON a.id = r.related_id WHERE a.key = 'halaman/003.txt'")[0][0]
    every_feed = 1 + 2 + len(list((settings.feeds.output_dir / "topik").iterdir()))
    assert "" in rendered and "dunia" in rendered and topics <= set(rendered)
    assert len(rendered) < every_feed or linking  # feeds without the article (or a link to it) are not rendered
    assert "rss.xml" in report.written
