"""The polite HTTP client (newsfeed.sources.http) against the fixture site on 127.0.0.1: slow,
trickling, oversized, redirecting, failing and 429 answers; conditional GET; the per-host
concurrency cap and rate limit."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from newsfeed.errors import SourceError
from newsfeed.sources import http as http_module
from newsfeed.sources.http import HttpClient, Limits, Validators, _retry_after
from sitefixture import Site, serve

FAST = Limits(user_agent="newsfeed-test/1", rate_per_second=0, concurrency=4, timeout=5, retries=0, backoff=0.05)


@pytest.fixture(scope="module")
def site():
    live = Site(6)
    with serve(live):
        yield live


@pytest.fixture(autouse=True)
def no_faults(site):
    site.faults.clear()
    yield
    site.faults.clear()


def client(**changes) -> HttpClient:
    return HttpClient(dataclasses.replace(FAST, **changes))


def statuses_of(site, mark, path):
    return [r.status for r in site.requests(mark) if r.path == path]


def test_a_page_with_its_validators_and_user_agent(site):
    with client() as http:
        response = http.get(site.url(site.articles[0]))
    assert response.status == 200 and b"application/ld+json" in response.body
    assert response.validators.etag.startswith('"') and response.validators.last_modified.endswith("GMT")
    assert site.requests()[-1].agent == "newsfeed-test/1"


def test_conditional_get_answers_304_and_a_changed_page_200(site):
    url = site.url(site.articles[1])
    with client() as http:
        first = http.get(url)
        again = http.get(url, validators=first.validators)
        assert again.not_modified and again.body == b""
        site.edit(1)
        changed = http.get(url, validators=first.validators)
    assert changed.status == 200 and changed.validators != first.validators
    assert first.validators and not Validators()


def test_gone_pages_come_back_as_answers_other_errors_as_source_errors(site):
    with client() as http:
        assert http.get(f"{site.base}/tidak-ada").status == 404
        site.faults["/rusak"] = "500"
        with pytest.raises(SourceError, match=r"/rusak: HTTP 500 Internal Server Error, 1 tries; the site is failing"):
            http.get(f"{site.base}/rusak")


def test_5xx_is_tried_again_with_backoff(site):
    site.faults["/rusak"] = "500"
    mark = site.mark()
    started = time.monotonic()
    with client(retries=2, backoff=0.2) as http, pytest.raises(SourceError, match="3 tries"):
        http.get(f"{site.base}/rusak")
    assert statuses_of(site, mark, "/rusak") == [500, 500, 500]
    assert time.monotonic() - started >= 0.2 + 0.4  # backoff doubles


def test_429_waits_what_retry_after_asks_then_succeeds(site):
    path = site.path(site.articles[2])
    site.faults[path] = "429:2"
    mark = site.mark()
    started = time.monotonic()
    with client(retries=3) as http:
        response = http.get(site.base + path)
    assert response.status == 200
    assert statuses_of(site, mark, path) == [429, 429, 200]
    assert time.monotonic() - started >= 2.0  # Retry-After: 1, twice (not the 0.05 s backoff)


def test_a_retry_after_beyond_the_limit_fails_at_once(site, monkeypatch):
    assert _retry_after("3600") == 3600.0 and _retry_after("") is None
    assert _retry_after("Wed, 21 Oct 2099 07:28:00 GMT") > 3600
    site.faults["/sibuk"] = "429:5"
    monkeypatch.setattr(http_module, "MAX_RETRY_AFTER", 0.5)  # the fixture asks for 1 s
    started = time.monotonic()
    with client(retries=3) as http, pytest.raises(SourceError, match=r"asks to wait 1 s \(Retry-After\); it is read again at the next run"):
        http.get(f"{site.base}/sibuk")
    assert time.monotonic() - started < 0.9


def test_a_slow_answer_times_out(site):
    site.faults["/lambat"] = "slow"
    site.slow_seconds = 3.0
    started = time.monotonic()
    with client(timeout=0.5) as http, pytest.raises(SourceError, match=r"no whole answer within 0.5 s, 1 tries"):
        http.get(f"{site.base}/lambat")
    assert time.monotonic() - started < 2.5


def test_a_trickling_answer_is_cut_at_the_whole_answer_deadline(site):
    site.faults["/netes"] = "trickle"  # a byte a second: no single read ever times out
    started = time.monotonic()
    with client(timeout=2) as http, pytest.raises(SourceError, match="no whole answer within 2 s"):
        http.get(f"{site.base}/netes")
    assert time.monotonic() - started < 4.5


def test_an_oversized_answer_stops_at_the_cap(site):
    site.faults["/besar"] = "huge"  # 26 MB, chunked, no Content-Length
    with client(max_bytes=1_000_000) as http, pytest.raises(SourceError, match="over the 1,000,000 byte cap"):
        http.get(f"{site.base}/besar")
    assert http.bytes < 1_000_000  # nothing of it was kept


def test_a_declared_oversized_answer_is_refused_before_reading(site):
    with client(max_bytes=1000) as http, pytest.raises(SourceError, match=r"\d bytes, over the 1,000 byte cap"):
        http.get(site.url(site.articles[0]))  # Content-Length says ~4 kB
    assert http.bytes == 0


def test_redirects_are_followed_counted_and_checked(site):
    target = site.path(site.articles[3])
    site.faults["/pindah"] = f"redirect:{target}"
    site.faults["/putar"] = "loop"
    site.faults["/keluar"] = f"redirect:{site.other}{target}"
    with client(max_redirects=3) as http:
        moved = http.get(f"{site.base}/pindah")
        assert moved.status == 200 and moved.url == site.base + target
        with pytest.raises(SourceError, match="more than 3 redirects"):
            http.get(f"{site.base}/putar")
        refuse = lambda url: "" if url.startswith(site.base) else "not on the source's hosts"  # noqa: E731
        with pytest.raises(SourceError, match=r"/keluar: redirects to http://localhost:\d+/.*, not on the source's hosts"):
            http.get(f"{site.base}/keluar", allow=refuse)
    assert not [r for r in site.requests() if r.host.startswith("localhost")]


def test_no_more_requests_at_once_than_the_concurrency_cap(site):
    site.faults["/lambat"] = "slow"
    site.slow_seconds = 0.3
    quiet_by = time.monotonic() + 5  # a slow answer an earlier test gave up on may still be held
    while site.at_once and time.monotonic() < quiet_by:
        time.sleep(0.05)
    site.most_at_once = 0
    with client(concurrency=2) as http, ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: http.get(f"{site.base}/lambat", any_status=True), range(6)))
    assert site.most_at_once == 2


def test_the_rate_limit_spaces_request_starts(site):
    started = time.monotonic()
    with client(rate_per_second=10, concurrency=4) as http, ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: http.get(f"{site.base}/robots.txt"), range(6)))
    assert time.monotonic() - started >= 0.5  # six starts, 0.1 s apart
