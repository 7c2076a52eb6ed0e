"""Benchmark: `newsfeed publish` of every feed from a PostgreSQL store beside the same store in SQLite.

    python bench/bench_publish_pg.py [--pages 100000] [--keep DIR] [--url postgresql://user@127.0.0.1:PORT/postgres]
                                     [--repeat 3] [--generator]

The site is bench_build's (bench/sitegen.py: realistic pages, six sections, 18 months; the
corpus text when ../shared has it, else --generator's word list), built once with
`newsfeed build` on SQLite (timed, not a target; --keep DIR keeps the site in DIR/site-<N>
and a later run with the same --keep reuses it). The SQLite store is then copied into a fresh
PostgreSQL database with `newsfeed store migrate --to URL`, and a second config names that
database (store.url) and its own output folder (feeds-pg/). Without --url a throwaway server
is started with .ci/postgres (fsync and synchronous_commit off: a test server).

Timed, each a whole `newsfeed publish` process (wall, CPU, peak RSS from wait4, as
bench_build), SQLite and PostgreSQL interleaved in the same run:
  full       the output folder deleted: every feed rendered and written
  unchanged  publish again, nothing changed (best of --repeat; every run listed)
Then both output folders are compared file by file (same names, same bytes).
Target (issue 15): every feed from a 100,000-article PostgreSQL store in < 5 s; SQLite's figure
of the same run is the baseline.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_build as bb  # noqa: E402
import bench_workers as bw  # noqa: E402
import corpus  # noqa: E402
import sitegen  # noqa: E402

DATABASE = "newsfeed_bench_publish"


def server_pid(url: str) -> int | None:
    """The postmaster listening on the URL's port (its command line names -p PORT)."""
    port = url.rsplit(":", 1)[1].split("/", 1)[0]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"postgres") and b"-p" in args and port.encode() in args:
            return int(proc.name)
    return None


def server_cpu(pid: int | None) -> float:
    """CPU seconds of the PostgreSQL server so far: the postmaster, the backends it has
    reaped (cutime, cstime) and the ones alive. Other clients of the server count too."""
    if pid is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent, utime, stime, cutime, cstime = int(fields[1]), *map(int, fields[11:15])
        if int(proc.name) == pid:
            total += utime + stime + cutime + cstime
        elif parent == pid:
            total += utime + stime
    return total / tick


def compare(left: Path, right: Path) -> str:
    names_left = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    names_right = {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    common = sorted(names_left & names_right)
    differ = [name for name in common if not filecmp.cmp(left / name, right / name, shallow=False)]
    only = len(names_left ^ names_right)
    if not differ and not only:
        return f"identical: {len(common):,} files, same bytes"
    return f"DIFFERENT: {len(differ):,} of {len(common):,} files differ ({', '.join(map(str, differ[:5]))}), {only} in one folder only"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--keep", metavar="DIR", help="build (or reuse) the site in DIR/site-<N>")
    parser.add_argument("--url", default="", help="a PostgreSQL server; default: start one with .ci/postgres")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_CORPUS)
    parser.add_argument("--generator", action="store_true")
    args = parser.parse_args()
    os.environ.pop("NEWSFEED_TEST_STORE_URL", None)
    nf = bb.newsfeed_command()
    print("command:", " ".join(["python", *sys.argv]))
    print(f"code: {bb.origin()}; {os.cpu_count()} cores; load before: {bw.uptime()}")
    temp = Path(tempfile.mkdtemp(prefix="bench-publish-pg-"))
    if args.keep:
        site = Path(args.keep).resolve() / f"site-{args.pages}"
    else:
        site = temp / "site"
    server_url = args.url or bw.start_postgres(temp / "pg")
    try:
        config = site / "config.toml"
        if not (site / "data" / "newsfeed.sqlite3").is_file():
            shutil.rmtree(site, ignore_errors=True)
            source = sitegen.text_source(None if args.generator else args.corpus)
            print(f"text: {source.described}; seed {args.seed}")
            started = time.perf_counter()
            sitegen.write_site(site, args.pages, source, args.seed)
            print(f"pages written in {time.perf_counter() - started:.0f} s", flush=True)
            built = bb.run([nf, "build", "--config", str(config)], site)
            if built.failed:
                sys.exit(f"build {built.failure()}\n{built.stderr[-2000:]}")
            print(f"newsfeed build (SQLite, not a target here): {built.seconds:.0f} s wall, {built.cpu:.0f} s CPU, peak {built.peak_mb:.0f} MB; "
                  f"{built.stdout.strip()}", flush=True)
        else:
            print(f"reusing the built site {site}")
        articles = bw_count(site)
        bw.recreate_database(server_url, DATABASE)
        url = bw.database_url(server_url, DATABASE)
        migrated = bb.run([nf, "store", "migrate", "--to", url, "--config", str(config), "--quiet"], site)
        if migrated.failed:
            sys.exit(f"store migrate {migrated.failure()}\n{migrated.stderr[-2000:]}")
        print(f"newsfeed store migrate --to PostgreSQL: {migrated.seconds:.1f} s wall, peak {migrated.peak_mb:.0f} MB ({articles:,} articles)",
              flush=True)
        text = config.read_text(encoding="utf-8")
        text = text.replace('[store]\npath = "data/newsfeed.sqlite3"\n', f'[store]\npath = "data/pg-locks.sqlite3"\nurl = "{url}"\n')
        text = text.replace('output_dir = "feeds"', 'output_dir = "feeds-pg"')
        pg_config = site / "config-pg.toml"
        pg_config.write_text(text, encoding="utf-8")
        stores = {"SQLite": (config, site / "feeds"), "PostgreSQL": (pg_config, site / "feeds-pg")}

        results: dict[str, dict[str, list]] = {name: {"full": [], "unchanged": []} for name in stores}
        postmaster = server_pid(url)
        server: dict[int, float] = {}  # id(run) -> the server's CPU seconds during it

        def publish(name: str, path: Path):
            before = server_cpu(postmaster)
            found = bb.run([nf, "publish", "--config", str(path)], site)
            server[id(found)] = server_cpu(postmaster) - before
            return found

        for name, (path, out) in stores.items():
            shutil.rmtree(out, ignore_errors=True)
            results[name]["full"].append(publish(name, path))
        for _ in range(args.repeat):
            for name, (path, _out) in stores.items():
                results[name]["unchanged"].append(publish(name, path))
        print(f"\n  {'publish':<30}{'wall':>9}{'cpu':>9}{'peak RSS':>10}  files written; PostgreSQL server CPU in the same run"
              f"{'' if postmaster else ' (server process not found)'}")
        for kind in ("full", "unchanged"):
            for name in stores:
                runs = results[name][kind]
                good = [r for r in runs if not r.failed]
                if not good:
                    print(f"  {kind + ', ' + name:<30} {runs[0].failure()}")
                    continue
                best = min(good, key=lambda r: r.seconds)
                more = f"  (runs: {', '.join(f'{r.seconds:.2f}' for r in runs)} s)" if len(runs) > 1 else ""
                target = ""
                if name == "PostgreSQL":
                    base = min((r.seconds for r in results["SQLite"][kind] if not r.failed), default=0)
                    target = f"  x{best.seconds / base:.1f} SQLite" if base else ""
                    if args.pages == 100_000:
                        target += f"; target < 5 s: {'met' if best.seconds < 5 else 'NOT met'}"
                pg = f"  server CPU {server[id(best)]:.2f} s" if name == "PostgreSQL" else ""
                print(f"  {kind + ', ' + name:<30}{best.seconds:>8.2f}s{best.cpu:>8.2f}s{best.peak_mb:>8.0f} MB  {best.files_written():>8}{pg}{more}{target}")
        print(f"\n  outputs: {compare(site / 'feeds', site / 'feeds-pg')}")
    finally:
        bw.tear_down(server_url, DATABASE, None if args.url else temp / "pg", temp)
    print(f"load after: {bw.uptime()}")


def bw_count(site: Path) -> int:
    import sqlite3

    db = sqlite3.connect(f"file:{site / 'data' / 'newsfeed.sqlite3'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        db.close()


if __name__ == "__main__":
    main()
