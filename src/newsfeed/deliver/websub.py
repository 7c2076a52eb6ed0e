"""WebSub publish pings: tell each configured hub which feeds changed, so subscribers of the
hub (Google's and others' feed fetchers, Flipboard, Inoreader) fetch them at once instead of
polling every half hour.

W3C WebSub leaves the publisher-to-hub notice to the hub; the form every public hub accepts
is PubSubHubbub 0.4's: POST application/x-www-form-urlencoded `hub.mode=publish` with the
topic URL as `hub.url` (and, for hubs that read the WebSub name, `hub.topic`). A 2xx answer
means the hub took it. Failures are retried with backoff. A hub that cannot be reached after
that, or that answered 5xx/429 for DOWN_AFTER different feeds, is not asked again this run (a
site has thousands of topic feeds: one dead hub must not stall a publish, and one feed the
hub chokes on must not silence the others); what failed is kept in the store and pinged
again after the next publish.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

USER_AGENT = "newsfeed-websub/1.0"
RETRIES = 3
BACKOFF = 1.0  # seconds before the first retry, doubled each time
DOWN_AFTER = 3  # feeds answered 5xx/429 (after retries) before a reachable hub counts as down


@dataclass(frozen=True, slots=True)
class PingResult:
    hub: str
    topic: str
    error: str = ""  # empty: the hub accepted it


def ping(pairs: Iterable[tuple[str, str]], timeout: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> list[PingResult]:
    """One publish notice per (hub, changed feed URL); returns the result of each."""
    down: dict[str, str] = {}  # hub -> why it is not asked again this run
    failing: dict[str, int] = {}  # hub -> feeds it answered 5xx/429 for
    results = []
    for hub, topic in pairs:
        if hub in down:
            results.append(PingResult(hub, topic, down[hub]))
            continue
        error, kind = _ping_one(hub, topic, timeout, sleep)
        if kind == "unreachable":
            down[hub] = error
        elif kind == "busy":
            failing[hub] = failing.get(hub, 0) + 1
            if failing[hub] >= DOWN_AFTER:
                down[hub] = error
        results.append(PingResult(hub, topic, error))
    return results


def _ping_one(hub: str, topic: str, timeout: float, sleep: Callable[[float], None]) -> tuple[str, str]:
    """(error, its kind: "refused" for this topic, "busy" (5xx/429), "unreachable"); ("", "")
    when the hub took it."""
    body = urlencode({"hub.mode": "publish", "hub.url": topic, "hub.topic": topic}).encode()
    error = ""
    for attempt in range(RETRIES):
        if attempt:
            sleep(BACKOFF * 2 ** (attempt - 1))
        request = urllib.request.Request(
            hub, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read(4096)
                return "", ""
        except urllib.error.HTTPError as exc:
            error, kind = f"HTTP {exc.code}", "busy"
            if exc.code < 500 and exc.code != 429:
                return error, "refused"  # the hub refuses this topic: retrying will not help
        except (urllib.error.URLError, OSError) as exc:
            error, kind = str(getattr(exc, "reason", exc)), "unreachable"
    return error, kind
