"""Keep the store's topics and related-article lists up to date after a gather.

Topics are extracted for new and edited articles only. The related-articles index is
loaded from the store and updated with those articles, or rebuilt from the whole archive
when there is none yet, when the archive is small (`related.rebuild_below`: then lists never
depend on the order articles arrived in) or when it grew by a quarter since it was built.
An incrementally updated index keeps the vocabulary and weights of its last full build, so
its lists can differ slightly from a fresh build of the same archive. Lists are
editor-chosen links ("Artikel Terkait", resolved by headline) first, then computed ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.config import Settings, TopicSettings
from newsfeed.memory import release_freed
from newsfeed.parallel import Started, batched, fork_start
from newsfeed.store import Store
from newsfeed.types import Progress

if TYPE_CHECKING:
    from newsfeed.enrich.related import Record, RelatedIndex

TOPICS_BATCH = 4000  # articles held in memory at once while extracting topics
TOPICS_PARALLEL_FROM = 2000  # a batch this large is shared among the CPU cores
PARTIAL_LOAD_UP_TO = 1000  # queued articles up to which the related index is loaded only where they reach
LISTS_BATCH = 2000  # related lists written together


def enrich(settings: Settings, store: Store, progress: Progress) -> None:
    """Topics and related lists for the articles queued as changed or withdrawn, or for all
    when the settings or the enrichment code changed since the last run (editors' aliases and
    blocks apply everywhere). The queue is emptied in the transaction that stores the lists,
    so a run killed on the way leaves the work to the next one."""
    fingerprint = _fingerprint(settings)
    everything = store.meta("enriched") != fingerprint
    queued = store.queued()
    if not queued and not everything:
        return
    live = {ident for ident, *_ in store.texts(queued)} if queued else set()
    changed = [ident for ident in queued if ident in live]
    withdrawn = [ident for ident in queued if ident not in live]
    _topics(settings, store, None if everything else changed, progress)
    try:
        _related(settings, store, queued, changed, withdrawn, everything, progress)
    except ValueError:  # a damaged stored index row, found when a change reached it: built again
        _related(settings, store, queued, changed, withdrawn, True, progress)
    release_freed()  # the publish of the same build has its own peak


def _related(settings: Settings, store: Store, queued: Sequence[str], changed: Sequence[str], withdrawn: Sequence[str], everything: bool, progress: Progress) -> None:
    """Update the related index with the queued articles (or build it from the archive) and
    store the lists that changed. ValueError: a stored row the code cannot read."""
    from newsfeed.enrich.related import Record, RelatedIndex  # numpy and scipy: only when there is work

    state, rows = store.related_index()
    index = None
    if state is not None and not everything:
        try:
            if len(queued) > PARTIAL_LOAD_UP_TO:
                index = RelatedIndex.load(state, rows)
            else:  # an edit reads whole only the rows it can reach; lists can hold the changed
                # articles already indexed and the withdrawn ones (whose rows left with them)
                mentioning = [*store.indexed(changed), *withdrawn]
                index = RelatedIndex.load_for_change(state, rows, store.related_rows, mentioning=mentioning)
        except ValueError:  # a damaged stored index (it is derived data): built again from the articles
            index = None
    fresh = store.texts(changed) if index is not None else ()
    records = [Record(ident, title, text) for ident, title, text, _tags in fresh]
    if index is None or _grows_stale(index, records) or _small(settings, index, records):
        total = store.count()

        def read() -> Iterator[tuple[str, str, str]]:
            for done, (ident, title, body, _tags) in enumerate(store.texts(), start=1):
                if done % 1000 == 0 or done == total:
                    progress("related: terms", done, total)
                yield ident, title, body

        index = RelatedIndex.build_sorted(read(), ranked=lambda done, of: progress("related: lists", done, of))
        touched, replace = set(index.ids), True
    else:
        progress("related", 0, 1)
        touched = index.remove(withdrawn) if withdrawn else set()
        touched |= index.add(records)
        touched -= set(withdrawn)
        replace = False
        progress("related", 1, 1)
    _write_lists(settings, store, index, touched, replace, queued)


def _fingerprint(settings: Settings) -> str:
    """What enrichment results depend on besides the articles: settings, the enrichment code
    and its data files (word lists), read as bytes, without importing numpy."""
    package = Path(__file__).parent
    digest = hashlib.sha256(repr((settings.topics, settings.related)).encode())
    for folder in (package / "enrich", package / "data"):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file() and path.suffix != ".pyc":
                digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _topics(settings: Settings, store: Store, changed: Sequence[str] | None, progress: Progress) -> None:
    from newsfeed.enrich.topics import topic_slug

    total = store.count() if changed is None else len(set(changed))
    done = 0
    extract = partial(_extract_topics, settings.topics)
    slugs: dict[str, str] = {}  # a name is in many articles: slugged once
    with store.transaction() as conn:
        # a batch's topics are written while the workers extract the next batch's
        pending: tuple[list, Started] | None = None
        try:
            for batch in chain(batched(store.texts(changed), TOPICS_BATCH), [None]):
                extracted = (pending[0], pending[1].result()) if pending is not None else None
                pending = (batch, fork_start(extract, batch, min_items=TOPICS_PARALLEL_FROM)) if batch is not None else None
                if extracted is not None:
                    articles, found = extracted
                    store.set_topics(conn, [(ident, names, [slugs.get(n) or slugs.setdefault(n, topic_slug(n)) for n in names]) for (ident, *_), names in zip(articles, found)])
                    done += len(articles)
                    progress("topics", done, total)
        finally:
            if pending is not None:  # a failure while the workers had a batch
                pending[1].cancel()


def _extract_topics(settings: TopicSettings, article: tuple[str, str, str, tuple[str, ...]]) -> tuple[str, ...]:
    from newsfeed.enrich.topics import extract_topics

    _ident, title, body, tags = article
    return extract_topics(title, body, tags, settings)


def _small(settings: Settings, index: RelatedIndex, records: list[Record]) -> bool:
    return len(index) + sum(r.id not in index for r in records) <= settings.related.rebuild_below


def _grows_stale(index: RelatedIndex, records: list[Record]) -> bool:
    new = sum(r.id not in index for r in records)
    return len(index) + new > index.built_size * 1.25


def _write_lists(settings: Settings, store: Store, index: RelatedIndex, touched: set[str], replace: bool, done: Sequence[str]) -> None:
    """Store the index and every list that changed, editor-chosen links first; take the
    articles `done` off the enrichment queue. Lists that come out as they were are not
    written again, so their feeds are not marked for publishing."""
    wanted = settings.related.count
    if replace:
        editor_titles = store.editor_titles()
    else:  # the editor's choices that an edit or a withdrawal can change
        editor_titles = store.editor_titles(sorted(touched | set(done) | store.editor_referrers(done)))
    by_title = store.ids_by_title({t for titles in editor_titles.values() for t in titles})
    editor = {ident: [by_title[t] for t in titles if t in by_title and by_title[t] != ident] for ident, titles in editor_titles.items()}
    candidates = sorted((touched | set(editor)) & set(index.ids))
    current = store.related_ids(candidates)
    with store.transaction() as conn:
        store.save_related_index(conn, index.state_blob(), ((i, index.row_blob(i)) for i in sorted(touched)), replace)
        changed: list[tuple[str, list[str], int]] = []
        for ident in candidates:
            chosen = list(dict.fromkeys(editor.get(ident, ())))
            links = list(index.related(ident, max(wanted, len(chosen)), chosen))[: max(wanted, len(chosen))]
            if links != current.get(ident, []) or (links and _editor_count(store, conn, ident) != len(chosen)):
                changed.append((ident, links, len(chosen)))
            if len(changed) >= LISTS_BATCH:
                store.set_related_lists(conn, changed)
                changed = []
        store.set_related_lists(conn, changed)
        store.set_meta(conn, "enriched", _fingerprint(settings))
        store.unqueue(conn, done)


def _editor_count(store: Store, conn, ident: str) -> int:
    return conn.execute("SELECT count(*) FROM related WHERE article_id = ? AND editor = 1", (ident,)).fetchone()[0]
