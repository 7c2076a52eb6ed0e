"""Topics of one article: editor tags first, then the names it is about, by salience.

A name is a subject of the article when its headline names it or its text names it at least
twice, counting every form that refers to it (folding.py). Ranked by salience: mentions, plus
3 in the headline and 1 in the first fifth of the text; ties by name. A one-word name that the
article also writes in lowercase is a common word, not a name ("Penerima BSU ..."). Blocked
topics never appear; `always` topics appear whenever their name occurs. Names are never
stemmed or otherwise rewritten.
"""

from __future__ import annotations

import re

from newsfeed.config import TopicSettings
from newsfeed.enrich import text as T
from newsfeed.enrich.topics import folding
from newsfeed.enrich.topics.common import is_common, is_derived, is_verb
from newsfeed.enrich.topics.citations import strip_formal_country
from newsfeed.enrich.topics.furniture import strip_dateline, strip_links, strip_photo_credits
from newsfeed.enrich.topics.headline import clean_headline, headline_names
from newsfeed.enrich.topics.lexicon import Lexicon, lexicon
from newsfeed.enrich.topics.mentions import lower_occurs, mentions
from newsfeed.enrich.topics.tags import clean_tag

MAX_TOPICS = 10
MIN_MENTIONS = 2  # in the text, for a name the headline does not name

_ALWAYS_CACHE: dict[str, re.Pattern] = {}


def extract_topics(title: str, text: str, tags: tuple[str, ...], settings: TopicSettings) -> tuple[str, ...]:
    """Topics of one article: editor tags first, then extracted ones by salience, then name."""
    lex = lexicon(settings)
    aliases = {**lex.aliases, **settings.aliases} if settings.aliases else lex.aliases
    blocked = {b.casefold() for b in settings.blocked} if settings.blocked else ()
    body = strip_formal_country(strip_links(strip_photo_credits(strip_dateline(T.strip_boilerplate(T.normalize(text))))))
    result: list[str] = []

    def push(name: str) -> None:
        name = aliases.get(name, name)
        if name and name.casefold() not in blocked and name not in result:
            result.append(name)

    for tag in tags:
        push(clean_tag(tag))

    headline = clean_headline(T.normalize(title))
    head = f" {headline} "
    lowered: dict[str, bool] = {}  # word -> does the article write it in lowercase
    counts, special, words = mentions(lex, body, head, lowered)
    if "inisial " in body:
        _initials(lex, body, counts)
    in_head = headline_names(lex, headline, body, words, lowered, counts)
    for name in in_head:
        if name not in counts:
            counts[name] = 0  # (a name only the headline gives takes no mention, unless the text calls it by
            if " " in name and name.split(" ", 1)[0] in counts:  # its first word: "Tom Lembong", "Tom")
                facts = folding.info(lex, name)
                if facts[2]:
                    special = [*special, facts]
    if not lex.lowercase_head_words.isdisjoint(words):  # ("Selat Bali" named somewhere)
        _lowercase_heads(lex, body, counts)
    merge, defined = _folds(lex, body, counts, special, words)
    for name in in_head:
        if " " in name and not counts.get(name) and name not in merge and name.split(" ", 1)[0] + " " in body:
            longer = _written_in_full(name, counts)
            if longer:
                merge[name] = merge.get(longer, longer)  # the headline's "Perumda Sarana Jaya"
    short_places = lex.short_places
    if short_places.isdisjoint(words) and not any(n.rpartition(" ")[2] in short_places for n in in_head):
        named = list(counts.keys() & aliases.keys())  # (set operations in C: no place written short anywhere,
        if len(named) > 1:  # "Polda Sumut", so only the aliases named, in the order counted)
            order = {n: i for i, n in enumerate(counts)}
            named.sort(key=order.__getitem__)
    else:
        named = [n for n in counts if n in aliases or n not in merge and " " in n and n.rsplit(" ", 1)[1] in short_places]
    for name in named:
        target = merge.get(name, name)
        merge[name] = aliases.get(target) or _place_alias(lex, target, aliases) or target
    forms: dict[str, list[str]] = {}  # name -> other written forms counted for it
    for name, target in merge.items():
        target = aliases.get(target, target)
        if target == name or name not in counts:
            continue
        n = counts.pop(name)
        counts[target] = counts.get(target, 0) + n
        forms.setdefault(target, []).append(name)
    for short, k in defined.items():  # "Komisi Pemberantasan Korupsi (KPK)" is one mention
        target = aliases.get(merge.get(short, short), merge.get(short, short))
        if target in counts:
            counts[target] = max(1, counts[target] - k)
    head_hits = {aliases.get(merge.get(h, h), merge.get(h, h)) for h in in_head}

    lead = body[: len(body) // 5]
    ranked = []
    for name, n in counts.items():
        others = forms.get(name) if forms else None
        named = name in head_hits or (name in head and _in_head(name, head) and not _inside(name, head_hits)) or bool(
            others and any(f in head and _in_head(f, head) for f in others))
        if n < MIN_MENTIONS and not (named and (n or _reliable(lex, name, aliases))):
            continue
        score = n + (3 if named else 0)
        if name in lead or others and any(f in lead for f in others):
            score += 1
        ranked.append((-score, name))
    ranked.sort()

    taken = 0
    for _, name in ranked:
        if taken >= MAX_TOPICS:
            break
        if name in result or blocked and name.casefold() in blocked:
            continue
        if " " not in name and not name.isupper() and name not in lex.standalone and name not in forms:
            low = name.lower()
            common = lowered.get(low)
            if common is None:
                common = lowered[low] = lower_occurs(body, low)
            if common or (is_derived(low) or is_verb(low)) and name not in lex.name_words:
                continue  # a common word written with a capital ("Penerima BSU ...", "Peraturan", "Mengunggah")
        elif " " in name and name.split(" ", 1)[0] in lex.generic_acronyms and name not in lex.known_forms:
            if all(_lowered(body, w.lower(), lowered) for w in name.split(" ")[1:]):
                continue  # a generic acronym and common words: "SMA Swasta (tujuan)", "SMA Jalur (Afirmasi)"
        elif " " in name and _phrase(lex, name, body, lowered, forms):
            continue  # ordinary words written with capitals: "Riwayat Tagihan", "Produk Halal"
        result.append(name)
        taken += 1
    for name in settings.always:
        pattern = _always_pattern(name)
        if pattern.search(body) or pattern.search(head):
            push(name)
    return tuple(result)


_INITIALS = re.compile(r"inisial ([A-Z]{2,4})\b")


def _initials(lex: Lexicon, body: str, counts: dict[str, int]) -> None:
    """"(ber)inisial AP": a person named by initials, wherever the text writes them, though
    the letters are elsewhere a credit or a generic acronym ("AP", the news agency)."""
    for code in {m.group(1) for m in _INITIALS.finditer(body)}:
        if code not in counts:
            n = len(re.findall(r"(?<![\w-])" + code + r"(?![\w-])", body))
            if n:
                counts[code] = n


def _folds(lex: Lexicon, body: str, counts: dict[str, int], special: list[tuple],
           words: set[str]) -> tuple[dict[str, str], dict[str, int]]:
    """(name -> the name it is a form of, for the names of one article (see folding.py),
    acronym -> times the text defines it)."""
    takers, splits, acronyms = folding.takers(counts, special) if special else ({}, [], {})
    if splits:
        split = False
        for name in splits:
            pieces = folding.person_split(lex, folding.info(lex, name)[1], counts, body)
            if pieces:
                split = True
                n = counts.pop(name)
                for piece in pieces:
                    counts[piece] = counts.get(piece, 0) + n
        if split:
            takers, _, acronyms = folding.takers(counts, [folding.info(lex, name) for name in counts])
    merge = folding.short_forms(lex, counts, takers, body) if takers else {}
    merge.update(acronyms)
    generic: set[str] = folding.things(lex, body, counts)  # "Pemungutan Suara Ulang (PSU)"
    defined = folding.acronyms(lex, body, counts, merge, generic)
    for name in generic:
        counts.pop(name, None)  # "Konferensi Tingkat Tinggi (KTT)": the long form of a generic acronym
    folding.nicknames(lex, body, counts, merge)
    folding.ministries(counts, merge)
    if not lex.subunit_heads.isdisjoint(words):
        folding.subunits(lex, body, counts, merge)
    return merge, defined


def _written_in_full(name: str, counts: dict[str, int]) -> str:
    """The text's longer name that a headline's name shortens: same first word, the other words
    in order ("Perumda Sarana Jaya" of "Perumda Pembangunan Sarana Jaya", "KMP Tunu Pratama" of
    "KMP Tunu Pratama Jaya"); the most mentioned, "" when there is none."""
    words = name.split(" ")
    best, most = "", 0
    for other, n in counts.items():
        if n <= most or not other.startswith(words[0] + " ") or len(other) <= len(name):
            continue
        rest = iter(other.split(" ")[1:])
        if all(w in rest for w in words[1:]):  # (a subsequence: `in` consumes the iterator)
            best, most = other, n
    return best


def _lowercase_heads(lex: Lexicon, body: str, counts: dict[str, int]) -> None:
    """"perairan selat Bali" names "Selat Bali" (the article's name for it), not "Bali": where
    the text writes a place's head word in lowercase, those mentions move from the place after
    it to the whole name."""
    heads = lex.lowercase_heads  # ("Selat ", "Pulau ", ...)
    for name in [n for n in counts if n.startswith(heads)]:
        head, rest = name.split(" ", 1)
        if rest not in counts:
            continue
        k = body.count(" " + head.lower() + " " + rest)
        if k:
            k = min(k, counts[rest])
            counts[name] += k
            if counts[rest] == k:
                del counts[rest]
            else:
                counts[rest] -= k


def _place_alias(lex: Lexicon, name: str, aliases) -> str:
    """"Polda Sumut" -> "Polda Sumatera Utara": an organisation named after a place written
    short takes the place's full name; "" when there is none."""
    head, _, last = name.rpartition(" ")
    if head and last in aliases and last in lex.standalone:
        return f"{head} {aliases[last]}"
    return ""


def _reliable(lex: Lexicon, name: str, aliases) -> bool:
    """May a name that only the headline names be a topic? A known place or name, an alias,
    an acronym, or a name of several words (one word alone may be a Title Case verb)."""
    return " " in name or name.isupper() or name in lex.known_forms or name in aliases


def _in_head(name: str, head: str) -> bool:
    """Is `name` a whole phrase of the (padded, normalised) headline?"""
    i = head.find(name)
    while i >= 0:
        j = i + len(name)
        if not head[i - 1].isalnum() and not head[j].isalnum():
            return True
        i = head.find(name, i + 1)
    return False


def _phrase(lex: Lexicon, name: str, body: str, lowered: dict[str, bool], forms: dict[str, list[str]]) -> bool:
    """Is `name` a phrase of ordinary words (a feature's or a subheading's Title Case): no word of
    a known name, each a word of the dictionary that the text also writes in lowercase, the first
    opening no organisation and no place ("Badan Anggaran", "Pasar Minggu" are names)?"""
    if name in lex.known_forms or name in forms or name in lex.aliases:
        return False
    words = name.split(" ")
    if words[0] in lex.organisation_words or words[0] in lex.heads or words[0] in lex.never_alone \
            or words[0] in lex.lowercase_head_words or words[0] in lex.place_heads:
        return False
    for w in words:
        low = w.lower()
        if w in lex.name_words or not w[1:].islower() or not is_common(low) or not _lowered(body, low, lowered):
            return False
    return True


def _lowered(body: str, low: str, lowered: dict[str, bool]) -> bool:
    hit = lowered.get(low)
    if hit is None:
        hit = lowered[low] = lower_occurs(body, low)
    return hit


def _inside(name: str, names) -> bool:
    """Is `name` part of a longer one of `names` ("Cimahi" of the headline's "Pemkot Cimahi")?"""
    for other in names:
        if name in other and name != other and _in_head(name, f" {other} "):
            return True
    return False


def _always_pattern(name: str) -> re.Pattern:
    pattern = _ALWAYS_CACHE.get(name)
    if pattern is None:
        if len(_ALWAYS_CACHE) > 10_000:
            _ALWAYS_CACHE.clear()
        pattern = _ALWAYS_CACHE[name] = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE)
    return pattern


def clear_patterns() -> None:
    _ALWAYS_CACHE.clear()
