"""Realistic benchmark sites: N article pages in the project's page format (docs/page-format.md).

Text comes from one of two places:
- corpus: sentences of ../shared/corpus/indo-news-2025-fulltext (third-party news, read as local
  input, never copied into the project), recombined as bench/corpus.py does: each body is 2-4
  chunks of 3 consecutive sentences from each of 2-3 corpus articles of the page's section,
  shuffled, scraper furniture removed (corpus.scrub); the headline is the first drawn article's
  (a repeat gets a follow-up tail, then "Bagian k"); bylines are detik's named reporters.
- generator (no corpus): deterministic sentences from bench/data/generator-words.toml: common
  Indonesian words, the section's words and 6,000 invented long-tail words drawn by Zipf's law
  (the k-th word 1/k as often), with the section's names, shared names and invented people
  ("Budi Santoso", a Zipf-weighted first x last name) inserted as written in print; the
  sentence's first letter is raised, nothing else (no str.capitalize(), which lowercases names).

Either way, with one random.Random(seed) drawn in page order (same seed, same site):
- sections weighted like a general news site (nasional 36%, ekonomi 17, dunia 15, olahraga 13,
  hiburan 10, teknologi 9);
- dates spread evenly over 2024-01-01 .. 2025-06-30 (Asia/Jakarta), in page order, so a larger
  site is a busier one, not a longer one; the file name carries date and time
  (<section>/<YYYY-MM>/<YYYY-MM-DD-HHMM>-<slug>.txt);
- 25% of pages have a header with `published:` and `tags:` (1-3 editor tags: names that occur
  in the body, else the section's names);
- 15% of pages end with an "Artikel Terkait" block of 1-3 headlines of earlier pages of the
  same section (among the last 200);
- every page: section line, headline, body, byline, the site's description line, page chrome.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import tomllib
import unicodedata
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import corpus

ZONE = ZoneInfo("Asia/Jakarta")
START = datetime(2024, 1, 1, tzinfo=ZONE)
SPAN = datetime(2025, 7, 1, tzinfo=ZONE) - START
SECTIONS = (("nasional", "Nasional", 36), ("ekonomi", "Ekonomi", 17), ("dunia", "Dunia", 15),
            ("olahraga", "Olahraga", 13), ("hiburan", "Hiburan", 10), ("teknologi", "Teknologi", 9))
SITE_NAME = "Warta Bench"
DESCRIPTION = "Warta Bench merupakan situs media online untuk mengukur kecepatan penerbit umpan berita."
CHROME = "Back to top button"
TAGGED_SHARE, RELATED_SHARE = 0.25, 0.15
_TAILS = ("Ini Kata Pengamat", "Begini Respons Pemerintah", "Ini Faktanya", "DPR Angkat Bicara",
          "Ini Kronologinya", "Warganet Bereaksi", "Ini Dampaknya", "Pakar Beri Penjelasan",
          "Apa Kata Ahli?", "Simak Selengkapnya", "Begini Perkembangannya", "Ini Sebabnya")
_NAME_RUN = re.compile(r"\b(?:[A-Z][a-z]+|[A-Z]{2,5})(?: (?:[A-Z][a-z]+|[A-Z]{2,5})){0,2}\b")
WORDS_FILE = Path(__file__).resolve().parent / "data" / "generator-words.toml"


@dataclass(frozen=True)
class Page:
    number: int
    section: str  # slug
    key: str  # path under the pages folder
    slug: str
    title: str
    published: datetime
    paragraphs: tuple[str, ...]
    author: str
    tags: tuple[str, ...]  # editor tags (`tags:` header); () for most pages
    related: tuple[str, ...]  # "Artikel Terkait" headlines


class CorpusText:
    """Bodies recombined from corpus articles of the same section."""

    def __init__(self, path: Path):
        rows = corpus.load(path)
        self.titles = [corpus.scrub_title(r["title"]) for r in rows]
        self.sentences = [corpus.split_sentences(corpus.scrub(r["text"])) for r in rows]
        self.pools = {slug: [i for i, r in enumerate(rows) if r["section"] == slug and len(self.sentences[i]) >= 3]
                      for slug, _name, _weight in SECTIONS}
        # detik credits its reporters; the other publishers' author field is often a tag
        self.authors = sorted({r["author_raw"].strip() for r in rows if r["publisher"] == "detik" and _looks_like_byline(r["author_raw"].strip())}) or [SITE_NAME]
        self.described = (f"corpus {path} ({len(rows):,} articles, third-party, read only): bodies of 3-sentence "
                          "chunks from 2-3 articles of the page's section, headline of the first")

    def draw(self, section: str, rng: random.Random) -> tuple[str, list[str], str]:
        first, chunks = corpus.draw_chunks(self.sentences, self.pools[section], rng)
        return self.titles[first], chunks, rng.choice(self.authors)


class GeneratedText:
    """Sentences from word lists with names kept as written (see the module docstring)."""

    def __init__(self, path: Path = WORDS_FILE):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        syllables = "ba be bi bu da di du ga ka ke ki ku la li lu ma me mi mu na ni nu pa pi ra ri ru sa si su ta ti tu".split()
        known = set(data["common"].split())
        invented = sorted({"".join(random.Random(k).choices(syllables, k=2 + k % 3)) for k in range(6_000)} - known)
        self.people = [f"{f} {last}" for f, last in itertools.product(data["first_names"], data["last_names"])]
        random.Random(7).shuffle(self.people)
        self.people_table = _zipf_table(self.people)
        self.sections = {}
        for slug, _name, _weight in SECTIONS:
            part = data["sections"][slug]
            vocabulary = data["common"].split() + part["words"].split() + invented
            names = part["names"] + data["shared_names"]
            self.sections[slug] = (_zipf_table(vocabulary), names)
        self.roles, self.speech = data["roles"], data["speech"]
        self.verbs, self.lowercase = data["headline_verbs"], set(data["lowercase"])
        self.authors = self.people[-200:]
        self.described = (f"generator ({path.name}: common, section and 6,000 invented words by Zipf's law, "
                          "names of the section, shared names and invented people inserted as written)")

    def _name(self, names: list[str], rng: random.Random) -> str:
        if rng.random() < 0.55:
            return names[min(int(rng.paretovariate(1.0)) - 1, len(names) - 1)]
        return rng.choice(self.people_table)

    def _sentence(self, section: str, rng: random.Random) -> str:
        table, names = self.sections[section]
        words = rng.choices(table, k=rng.randint(10, 22))
        for _ in range(rng.choice((1, 1, 2))):
            words.insert(rng.randrange(len(words) + 1), self._name(names, rng))
        if rng.random() < 0.25:
            words += [f"{rng.choice(self.speech)}", f"{rng.choice(self.roles)} {self._name(names, rng)}"]
        sentence = " ".join(words)
        return sentence[0].upper() + sentence[1:] + "."

    def draw(self, section: str, rng: random.Random) -> tuple[str, list[str], str]:
        table, names = self.sections[section]
        paragraphs = [" ".join(self._sentence(section, rng) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(4, 8))]
        words = [self._name(names, rng), rng.choice(self.verbs), *rng.choices(table, k=rng.randint(3, 6))]
        title = " ".join(w if w in self.lowercase or w[0].isupper() else w[0].upper() + w[1:] for w in words)
        return title, paragraphs, rng.choice(self.authors)


def _zipf_table(words: list[str], size: int = 1 << 17) -> list[str]:
    """`size` slots, the k-th word in about 1/k of them: an unweighted draw from the table is a
    Zipf draw from `words` (two to three times faster than cum_weights' bisection)."""
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    step = cumulative[-1] / size
    return [words[min(bisect.bisect_right(cumulative, (j + 0.5) * step), len(words) - 1)] for j in range(size)]


def _looks_like_byline(author: str) -> bool:
    words = author.split()
    return (2 <= len(words) <= 4 and author != "Penulis tidak ditemukan" and not author.isupper()
            and all(w[0].isupper() and w.replace(".", "").isalpha() for w in words))


def text_source(corpus_path: Path | None) -> CorpusText | GeneratedText:
    return CorpusText(corpus_path) if corpus_path is not None and corpus_path.is_file() else GeneratedText()


def slugify(text: str, words: int = 8) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split()[:words]) or "artikel"


def pages(n: int, source: CorpusText | GeneratedText, seed: int) -> Iterator[Page]:
    """The site's pages in order; the same (n, source, seed) gives the same pages."""
    rng = random.Random(seed)
    slugs, weights = [s for s, _n, _w in SECTIONS], [w for _s, _n, w in SECTIONS]
    used_titles: Counter[str] = Counter()
    used_slugs: set[tuple[str, str]] = set()
    recent = {s: deque(maxlen=200) for s in slugs}
    for i in range(n):
        section = rng.choices(slugs, weights)[0]
        when = (START + SPAN * ((i + rng.random()) / n)).replace(second=0, microsecond=0)
        base, paragraphs, author = source.draw(section, rng)
        title = base
        seen = used_titles[base]
        used_titles[base] += 1
        if seen:
            title = f"{base}, {_TAILS[(seen - 1) % len(_TAILS)]}" if seen <= len(_TAILS) else f"{base} (Bagian {seen - len(_TAILS) + 1})"
        slug = slugify(title)
        if (section, slug) in used_slugs:
            slug = f"{slug}-{i}"
        used_slugs.add((section, slug))
        tags: tuple[str, ...] = ()
        if rng.random() < TAGGED_SHARE:
            names = [name for name, _c in Counter(_NAME_RUN.findall(" ".join(paragraphs))).most_common(6) if " " in name or name.isupper()]
            tags = tuple(rng.sample(names, min(len(names), rng.randint(1, 3)))) or (section.capitalize(),)
        related: tuple[str, ...] = ()
        if rng.random() < RELATED_SHARE and recent[section]:
            related = tuple(rng.sample(list(recent[section]), min(len(recent[section]), rng.randint(1, 3))))
        recent[section].append(title)
        key = f"{section}/{when:%Y-%m}/{when:%Y-%m-%d-%H%M}-{slug}.txt"
        yield Page(i, section, key, slug, title, when, tuple(paragraphs), author, tags, related)


def page_text(page: Page) -> str:
    """The page as docs/page-format.md writes it."""
    name = dict((s, n) for s, n, _w in SECTIONS)[page.section]
    parts = []
    if page.tags:
        parts.append(f"---\npublished: {page.published:%Y-%m-%d %H:%M}\ntags: {', '.join(page.tags)}\n---\n{name}")
    else:
        parts.append(name)
    parts += [page.title, *page.paragraphs, page.author, DESCRIPTION]
    if page.related:
        parts.append("Artikel Terkait\n" + "\n".join(page.related))
    parts.append(CHROME)
    return "\n\n".join(parts) + "\n"


EDIT = "Pembaruan: artikel ini dilengkapi keterangan tambahan dari narasumber setelah terbit."


def edited_text(page: Page) -> str:
    """The page after an editor's correction: one paragraph more at the end of the body."""
    return page_text(page).replace(f"\n\n{page.author}\n\n{DESCRIPTION}", f"\n\n{EDIT}\n\n{page.author}\n\n{DESCRIPTION}", 1)


def config_text() -> str:
    sections = "\n".join(f'[[sections]]\nslug = "{s}"\nname = "{n}"\n' for s, n, _w in SECTIONS)
    return (
        f'[site]\nname = "{SITE_NAME}"\nbase_url = "https://bench.example"\ndescription = "{DESCRIPTION}"\n'
        f'language = "id"\ntimezone = "Asia/Jakarta"\nid_authority = "bench.example,2024"\nchrome = ["{CHROME}"]\n\n'
        f"{sections}\n"
        '[[sources]]\nname = "halaman"\nkind = "pages"\npath = "pages"\n\n'
        '[store]\npath = "data/newsfeed.sqlite3"\n\n'
        '[feeds]\noutput_dir = "feeds"\nbase_url = "https://bench.example/feeds"\nmax_items = 50\nformats = ["rss", "atom", "json"]\n\n'
        "[topics]\nmin_articles = 3\n\n[related]\ncount = 5\n"
    )


@dataclass(frozen=True)
class SiteSummary:
    pages: int
    sections: dict[str, int]
    tagged: int
    with_related: int
    first: datetime
    last: datetime
    chars: int
    edited: Page  # the page the benchmark edits: the newest of the largest section


def write_site(root: Path, n: int, source: CorpusText | GeneratedText, seed: int) -> SiteSummary:
    """config.toml and pages/ under root."""
    (root / "pages").mkdir(parents=True)
    (root / "config.toml").write_text(config_text(), encoding="utf-8")
    sections: Counter[str] = Counter()
    tagged = with_related = chars = 0
    first = last = newest = None
    made: set[Path] = set()
    for page in pages(n, source, seed):
        path = root / "pages" / page.key
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        text = page_text(page)
        path.write_text(text, encoding="utf-8")
        sections[page.section] += 1
        tagged += bool(page.tags)
        with_related += bool(page.related)
        chars += len(text)
        first = first or page.published
        last = page.published
        if page.section == SECTIONS[0][0]:
            newest = page
    return SiteSummary(n, dict(sections), tagged, with_related, first, last, chars, newest)
