"""The one place that wires the layers: gather, enrich, publish."""

from __future__ import annotations

from datetime import datetime

from newsfeed.config import Settings
from newsfeed.enrichment import enrich
from newsfeed.ingest import ingest
from newsfeed.publishing import FeedPlan, TOPIC_FOLDER, plan_feeds, publish, render_all  # noqa: F401 - the API
from newsfeed.store import Store, lifecycle
from newsfeed.store.lifecycle import ArticleEntry
from newsfeed.types import GatherReport, Progress, PublishReport, no_progress


def gather(
    settings: Settings, store: Store, now: datetime, progress: Progress = no_progress, allow_withdraw: bool = False
) -> tuple[GatherReport, list[str]]:
    """Read every source, store new and edited articles, withdraw those gone from their
    source, then update topics and related lists (also what a killed run left undone).

    Returns the report and the ids whose topics and lists were updated. A page that fails is
    reported and skipped; the others are still stored, in batches that each commit whole.
    """
    store.follow_base_url(settings.site.base_url)
    report = ingest(settings, store, now, progress, allow_withdraw)
    changed = store.queued()
    enrich(settings, store, progress)
    return report, changed


def open_store(settings: Settings) -> Store:
    return Store(settings.store_path)


def take_down(settings: Settings, store: Store, wanted: str, now: datetime, note: str = "", progress: Progress = no_progress) -> tuple[ArticleEntry, PublishReport]:
    """An editor's takedown (legal, retraction): out of every feed at once, and it never
    comes back from its source until restored."""
    entry = lifecycle.take_down(store, wanted, now, note)
    enrich(settings, store, progress)
    return entry, publish(settings, store, now, progress)


def restore(settings: Settings, store: Store, wanted: str, now: datetime, progress: Progress = no_progress) -> tuple[ArticleEntry, PublishReport]:
    """Undo a takedown and publish the article again."""
    entry = lifecycle.restore(store, wanted)
    enrich(settings, store, progress)
    return entry, publish(settings, store, now, progress)
