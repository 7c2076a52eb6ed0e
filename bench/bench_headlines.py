"""Benchmark: related articles on one-line headlines, measured as a new user would.

Run from the project folder:  python bench/bench_headlines.py [--csv PATH] [--library-only]

Reads ../shared/corpus/detik-headlines/headlines.csv (10,868 detik headlines of 2020 in 9
categories; third-party text used only as local input: the temporary sites are deleted).
Each headline becomes a page whose whole text is the headline (headline line, and the same
line as its body). The pages are built with `newsfeed build` (a subprocess of this Python),
and every article's related list is read back from the rel="related" links of the Atom
feeds. The category is never given to newsfeed: the pages are dealt to sections at random
(a feed holds at most 1,000 entries, so one section would show only the newest 1,000
lists), so no section says anything about a category.

Figures: same-category precision@5 (links missing from a list count as wrong) and coverage
(the share of articles with 5 links), beside the plain baseline of the dataset's SOURCE.md
on the same articles in the same run: scikit-learn TF-IDF cosine over the headline
(sublinear tf, min_df 2, max_df 0.5, stopwords-iso id), top 5.

Tuned part vs held-out part: the ranking's weights were chosen looking only at one random
half of the headlines (random.Random(7), part "tuned"); the other half ("held out") was
never looked at while tuning. Each half is built as a site of its own.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_CSV = ROOT.parent / "shared" / "corpus" / "detik-headlines" / "headlines.csv"
K = 5
FEED_ITEMS = 1000
ATOM = "{http://www.w3.org/2005/Atom}"

Headline = tuple[str, str, str, str]  # id, date (MM/DD/YYYY), headline, category


def load(path: Path) -> list[Headline]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [(f"h{i:05d}", row["date"], row["title"], row["category"]) for i, row in enumerate(csv.DictReader(fh))]


def halves(rows: list[Headline], seed: int = 7) -> tuple[list[Headline], list[Headline]]:
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return [rows[i] for i in sorted(order[:half])], [rows[i] for i in sorted(order[half:])]


# -- measures --------------------------------------------------------------------------------
def precision(lists: dict[str, Sequence[str]], rows: list[Headline]) -> tuple[float, float]:
    category = {r[0]: r[3] for r in rows}
    total = full = 0.0
    for ident, *_ in rows:
        got = list(lists.get(ident, ()))[:K]
        full += len(got) == K
        total += sum(category[g] == category[ident] for g in got) / K
    return total / len(rows), full / len(rows)


def baseline(rows: list[Headline]) -> dict[str, tuple[str, ...]]:
    import numpy as np
    import stopwordsiso
    from sklearn.feature_extraction.text import TfidfVectorizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = TfidfVectorizer(stop_words=sorted(stopwordsiso.stopwords("id")), sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(
            [r[2] for r in rows]
        )
    out = {}
    for start in range(0, X.shape[0], 2000):
        S = (X[start : start + 2000] @ X.T).toarray()
        S[np.arange(S.shape[0]), start + np.arange(S.shape[0])] = -1
        top = np.argsort(-S, axis=1, kind="stable")[:, :K]
        for j, row in enumerate(top):
            out[rows[start + j][0]] = tuple(rows[o][0] for o in row)
    return out


# -- through newsfeed build ------------------------------------------------------------------
def write_site(root: Path, rows: list[Headline], seed: int = 11) -> None:
    sections = max(1, -(-len(rows) // (FEED_ITEMS * 9 // 10)))
    names = [f"bagian{s + 1}" for s in range(sections)]
    rng = random.Random(seed)
    for name in names:
        (root / "pages" / name).mkdir(parents=True)
    for number, (ident, date, title, _category) in enumerate(rows):
        month, day, year = date.split("/")
        headline = " ".join(title.split())
        section = rng.choice(names)
        page = f"---\npublished: {year}-{month}-{day} {number // 60 % 24:02d}:{number % 60:02d}\n---\n{section.capitalize()}\n\n{headline}\n\n{headline}\n"
        (root / "pages" / section / f"{ident}.txt").write_text(page, encoding="utf-8")
    blocks = "".join(f'[[sections]]\nslug = "{n}"\nname = "{n.capitalize()}"\n\n' for n in names)
    (root / "config.toml").write_text(
        '[site]\nname = "Uji Judul"\nbase_url = "https://judul.example"\ndescription = "Situs uji judul berita."\n'
        'id_authority = "judul.example,2024"\n\n[[sources]]\nname = "halaman"\nkind = "pages"\npath = "pages"\n\n'
        f"[feeds]\nmax_items = {FEED_ITEMS}\nformats = [\"atom\"]\n\n" + blocks,
        encoding="utf-8",
    )


def built_lists(rows: list[Headline]) -> tuple[dict[str, tuple[str, ...]], float]:
    """Build a site of `rows` with `newsfeed build`; every article's related ids, and the
    build's wall time."""
    with tempfile.TemporaryDirectory(prefix="newsfeed-headlines-") as folder:
        root = Path(folder)
        write_site(root, rows)
        command = [sys.executable, "-c", "from newsfeed.cli import main; main()", "build", "--quiet", "--config", str(root / "config.toml")]
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if done.returncode:
            raise SystemExit(f"newsfeed build failed ({done.returncode}):\n{done.stderr[-3000:]}")
        lists: dict[str, tuple[str, ...]] = {}
        for feed in sorted((root / "feeds").glob("*/atom.xml")):
            for entry in ET.parse(feed).getroot().iter(f"{ATOM}entry"):
                links = entry.findall(f"{ATOM}link")
                own = next(link.get("href") for link in links if link.get("rel") in (None, "alternate"))
                related = [link.get("href") for link in links if link.get("rel") == "related"]
                lists[_ident(own)] = tuple(_ident(href) for href in related)
    missing = len(rows) - len(lists)
    if missing:
        raise SystemExit(f"{missing} articles are in no feed; raise FEED_ITEMS or the number of sections")
    return lists, seconds


def _ident(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]  # the slug is the page's file name: the headline's id


def library_lists(rows: list[Headline]) -> tuple[dict[str, tuple[str, ...]], float]:
    from newsfeed.enrich.related import RelatedIndex

    t0 = time.perf_counter()
    index = RelatedIndex.build((ident, title, title) for ident, _, title, _ in rows)
    return {r[0]: index.related(r[0], K) for r in rows}, time.perf_counter() - t0


# -- report ----------------------------------------------------------------------------------
def report(label: str, rows: list[Headline], through_build: bool) -> None:
    base = precision(baseline(rows), rows)
    direct, t_lib = library_lists(rows)
    lib = precision(direct, rows)
    line = f"{label:<24}{len(rows):>7}  baseline {base[0]:.4f} ({base[1]:.3f})  library {lib[0]:.4f} ({lib[1]:.3f}) {lib[0] - base[0]:+.4f}"
    if through_build:
        lists, t_build = built_lists(rows)
        got = precision(lists, rows)
        line += f"  build {got[0]:.4f} ({got[1]:.3f}) {got[0] - base[0]:+.4f}  [build {t_build:.0f} s]"
        met = got[0] >= base[0] + 0.03 and got[1] >= 0.95
        line += "  MET" if met else "  NOT MET"
    print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--library-only", action="store_true", help="skip `newsfeed build`, rank through the library only")
    args = ap.parse_args()
    print("$ python " + " ".join(sys.argv))
    rows = load(args.csv)
    tuned, held_out = halves(rows)
    print(f"{args.csv}: {len(rows):,} headlines")
    print(f"same-category precision@{K} (coverage: share with {K} links); target: build >= baseline + 0.03, coverage >= 0.95")
    print("parts: 'tuned' = the random half looked at while choosing weights; 'held out' = the other half, never looked at")
    for label, part in (("tuned half", tuned), ("held-out half", held_out)):
        report(label, part, not args.library_only)
    for n in (2000, 5000, len(rows)):
        report(f"first {n:,} (curve)", rows[:n], not args.library_only)


if __name__ == "__main__":
    main()
