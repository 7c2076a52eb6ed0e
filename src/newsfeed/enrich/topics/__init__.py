"""Topics: the named subjects of an article (people, organisations, places, events).

One module a job:
- lexicon.py: the word lists (data/topics.toml plus the editor's additions in config.toml)
- words.py, runs.py: facts about a capitalised word; the names a capitalised run makes
- furniture.py, citations.py: text that names nothing (links to other stories, datelines,
  promotions; a country inside a formal title or a law citation)
- glue.py: words a scraper glued together, split again
- mentions.py: how often an article names each name
- folding.py: mentions of one entity folded into one name (surnames, acronyms)
- extract.py: the topics of one article, ranked by salience
- slugs.py: a topic's folder name; sections.py: the topics that characterise a section

Pure and deterministic: the same input gives the same output in any order and any process.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from newsfeed.enrich.topics.extract import MAX_TOPICS, clear_patterns, extract_topics
from newsfeed.enrich.topics.lexicon import DATA_FILE, default_aliases
from newsfeed.enrich.topics.lexicon import clear_caches as _clear_lexicon_caches
from newsfeed.enrich.topics.sections import section_topics
from newsfeed.enrich.topics.slugs import topic_slug

__all__ = ["extract_topics", "topic_slug", "section_topics", "clear_caches", "fingerprint", "default_aliases",
           "MAX_TOPICS"]


def clear_caches() -> None:
    """Forget every cached decision (results do not change; the next articles run slower).
    For benchmarks that time a cold start, and for tests."""
    _clear_lexicon_caches()
    clear_patterns()


def fingerprint() -> str:
    """A digest of everything the extractor's results depend on besides the settings: its code
    and its word lists (so that a site re-extracts topics after an upgrade that changes them)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(resources.files("newsfeed").joinpath(DATA_FILE).read_bytes())
    return digest.hexdigest()
