"""Benchmark: topic extraction speed and the topics it finds, on real Indonesian news.

Run from the project folder:  python bench/bench_topics.py [--corpus PATH] [--docs N] [--top N]

Reads ../shared/corpus/indo-news-2025-fulltext/articles.jsonl. That file is third-party news
used only as local input: it is never copied into this project and nothing from it is
written anywhere; this script only prints figures and topic names.

Speed: `extract_topics(title, text, (), TopicSettings())` over the corpus, repeated in order
until `--docs` (default 10,000) articles are done, in this one fresh process (so the one-off
stopword load and every cache start cold). The first pass over the distinct articles is also
timed on its own, and so are `--distinct` (default 10,000) distinct articles recombined from
corpus sentences after the caches are cleared, closer to a whole-site build of new pages:
repetition flatters the first figure, since each article's capitalised runs are analysed once
(the recombined articles reuse corpus sentences too, but in new mixes and with new runs at the
seams).
Quality: precision, recall and F1 on the labelled check (bench/data/topics-*.toml: the
hand-labelled subjects of 160 corpus articles: "tuning" (80) and "fresh" (40, held out once, then
tuned on too), and "holdout" (40 more, labelled before the extractor was run on them and scored once
at the end of the tuning on the other 120; its file's header says how it was drawn); `--parts`
picks them, tuning alone by default; topic_check.py says how they are scored; `--errors` lists the
wrong and missed topics of every part scored but "holdout" and "holdout3" (40 more, labelled the
same way by another hand, to be scored once; "holdout2", scored once before it, is read in error
reports now)), beside a plain capitalised-word-run baseline on the same articles;
then the `--top` most frequent topics per corpus section (`section`; null -> "(none)") and the
most characteristic topics of each section as `section_topics` ranks them (the OPML grouping).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from corpus import DEFAULT_CORPUS, load, recombine  # noqa: E402
from topic_check import PARTS, SCORED_ONCE, capitalised_runs, evaluate, load_labels  # noqa: E402
from newsfeed.config import TopicSettings  # noqa: E402
from newsfeed.enrich.text import stopwords  # noqa: E402
from newsfeed.enrich.topics import clear_caches, extract_topics, section_topics  # noqa: E402



def recombined(docs: list[tuple[str, str]], n: int, seed: int = 2025) -> list[tuple[str, str]]:
    """`n` distinct articles of typical length: the headline of one corpus article and a body
    of 3-sentence chunks drawn from 2-3 corpus articles, in random order."""
    return [(docs[first][0], body) for first, body in recombine([text for _, text in docs], n, random.Random(seed))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--docs", type=int, default=10_000, help="articles to time (corpus repeated)")
    ap.add_argument("--top", type=int, default=30, help="most frequent topics shown per section")
    ap.add_argument("--distinct", type=int, default=10_000,
                    help="also time this many distinct recombined articles from cold caches (0: skip)")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of one pass")
    ap.add_argument("--parts", default="tuning",
                    help="labelled parts scored, comma-separated: tuning, fresh, holdout, holdout2")
    ap.add_argument("--errors", action="store_true",
                    help="list wrong and missed topics of the parts scored, except the holdout parts")
    args = ap.parse_args()
    print("$ python " + " ".join(sys.argv))
    print(f"corpus: {args.corpus} (third-party, read only, not copied)")
    rows = load(args.corpus)
    docs = [(r["title"] or "", r["text"] or "") for r in rows]
    chars = sum(len(t) + len(b) for t, b in docs) / len(docs)
    print(f"{len(rows)} articles read, mean {chars:,.0f} characters (title + text)")
    settings = TopicSettings()

    # -- speed --------------------------------------------------------------------------
    n = args.docs
    results: list[tuple[str, ...]] = []
    load_before = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    first_pass = None
    for i in range(n):
        title, text = docs[i % len(docs)]
        results.append(extract_topics(title, text, (), settings))
        if i + 1 == len(docs):
            first_pass = time.perf_counter() - t0
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"\n== Speed: {n:,} articles (the corpus repeated {n / len(docs):.2f} times), one process ==")
    print(f"machine: {os.cpu_count()} CPUs, load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}"
          " (other processes count)")
    print(f"extract_topics: {elapsed:.2f} s for {n:,} articles = {elapsed / n * 10_000:.2f} s per 10,000 articles"
          f" (CPU time {cpu / n * 10_000:.2f} s)")
    if first_pass is not None:
        print(f"first pass, {len(docs):,} distinct articles, cold caches: {first_pass:.2f} s"
              f" = {first_pass / len(docs) * 10_000:.2f} s per 10,000 articles")
    seen = docs[: len(results)]  # (--docs may be fewer than the corpus's articles)
    again = [extract_topics(t, b, (), settings) for t, b in seen]
    print(f"deterministic (second run equals first): {again == results[: len(seen)]}")
    if args.distinct:
        fresh = recombined(docs, args.distinct)
        size = sum(len(t) + len(b) for t, b in fresh) / len(fresh)
        clear_caches()
        t0, c0 = time.perf_counter(), time.process_time()
        for title, text in fresh:
            extract_topics(title, text, (), settings)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{len(fresh):,} distinct articles (headline of one corpus article, body of 3-sentence chunks of"
              f" 2-3, random.Random(2025); mean {size:,.0f} characters), cold caches:"
              f" {elapsed:.2f} s = {elapsed / len(fresh) * 10_000:.2f} s per 10,000 articles"
              f" (CPU time {cpu / len(fresh) * 10_000:.2f} s)")
        plain = capitalised_runs(stopwords())
        c0 = time.process_time()
        for title, text in fresh:
            plain(title, text)
        cpu = time.process_time() - c0
        print(f"  baseline of the same run, the plain capitalised-run extractor (a regex pass and counts):"
              f" CPU time {cpu / len(fresh) * 10_000:.2f} s per 10,000 articles")

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for title, text in docs:
            extract_topics(title, text, (), settings)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)

    # -- quality: the labelled check --------------------------------------------------------
    texts = {r["id"]: (r["title"] or "", r["text"] or "") for r in rows}
    baseline = capitalised_runs(stopwords())
    print("\n== Labelled check: subjects (people, organisations, places in the headline or mentioned"
          " at least twice), hand-labelled ==")
    print("strict: every topic that is not a labelled subject is wrong; lenient: topics labelled `other`"
          " (events, products, a dateline city) left out")
    print(f"{'part':10} {'extractor':22} {'P':>6} {'P len.':>7} {'R':>6} {'F1':>6} {'F1 len.':>8}  topics/subjects")
    for part in args.parts.split(","):
        labels = load_labels(PARTS[part])
        for label, extract in (("capitalised runs", baseline),
                               ("newsfeed", lambda t, b: extract_topics(t, b, (), settings))):
            score, details = evaluate(labels, texts, extract)
            print(f"{part + f' ({len(labels)})':10} {label:22} {score.precision:6.3f} {score.lenient_precision:7.3f}"
                  f" {score.recall:6.3f} {score.f1():6.3f} {score.f1(True):8.3f}  {score.predicted}/{score.gold}")
        if args.errors and part not in SCORED_ONCE:
            for art_id, wrong, missed in details:
                if wrong or missed:
                    print(f"  {art_id} {texts[art_id][0][:60]!r}\n    wrong: {wrong}\n    missed: {missed}")

    # -- quality: what the corpus gets ---------------------------------------------------------
    by_section: dict[str, Counter] = defaultdict(Counter)
    for r, found in zip(rows, again):
        by_section[r["section"] or "(none)"].update(found)
    per_article = sum(len(f) for f in again) / len(again)
    print(f"\n== Topics: {args.top} most frequent per section, {len(rows)} articles,"
          f" {per_article:.1f} topics per article ==")
    for s in sorted(by_section):
        items = ", ".join(f"{name} ({c})" for name, c in by_section[s].most_common(args.top))
        print(f"[{s}] {items}")
    limit = settings.per_section_in_opml
    print(f"\nmost characteristic per section (section_topics, limit {limit}, '(none)' left out):")
    ranked = section_topics({k: v for k, v in by_section.items() if k != "(none)"}, limit)
    for s, names in ranked.items():
        print(f"[{s}] {', '.join(names)}")


if __name__ == "__main__":
    main()
