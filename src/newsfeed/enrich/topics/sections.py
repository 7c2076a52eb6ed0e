"""The topics that characterise each section (the OPML's folders, the index page's groups)."""

from __future__ import annotations

import math
from collections.abc import Container, Mapping


def section_topics(
    counts_by_section: Mapping[str, Mapping[str, int]], limit: int, eligible: Container[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """The `limit` topics most characteristic of each section, chosen among `eligible` ones
    (those with a feed; None: all).

    Characteristic: weighted log-odds of the topic in the section against the other sections
    (informative Dirichlet prior); only topics seen in at least 2 articles of a section count
    there. Each topic is listed under one section only, the one where it is most characteristic
    (ties: the section named first), and only if it is among that section's `limit` best.
    Deterministic: ties by score are broken by name."""
    total: dict[str, int] = {}
    for c in counts_by_section.values():
        for name, n in c.items():
            total[name] = total.get(name, 0) + n
    grand = sum(total.values()) or 1
    best: dict[str, tuple[float, str]] = {}  # topic -> (-z, section) of its most characteristic section
    for section in sorted(counts_by_section):
        mine = counts_by_section[section]
        n_mine = sum(mine.values()) or 1
        n_rest = grand - n_mine or 1
        for name, c in mine.items():
            if c < 2 or (eligible is not None and name not in eligible):
                continue
            prior = 0.5 + 10.0 * total[name] / grand
            rest = total[name] - c
            # floors keep the odds finite when one topic is nearly all of a small site's counts
            a = math.log((c + prior) / max(n_mine + 10.0 - c - prior, 0.5))
            b = math.log((rest + prior) / max(n_rest + 10.0 - rest - prior, 0.5))
            z = (a - b) / math.sqrt(1.0 / (c + prior) + 1.0 / (rest + prior))
            if name not in best or (-z, section) < best[name]:
                best[name] = (-z, section)
    scored: dict[str, list[tuple[float, str]]] = {section: [] for section in counts_by_section}
    for name, (neg_z, section) in best.items():
        scored[section].append((neg_z, name))
    return {section: tuple(name for _, name in sorted(scored[section])[:limit]) for section in sorted(scored)}
