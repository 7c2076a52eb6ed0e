"""How often an article names each name: capitalised runs found in one regex pass, counted,
and cut into names (runs.py); where a run whose first word may be a common word opening a
sentence ("Penangkapan ...") could change the topics, its sentence, paragraph and quotation
starts are found with cheap literal-prefix patterns.
"""

from __future__ import annotations

import re

try:  # the C counting loop behind Counter, without Counter's own overhead
    from collections import _count_elements  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons
    def _count_elements(mapping, iterable):
        for elem in iterable:
            mapping[elem] = mapping.get(elem, 0) + 1

from newsfeed.enrich.topics.common import is_common
from newsfeed.enrich.topics.glue import repair
from newsfeed.enrich.topics.lexicon import CACHE_LIMIT, Lexicon
from newsfeed.enrich.topics.runs import analyse

# A capitalised word: letters, digits, apostrophes and hyphens ("Yong-hyun", "Bangsa-Bangsa",
# "COVID-19", "Jum'at"); clitics ("BAP-nya") and glued words are dealt with per run. Runs are
# words joined by single spaces, or by a lowercase particle of a name ("Mohammed bin Salman").
# (The lookahead spares the engine retries at each run's end. No possessive quantifiers: on
# Python 3.11.2, Debian 12's, `(...)*+` matches differently and yields empty words.)
# A run may start inside a word where a scraper glued it on ("diGaza", "mediaIsrael"), but not
# after a publisher's sub-brand ("dilansir detikJatim" credits a medium, it names no province)
# nor after a one-letter lowercase prefix ("iPhone", "eKTP": one word, not "Phone"), nor inside a
# capitalised word or a number, nor as a part of a code ("Nomor 80.K/MB.01/MEM.B/2025"). (The
# lookbehinds stand after the first capital, so they are tried only where a run may start.)
_WORD = r"[A-ZÀ-ÖØ-Þ][\w'-]*(?<!')"
_FIRST_WORD = (r"[A-ZÀ-ÖØ-Þ](?<!detik[A-ZÀ-ÖØ-Þ])(?<!\b[a-z][A-ZÀ-ÖØ-Þ])(?<![A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ])"
               r"(?!(?<=[/.][A-ZÀ-ÖØ-Þ])[A-Z\d]*[./])[\w'-]*(?<!')")
_CONNECTORS = r"b(?:inti|in)|v[ao]n|d(?:e[rn]?|el|a|os)|[ae]l|l[ae]"  # bin binti van von de der den...
_RUN_BODY = rf"{_FIRST_WORD}(?: (?=[A-ZÀ-ÖØ-Þbvdael])(?:(?:{_CONNECTORS}) )?{_WORD})*"
RUN = re.compile(_RUN_BODY)


def lower_occurs(text: str, low: str) -> bool:
    """Is `low` written in lowercase as a whole word somewhere in `text`?"""
    needle = " " + low
    size = len(needle)
    i = text.find(needle)
    while i >= 0:
        j = i + size
        if j >= len(text) or not text[j].isalpha():
            return True
        i = text.find(needle, j)
    return False


def mentions(lex: Lexicon, body: str, head: str, lowered: dict[str, bool]) -> tuple[dict[str, int], list[tuple], set[str]]:
    """(name -> mentions in the body, facts of the names needing more work, the capitalised
    words of the body).

    Every run is counted with its names as written mid-sentence. A run whose first word may be
    a common word written with a capital ("Penangkapan Kadis PUPR", "Salah satu") is then
    checked where that can matter (more than one mention, or named in the headline): its
    occurrences at a sentence, paragraph or quotation start move to the names without that
    word, when the article also writes the word in lowercase (or the word is a portfolio or
    a stopword that lives in names). A lone mention elsewhere cannot become a topic and is
    left as it is."""
    runs: dict[str, int] = {}
    _count_elements(runs, RUN.findall(body))
    runs, words = repair(lex, runs, body)
    if " dan " in body and not lex.org_openers.isdisjoint(words):
        runs = _join_and(lex, runs, body)
    cache = lex.cache["runs"]
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    hits = list(map(cache.get, runs))
    if None in hits:
        for i, run in enumerate(runs):
            if hits[i] is None:
                hits[i] = cache[run] = analyse(lex, run)
    counts: dict[str, int] = {}
    get = counts.get
    special: list[tuple] = []
    doubtful = []
    maybe = []
    maybe_names: dict[str, tuple] = {}
    for hit, (run, n) in zip(hits, runs.items()):
        if hit:
            names = hit[0]
            for name in names:
                counts[name] = get(name, 0) + n
            if hit[3]:
                special += hit[3]
            if hit[1] is not None:
                if n > 1 or not names or names[0] in head or names[-1] in head or hit[2] is not None and " " in names[0]:
                    doubtful.append((run, n, hit))  # ("Nama Agustina Hastarini")
                elif names[0] in maybe_names:  # (a second run of the same name: "Modus Ajarkan", "(Modus)")
                    maybe.append((run, n, hit))
                    maybe.append(maybe_names[names[0]])
                else:
                    maybe_names[names[0]] = (run, n, hit)
    # (where it can matter: the name is mentioned more than once, in this run or in others
    # ("Modus Ajarkan ...", "(Modus) Memberikan ..."), or named in the headline)
    if maybe:
        doubtful += dict.fromkeys(maybe)  # (each once)
    # a first word that the article never writes in lowercase is a name wherever it stands
    if doubtful:
        for d in doubtful:
            check = d[2][2]
            if check is not None and check not in lowered:
                lowered[check] = lower_occurs(body, check)
        # (the dictionary settles a first word the article never writes in lowercase: "Robot ...")
        doubtful = [(*d, not (d[2][2] is None or lowered[d[2][2]])) for d in doubtful
                    if d[2][2] is None or lowered[d[2][2]] or is_common(d[2][2])]
    if not doubtful:
        return counts, special, words
    for run, n, (names, initial_names, _, _), by_dictionary in doubtful:
        k = _initial(body, run)
        if not k:
            continue
        if by_dictionary:
            first = run.split(" ", 1)[0]
            if _written(body, first) > _initial(body, first, whole=True):
                continue  # a word, but the article writes it with a capital mid-sentence too: a name here
        k = min(k, n)
        for name in names:
            left = counts[name] - k
            if left:
                counts[name] = left
            else:
                del counts[name]
        for name in initial_names:
            counts[name] = get(name, 0) + k
    return counts, special, words


def _join_and(lex: Lexicon, runs: dict[str, int], body: str) -> dict[str, int]:
    """Runs joined where an organisation's name goes on after "dan": "Majelis Tarjih dan Tajdid",
    "Kementerian Komunikasi dan Digital" (the first run opens with an organisation's head and ends
    in a word of the dictionary; the second opens no name of its own; the whole is one name)."""
    heads = lex.org_openers
    joined = None
    for run in list(runs):
        first, _, rest = run.partition(" ")
        if first not in heads and first.lower() in lex.generic and rest:  # "Ketua Majelis Tarjih"
            first, _, rest = rest.partition(" ")
        if first not in heads or not rest:
            continue
        last = rest.rpartition(" ")[2]
        if last.isupper() or last in lex.name_words and last not in lex.portfolio and last.lower() not in lex.portfolio \
                or not is_common(last.lower()):
            continue
        needle = run + " dan "
        i = body.find(needle)
        while i >= 0:
            j = i + len(needle)
            m = RUN.match(body, j)
            before = body[body.rfind(" ", 0, max(0, i - 1)) + 1:max(0, i - 1)]
            if m and (i == 0 or not body[i - 1].isalnum()) and not (before[:1].isupper() and before[-1:].isalnum()):
                # (where the run starts, not inside a longer one)
                other = m.group()
                out = joined if joined is not None else runs
                if other in out and other.split(" ", 1)[0] not in heads and other.split(" ", 1)[0] not in \
                        lex.organisation_words and other.count(" ") < 4 and out.get(run):
                    whole = needle + other
                    cache = lex.cache["runs"]
                    hit = cache.get(whole)
                    if hit is None:
                        hit = cache[whole] = analyse(lex, whole)
                    if hit and hit[0] and hit[0][0].startswith(first + " ") and " dan " in hit[0][0]:
                        if joined is None:
                            joined = dict(runs)
                        for part in (run, other):
                            joined[part] -= 1
                            if not joined[part]:
                                del joined[part]
                        joined[whole] = joined.get(whole, 0) + 1
            i = body.find(needle, j)
    return runs if joined is None else joined


def _initial(body: str, run: str, whole: bool = False) -> int:
    """How often `run` opens the text, a paragraph, a sentence, a quotation, a bracket ("(Modus)
    Memberikan ..."), an item of a list ("- Mencetak ...", "2) Memilih ...") or what follows a colon (found with str.find: far cheaper than a pattern over the whole text)."""
    k = 0
    i = body.find(run)
    while i >= 0:
        j = i - 1
        while j >= 0 and body[j] == " ":
            j -= 1
        if j < 0 or body[j] in '"\n(' or j < i - 1 and (body[j] in ".!?:-\u2022" or body[j] == ")" and body[j - 1].isdigit()):
            if whole:  # `run` is one word, counted whatever run it opens
                j = i + len(run)
                if j >= len(body) or not body[j].isalnum():
                    k += 1
            else:
                m = RUN.match(body, i)
                if m and m.group() == run:
                    k += 1
        i = body.find(run, i + 1)
    return k


def _written(body: str, word: str) -> int:
    """How often `body` writes `word` as a whole word."""
    k = 0
    size = len(word)
    i = body.find(word)
    while i >= 0:
        j = i + size
        if (i == 0 or not body[i - 1].isalnum()) and (j >= len(body) or not body[j].isalnum()):
            k += 1
        i = body.find(word, j)
    return k
