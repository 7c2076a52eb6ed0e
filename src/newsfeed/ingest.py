"""Read every source into the store, and withdraw what its source no longer has.

Changed entries are read (in parallel for big folders), checked and stored in batches that
each commit whole, with their ids queued for enrichment in the same transaction. After a
source is read, its stored articles that it no longer lists (or that it says are gone) are
withdrawn; a guard refuses to withdraw most of a source at once (a missing mount, an empty
listing) unless the operator confirms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from newsfeed.config import Settings
from newsfeed.errors import SourceError, SourceGone
from newsfeed.sources import open_source
from newsfeed.sources.validate import check_item
from newsfeed.store import Store, article_id
from newsfeed.store.lifecycle import withdraw
from newsfeed.types import GatherReport, Progress, Rejection, SourceItem

BATCH = 1000
# Withdrawing more than this share of a source's articles in one gather, and at least
# GUARD_MIN of them, needs the operator's confirmation (--allow-withdraw).
GUARD_SHARE = 0.5
GUARD_MIN = 5


@dataclass
class _Tally:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    held: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[Rejection] = field(default_factory=list)

    def report(self) -> GatherReport:
        return GatherReport(self.new, self.updated, self.unchanged, tuple(self.rejected), self.withdrawn, self.held, tuple(self.notices))


def ingest(settings: Settings, store: Store, now: datetime, progress: Progress, allow_withdraw: bool = False) -> GatherReport:
    tally = _Tally()
    for source_settings in settings.sources:
        _ingest_source(settings, store, now, progress, source_settings, allow_withdraw, tally)
    _withdraw_unconfigured(settings, store, now, allow_withdraw, tally)
    return tally.report()


def _ingest_source(settings, store, now, progress, source_settings, allow_withdraw, tally: _Tally) -> None:
    source = open_source(source_settings, settings)
    where = str(source_settings.path or source_settings.url)
    try:
        listing = list(source.scan())
    except SourceError as exc:
        tally.rejected.append(Rejection(source.name, where, f"{exc}; nothing of this source was withdrawn"))
        return
    known, entries = store.source_state(source.name)  # entries: key -> article id, kept as the saves below write them
    todo = [entry for entry in listing if known.get(entry[0]) != entry[1]]
    gone_keys: list[str] = []
    if todo:
        _read_changed(settings, store, now, progress, source, where, listing, todo, known, entries, gone_keys, tally)
    tally.unchanged += len(listing) - len(todo)
    _withdraw_missing(store, source, where, {key for key, _ in listing}, entries, gone_keys, now, allow_withdraw, tally)


def _read_changed(settings, store, now, progress, source, where, listing, todo, known, entries: dict[str, str], gone_keys, tally: _Tally) -> None:
    """Read and save the pages of `todo`; `entries` (key -> article id, as read before) gets the rows the saves write."""
    # which key holds which article: two pages pinning one id would overwrite each other
    owners = {entries[key]: key for key, print_ in listing if known.get(key) == print_ and key in entries}
    batch: list[SourceItem] = []
    from newsfeed.sources.readahead import reader  # forks readers: only when there is reading to do

    with reader(source, todo) as read:
        for done, (key, print_) in enumerate(todo, start=1):
            item = _read_one(read, settings, source.name, f"{where}/{key}", key, print_, gone_keys, tally)
            if item is not None:
                ident = article_id(source.name, item.identity or key)
                if owners.get(ident, key) != key:
                    tally.rejected.append(Rejection(source.name, f"{where}/{key}",
                                                    f"id: {item.identity!r} is already the id of {owners[ident]}; give each page its own id"))
                else:
                    owners[ident] = key
                    batch.append(item)
                    entries[item.key] = article_id(item.source, item.identity or item.key)  # the row Store.save writes
            if len(batch) >= BATCH or done == len(todo):
                _save(store, batch, now, settings, source.name, where, tally)
                batch = []
            progress(f"gather {source.name}", done, len(todo))


def _read_one(read, settings, name, where, key, print_, gone_keys, tally) -> SourceItem | None:
    try:
        item = read(key, print_)
        item, notes = check_item(item, settings)
        item = _with_image_info(item, settings)
    except SourceGone:
        gone_keys.append(key)
        return None
    except SourceError as exc:
        tally.rejected.append(Rejection(name, where, str(exc)))
        return None
    tally.notices.extend(Rejection(name, where, note) for note in notes)
    return item


def _with_image_info(item: SourceItem, settings: Settings) -> SourceItem:
    from newsfeed.images import with_image_info

    return with_image_info(item, settings)


def _save(store: Store, batch: list[SourceItem], now: datetime, settings: Settings, name: str, where: str, tally: _Tally) -> None:
    if not batch:
        return
    result = store.save(batch, now, settings.site.base_url)
    tally.new += result.counts.new
    tally.updated += result.counts.updated
    tally.unchanged += result.counts.unchanged
    tally.held += result.counts.held
    tally.notices.extend(Rejection(name, f"{where}/{key}", note) for key, note in result.notices)


def _withdraw_missing(
    store, source, where, listed: set[str], entries: dict[str, str], gone_keys: list[str], now, allow_withdraw, tally: _Tally
) -> None:
    gone = set(gone_keys)
    lists_everything = getattr(source, "lists_everything", True)
    forget = [key for key in entries if key in gone or (lists_everything and key not in listed)]
    forgotten = set(forget)
    keep = {ident for key, ident in entries.items() if key not in forgotten}
    live = [row[0] for row in store.query("SELECT id FROM articles WHERE source = ? ORDER BY id", (source.name,))]
    if lists_everything:
        leaving = [ident for ident in live if ident not in keep]
    else:
        leaving = sorted({entries[key] for key in gone if key in entries} - keep)
    if _guarded(len(leaving), len(live), allow_withdraw):
        tally.rejected.append(Rejection(source.name, where, (
            f"{len(leaving)} of its {len(live)} articles are no longer in the source; nothing was withdrawn "
            "(is the folder mounted, the listing complete?); check the source, or run again with --allow-withdraw")))
        return
    if not leaving and not forget:
        return
    with store.transaction() as conn:
        tally.withdrawn += len(withdraw(store, conn, leaving, "gone", now))
        store.forget_entries(conn, source.name, forget)


def _withdraw_unconfigured(settings: Settings, store: Store, now: datetime, allow_withdraw: bool, tally: _Tally) -> None:
    """Articles of a source that is no longer in config.toml (removed or renamed)."""
    names = [s.name for s in settings.sources]
    marks = ",".join("?" * len(names))
    for name, number in store.query(f"SELECT source, count(*) FROM articles WHERE source NOT IN ({marks}) GROUP BY source ORDER BY source", names):
        if not allow_withdraw:
            tally.rejected.append(Rejection(name, "config.toml", (
                f"source {name!r} is no longer configured but {number} of its articles are published; "
                "restore its [[sources]] entry (its name must stay the same), or run with --allow-withdraw to withdraw them")))
            continue
        ids = [row[0] for row in store.query("SELECT id FROM articles WHERE source = ? ORDER BY id", (name,))]
        with store.transaction() as conn:
            tally.withdrawn += len(withdraw(store, conn, ids, "gone", now))
            conn.execute("DELETE FROM source_state WHERE source = ?", (name,))


def _guarded(leaving: int, live: int, allow_withdraw: bool) -> bool:
    return not allow_withdraw and leaving >= GUARD_MIN and leaving > GUARD_SHARE * live
