"""Build benchmark on realistic pages, each step a whole `newsfeed` process, beside Hugo.

    python bench/bench_build.py                  # 10,000 pages
    python bench/bench_build.py --pages 2000     # any size
    python bench/bench_build.py --large          # 10,000, then 100,000 pages (long: see below)
    python bench/bench_build.py --keep DIR       # sites kept in DIR/site-<N> (config.toml, pages/,
                                                 # data/, feeds/, hugo/) instead of a temporary folder

Pages (bench/sitegen.py has the details): N text pages in docs/page-format.md's format (section
line, headline, body, byline, the site's description line, page chrome; 25% with a `published:`
/`tags:` header of 1-3 editor tags, 15% with an "Artikel Terkait" block of earlier headlines of
their section), six sections weighted like a general news site, dates spread over 18 months,
seeded (--seed). Text: sentences of ../shared/corpus/indo-news-2025-fulltext recombined within
the page's section, names as written (this benchmark never case-folds text); without the corpus
(or with --generator) a deterministic word-list generator that writes names capitalised.

Steps, each one `newsfeed` process (the console script beside this Python, else on PATH), timed
wall-clock, with its CPU time (user + system) and peak RSS from os.wait4 in a small launcher
process (so this benchmark's own memory does not count; for peak RSS, the
largest of the process and the children it waited for, e.g. forked index workers; CPU time is
the sum, and is the steadier figure when other processes compete for the cores):
  start-up       `newsfeed --version`: the floor of any command (imports)
  first build    `newsfeed build` on the new site: gather, topics, related lists, every feed
  unchanged      `newsfeed build` again, nothing changed (best of --repeat runs)
  one edit       one paragraph added to the newest page of the largest section, `newsfeed build`
  publish all    feeds/ deleted, `newsfeed publish`: every feed rendered and written from the store
  after publish  `newsfeed build` again: must write nothing (the same input gives the same bytes)
Each prints the files written (newsfeed's own summary line). Then the topic feed count.

Hugo (Debian's package: `apt-get update && apt-get install -y hugo`, 0.111 on Debian 12; skipped
with a note when `hugo` is missing, or with --no-hugo): the same articles written as a Hugo site
(bench/hugo.py: one Markdown file per article under content/<section>/<slug>.md, front matter
title/date/slug/author/tags where tags are the article's topics that got a newsfeed topic feed,
read from the store after the first build, so Hugo builds one term feed per topic feed; a
theme-less site with one RSS layout for home, sections and tag terms; pages listed, never
rendered; no sitemap, robots.txt, 404 or taxonomy list). Timed the same way in the same run:
  hugo first     `hugo` with no public/ folder
  hugo edit      the same paragraph added to the same article, `hugo` again (Hugo rebuilds fully)
and the ratios newsfeed/Hugo for the first build and for one edit. Hugo writes RSS only;
newsfeed writes more per feed (RSS, Atom, JSON Feed and whatever else it publishes today: the
first build's line lists feeds/ by file name).

The code measured is a copy of this checkout's src/ and templates/ taken when the benchmark
starts (PYTHONPATH points at it; --live runs the checkout itself): others editing the checkout
during a run would otherwise change the code between steps, and a change under enrich/ makes the
next build extract every article's topics again (different topics, thousands of files rewritten).

Every figure is printed beside its target from issue 12; a target set for another size is shown
as such, not judged. The machine is shared: the load average is printed before and after, and
Hugo's time in the same run is the baseline to read a figure against; CPU time is the steadier
figure when other work competes for the cores.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import corpus
import hugo
import sitegen

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {  # issue 12, "Numbers to reach"
    "first": (10_000, "ratio to Hugo <= 1.0 (aim 0.5)"),
    "unchanged": (10_000, "< 0.3 s"),
    "edit": (100_000, "< 2 s and < 300 MB"),
    "publish": (100_000, "< 20 s and < 1 GB"),
}


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float  # user + system seconds of the process and its waited-for children
    peak_mb: float
    stdout: str
    stderr: str
    code: int

    @property
    def failed(self) -> bool:
        return self.code != 0 and not (self.code == 1 and "rejected:" in self.stderr)

    def failure(self) -> str:
        last = (self.stderr.strip() or self.stdout.strip() or "no output").splitlines()[-1]
        return f"FAILED, exit {self.code}: {last[:200]}"

    def files_written(self) -> str:
        found = re.search(r"files: (\d+) written", self.stdout)
        return f"{int(found.group(1)):,}" if found else "?"


# Forks the measured command from a small fresh Python, not from this process: Linux starts a
# child's peak RSS at its parent's (the address space is copied at fork and its high-water mark
# kept across exec), so a child of this benchmark, which holds a site's worth of topics, would
# report at least this benchmark's own peak.
_LAUNCHER = r"""
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as exc:
        sys.stderr.write(f"{sys.argv[2]}: {exc}\n")
    os._exit(127)
_pid, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as fh:
    json.dump([seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)], fh)
"""


def run(cmd: list[str], cwd: Path) -> Run:
    """One process: wall time, CPU time and peak RSS from os.wait4 (that child's own rusage,
    unlike RUSAGE_CHILDREN, which keeps the largest of every child so far)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as figures:
        subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, figures.name, *cmd], cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        out.seek(0)
        err.seek(0)
        seconds, cpu, peak_kb, code = json.loads(figures.read() or "[0, 0, 0, -1]")
        return Run(seconds, cpu, peak_kb / 1024, out.read().decode(errors="replace"), err.read().decode(errors="replace"), code)


def newsfeed_command() -> str:
    beside = Path(sys.executable).parent / "newsfeed"
    found = str(beside) if beside.is_file() else shutil.which("newsfeed")
    if not found:
        sys.exit("no `newsfeed` command: install the project first, e.g.\n"
                 "  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -e '.[bench]' && /tmp/venv/bin/python bench/bench_build.py")
    return found


def revision() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"git {head}" + (" + uncommitted changes under src/" if dirty else "")


FROZEN: dict[str, str] = {}  # the copy of the code being measured: folder, revision when copied


def freeze() -> None:
    """Copy src/ and templates/ of the checkout into a temporary folder and make every newsfeed
    process this benchmark starts import that copy (PYTHONPATH comes before the editable install)."""
    folder = Path(tempfile.mkdtemp(prefix="newsfeed-bench-code-"))
    FROZEN.update(folder=str(folder), revision=revision())
    for part in ("src", "templates"):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # bytecode, as `pip install` writes it: else every step compiles newsfeed again where
    # PYTHONDONTWRITEBYTECODE is set (~0.1 s a process)
    compileall.compile_dir(folder / "src", quiet=1)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder / "src"), os.environ.get("PYTHONPATH", "")]))


def origin() -> str:
    """Which newsfeed code runs: the copy taken at start, this checkout's src/ (with its git
    revision) or an installed copy."""
    found = subprocess.run([sys.executable, "-c", "import newsfeed; print(newsfeed.__file__)"], capture_output=True, text=True).stdout.strip()
    if not found:
        return "newsfeed not importable by this Python"
    if FROZEN and Path(found).resolve().is_relative_to(Path(FROZEN["folder"]).resolve()):
        return f"copy of this checkout taken at start, {FROZEN['revision']}"
    if Path(found).resolve().is_relative_to(ROOT / "src"):
        return f"this checkout, {revision()} (live: may have changed during the run)"
    return f"installed copy {Path(found).parent}, not this checkout's src/"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def folder_size(folder: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.stat(os.path.join(dirpath, name)).st_size
    return files, size


def kinds(folder: Path) -> str:
    """Files under folder counted by file name: 'rss.xml 5,287, feed.json 5,287, ...'."""
    counts = Counter(name for _dirpath, _dirs, names in os.walk(folder) for name in names)
    return ", ".join(f"{name} {count:,}" for name, count in counts.most_common())


def stored_topics(site: Path) -> tuple[dict[str, list[str]], str]:
    """Each page key's topics that have a feed, by one name per topic (the most common); read
    from newsfeed's store. Falls back to the pages' editor tags if the store cannot be read."""
    published = {p.name for p in (site / "feeds" / "topik").iterdir()} if (site / "feeds" / "topik").is_dir() else set()
    try:
        db = sqlite3.connect(f"file:{site / 'data' / 'newsfeed.sqlite3'}?mode=ro", uri=True)
        rows = db.execute(
            "SELECT a.key, t.topic, t.name FROM article_topics t JOIN articles a ON a.id = t.article_id ORDER BY a.key, t.rank"
        ).fetchall()
        db.close()
    except sqlite3.Error as exc:
        return {}, f"store not readable ({exc}): Hugo gets the editor tags only"
    names: dict[str, Counter] = defaultdict(Counter)
    for _key, topic, name in rows:
        names[topic][name] += 1
    canonical = {topic: counts.most_common(1)[0][0] for topic, counts in names.items()}
    topics: dict[str, list[str]] = defaultdict(list)
    for key, topic, _name in rows:
        if topic in published:
            topics[key].append(canonical[topic])
    return topics, "tags = the article's stored topics that have a topic feed"


def verdict(step: str, n: int, ok: bool | None) -> str:
    size, text = TARGETS[step]
    if n != size:
        return f"target at {size:,} pages: {text}"
    return f"target {text}: " + ("met" if ok else "NOT met" if ok is not None else "no Hugo figure")


def run_size(n: int, args: argparse.Namespace, source, hugo_bin: str | None) -> None:
    nf = newsfeed_command()
    if args.keep:
        site = Path(args.keep).resolve() / f"site-{n}"
        if site.exists():
            sys.exit(f"{site} exists; remove it or pass another --keep folder")
        site.parent.mkdir(parents=True, exist_ok=True)
    else:
        site = Path(tempfile.mkdtemp(prefix=f"newsfeed-bench-{n}-"))
        shutil.rmtree(site)
    print(f"\n== {n:,} pages, site in {site} ==")
    t0 = time.perf_counter()
    summary = sitegen.write_site(site, n, source, args.seed)
    spread = ", ".join(f"{s} {summary.sections.get(s, 0):,}" for s, _name, _w in sitegen.SECTIONS)
    print(f"pages written in {time.perf_counter() - t0:.1f} s (not newsfeed's work): {summary.chars / 1e6:.0f} MB of text; {spread};"
          f" {summary.tagged:,} with editor tags, {summary.with_related:,} with Artikel Terkait;"
          f" dates {summary.first:%Y-%m-%d} .. {summary.last:%Y-%m-%d}")
    config = ["--config", str(site / "config.toml")]
    rows: list[tuple[str, Run, str, str]] = []  # label, run, files written, target

    def show(label: str, result: Run, files: str, target: str = "") -> None:
        rows.append((label, result, files, target))
        if result.failed:
            print(f"  {label:<26}{result.seconds:>9.2f} s  {result.failure()}", flush=True)
            return
        print(f"  {label:<26}{result.seconds:>9.2f} s{result.cpu:>8.2f} s{result.peak_mb:>8.0f} MB  {files:>8}  {target}", flush=True)

    print(f"  {'step':<26}{'wall':>11}{'cpu':>10}{'peak RSS':>11}  {'files':>8}  target (issue 12)")
    show("start-up (--version)", run([nf, "--version"], site), "")
    first = run([nf, "build", *config], site)
    if first.failed:
        sys.exit(f"first build {first.failure()}\n{first.stderr[-3000:]}")
    rejected = first.stderr.count("rejected:")
    warnings = first.stderr.count("warning:")
    feeds_files, feeds_bytes = folder_size(site / "feeds")
    topic_dir = site / "feeds" / "topik"
    topic_feeds = sum(1 for p in topic_dir.iterdir() if p.is_dir()) if topic_dir.is_dir() else 0
    h_first = h_edit = None
    if hugo_bin:
        topics, how = stored_topics(site)
        if not topics:
            topics = {p.key: list(p.tags) for p in sitegen.pages(n, source, args.seed) if p.tags}
        t0 = time.perf_counter()
        articles, tags = hugo.write_site(site / "hugo", sitegen.pages(n, source, args.seed), topics)
        hugo_write = time.perf_counter() - t0
        h_first = run(hugo.command(hugo_bin, site / "hugo"), site)
        if h_first.failed:
            print(f"  hugo {h_first.failure()}")
    show("first build", first, first.files_written(), "(ratio below)")
    print(f"    {first.stdout.strip()}; {rejected} rejected, {warnings} warnings; feeds/: {feeds_files:,} files, {feeds_bytes / 1e6:,.0f} MB;"
          f" topic feeds: {topic_feeds:,}\n    feeds/ by name: {kinds(site / 'feeds')}")
    if h_first and not h_first.failed:
        h_files, h_bytes = folder_size(site / "hugo" / "public")
        print(f"    Hugo site: {articles:,} articles, {tags:,} tags ({how}), written in {hugo_write:.1f} s")
        show("hugo first (RSS only)", h_first, f"{h_files:,}", f"{hugo.term_feeds(site / 'hugo'):,} term feeds, {h_bytes / 1e6:,.0f} MB")
    unchanged = [run([nf, "build", *config], site) for _ in range(args.repeat)]
    best = min((r for r in unchanged if not r.failed), key=lambda r: r.seconds, default=unchanged[0])
    show(f"unchanged (best of {args.repeat})", best, best.files_written(), verdict("unchanged", n, best.seconds < 0.3))
    print(f"    all runs: {', '.join(f'{r.seconds:.2f}' for r in unchanged)} s")
    page = summary.edited
    (site / "pages" / page.key).write_text(sitegen.edited_text(page), encoding="utf-8")
    edit = run([nf, "build", *config], site)
    show("one edit", edit, edit.files_written(), verdict("edit", n, edit.seconds < 2 and edit.peak_mb < 300))
    print(f"    edited {page.key}: {edit.stdout.strip()}")
    if h_first and not h_first.failed:
        hugo.edit(site / "hugo", page, topics.get(page.key, []), sitegen.EDIT)
        h_edit = run(hugo.command(hugo_bin, site / "hugo"), site)
        show("hugo edit (full rebuild)", h_edit, f"{folder_size(site / 'hugo' / 'public')[0]:,}")
    shutil.rmtree(site / "feeds", ignore_errors=True)
    publish = run([nf, "publish", *config], site)
    show("publish all (feeds/ gone)", publish, publish.files_written(), verdict("publish", n, publish.seconds < 20 and publish.peak_mb < 1024))
    again = run([nf, "build", *config], site)
    show("build after publish", again, again.files_written(), "must write 0 files")
    if h_first and h_edit and not (first.failed or edit.failed or h_first.failed or h_edit.failed):
        ratio = first.seconds / h_first.seconds
        print(f"  ratio newsfeed/Hugo, first build: {ratio:.2f} wall ({first.seconds:.1f} s / {h_first.seconds:.1f} s), "
              f"{first.cpu / h_first.cpu:.2f} cpu; {verdict('first', n, ratio <= 1.0)}")
        print(f"  ratio newsfeed/Hugo, one edit:    {edit.seconds / h_edit.seconds:.2f} wall ({edit.seconds:.2f} s / {h_edit.seconds:.2f} s), "
              f"{edit.cpu / h_edit.cpu:.2f} cpu")
    else:
        print(f"  ratio newsfeed/Hugo: no Hugo run; {verdict('first', n, None)}")
    print(f"  topic feeds: {topic_feeds:,}; load average now {load()}; code: {origin()}")
    if not args.keep:
        shutil.rmtree(site)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000, help="site size (default 10,000)")
    parser.add_argument("--large", action="store_true", help="then also 100,000 pages (long)")
    parser.add_argument("--keep", metavar="DIR", help="build the sites in DIR/site-<N> and keep them")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_CORPUS, help="full-text corpus (articles.jsonl)")
    parser.add_argument("--generator", action="store_true", help="word-list generator even when the corpus is there")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the unchanged build (best shown)")
    parser.add_argument("--live", action="store_true", help="run the checkout's code itself, not a copy taken at start")
    args = parser.parse_args()
    if not args.live:
        freeze()
    print("command:", " ".join(["python", *sys.argv]))
    nf = newsfeed_command()
    version = run([nf, "--version"], ROOT).stdout.strip()
    hugo_bin = None if args.no_hugo else shutil.which("hugo")
    hugo_text = hugo.version(hugo_bin) if hugo_bin else (
        "skipped (--no-hugo)" if args.no_hugo else "not installed: `apt-get update && apt-get install -y hugo` (Debian 12: 0.111); comparison skipped")
    print(f"{version} ({nf}; code: {origin()}); Python {sys.version.split()[0]}; {os.cpu_count()} cores; load average {load()}")
    print(f"hugo: {hugo_text}")
    source = sitegen.text_source(None if args.generator else args.corpus)
    if not args.generator and not args.corpus.is_file():
        print(f"corpus {args.corpus} not found: the word-list generator writes the pages")
    print(f"text: {source.described}; seed {args.seed}")
    for n in [args.pages] + ([100_000] if args.large and args.pages != 100_000 else []):
        started = time.perf_counter()
        run_size(n, args, source, hugo_bin)
        print(f"  ({n:,} pages: {(time.perf_counter() - started) / 60:.1f} minutes in all)")
    if FROZEN:
        shutil.rmtree(FROZEN["folder"], ignore_errors=True)


if __name__ == "__main__":
    main()
