"""Benchmark: article extraction by the html source, beside trafilatura alone, on real pages.

Run from the project folder:  python bench/bench_extract.py [--bench PATH] [--show N]

Reads ../shared/html-bench (141 real article pages with human-written ground truth, from the
Scrapinghub/Zyte article-extraction benchmark; never copied into the project) and scores
with that benchmark's own evaluate.py (word 4-gram shingles, per-page precision and recall
averaged, F1 of the two, bootstrap standard deviations).

Each page is read as a fetched page would be: its bytes, its URL from the ground truth, no
HTTP headers, no site rules, one fallback section. Rows, all from this one run:
- newsfeed: the stored plain text (`SourceItem.text`) of `PageReader.read`;
- trafilatura: `trafilatura.extract(html)` with its defaults (comments left out), as the
  benchmark runs it;
- trafilatura-precision: the same with favor_precision=True, the mode newsfeed builds on.
Pages are split by site (a hash of the host) into a "tuned" half, the only pages looked at
while the html source's own rules (data/html.toml, extract.py) were written, and a
"held-out" half; each half's figures are printed too.
Also printed: pages accepted, published dates found (beside htmldate alone on the same
pages) and time per page.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = ROOT.parent / "shared" / "html-bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--show", type=int, default=0, help="list the N tuned-half pages where newsfeed scores lowest")
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    args = parser.parse_args()
    if not (args.bench / "ground-truth.json").is_file():
        sys.exit(f"{args.bench}: no ground-truth.json; pass --bench PATH to a copy of html-bench")
    scorer = _scorer(args.bench / "evaluate.py")
    truth = json.loads((args.bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {pid: gzip.decompress((args.bench / "html" / f"{pid}.html.gz").read_bytes()) for pid in truth}

    import trafilatura
    from htmldate import find_date

    from newsfeed.config import parse_settings
    from newsfeed.errors import SourceError
    from newsfeed.sources.html import PageReader

    settings = parse_settings(
        {
            "site": {"name": "Bench", "base_url": "https://bench.example", "id_authority": "bench.example,2024", "timezone": "Asia/Jakarta"},
            "sections": [{"slug": "berita", "name": "Berita"}],
            "sources": [{"kind": "html", "name": "bench", "path": "pages", "section": "berita"}],
        },
        ROOT / "bench-config.toml",
    )
    reader = PageReader.of(settings.sources[0], settings)
    outputs: dict[str, dict[str, dict]] = {"newsfeed": {}, "trafilatura": {}, "trafilatura-precision": {}}
    seconds = {name: 0.0 for name in outputs}
    rejected: list[tuple[str, str]] = []
    dated = dated_htmldate = 0
    for pid, raw in pages.items():
        url = truth[pid].get("url", "")
        start = time.perf_counter()
        try:
            item = reader.read(raw, pid, url=url)
            text = item.text
            dated += item.published is not None
        except SourceError as exc:
            rejected.append((pid, str(exc)))
            text = ""
        seconds["newsfeed"] += time.perf_counter() - start
        outputs["newsfeed"][pid] = {"articleBody": text}
        html = raw.decode("utf-8", errors="replace")
        for name, options in (("trafilatura", {}), ("trafilatura-precision", {"favor_precision": True})):
            start = time.perf_counter()
            body = trafilatura.extract(html, include_comments=False, **options) or ""
            seconds[name] += time.perf_counter() - start
            outputs[name][pid] = {"articleBody": body}
        dated_htmldate += find_date(html, url=url, original_date=True) is not None

    halves = {"tuned": set(), "held-out": set()}
    for pid in truth:
        halves[_half(truth[pid].get("url", ""))].add(pid)
    print(f"html-bench: {len(truth)} pages from {args.bench} (tuned half {len(halves['tuned'])}, held-out half {len(halves['held-out'])})")
    print(f"{'':24} {'pages':>6} {'F1':>14} {'precision':>14} {'recall':>14} {'ms/page':>8}")
    for name, output in outputs.items():
        for label, ids in (("all", set(truth)), *halves.items()):
            sub_truth = {k: v for k, v in truth.items() if k in ids}
            metrics = scorer.evaluate(sub_truth, {k: output[k] for k in sub_truth}, args.n_bootstrap)
            cells = " ".join(f"{metrics[m]:.3f} ± {metrics[m + '_std']:.3f}" for m in ("f1", "precision", "recall"))
            ms = f"{1000 * seconds[name] / len(truth):8.1f}" if label == "all" else ""
            print(f"{name + (' ' + label if label != 'all' else ''):24} {len(ids):6} {cells} {ms}")
    print(f"accepted: {len(truth) - len(rejected)} of {len(truth)}")
    for pid, reason in rejected:
        print(f"  rejected {pid[:12]} {truth[pid].get('url', '')}: {reason}")
    print(f"published date found: newsfeed {dated} of {len(truth)}, htmldate alone {dated_htmldate} of {len(truth)}")
    if args.show:
        worst = sorted(halves["tuned"], key=lambda k: _f1(scorer, truth[k]["articleBody"], outputs["newsfeed"][k]["articleBody"]))
        for pid in worst[: args.show]:
            ours = _f1(scorer, truth[pid]["articleBody"], outputs["newsfeed"][pid]["articleBody"])
            theirs = _f1(scorer, truth[pid]["articleBody"], outputs["trafilatura"][pid]["articleBody"])
            print(f"  {pid[:12]} {_half(truth[pid]['url']):8} newsfeed {ours:.3f} trafilatura {theirs:.3f} {truth[pid]['url']}")


def _half(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return "tuned" if hashlib.sha256(host.encode()).digest()[0] % 2 == 0 else "held-out"


def _f1(scorer, true: str, pred: str) -> float:
    tp, fp, fn = scorer.string_shingle_matching(true=true, pred=pred)
    precision = scorer.precision_score(tp, fp, fn)
    recall = scorer.recall_score(tp, fp, fn)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _scorer(path: Path):
    spec = importlib.util.spec_from_file_location("html_bench_evaluate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
