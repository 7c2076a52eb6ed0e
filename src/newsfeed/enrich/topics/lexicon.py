"""The extractor's word lists: data/topics.toml, plus what an editor adds in config.toml.

A Lexicon is built once per set of editor additions and reused; it also carries the caches
of decisions that depend on it (facts about a word, the names of a run), so two sites with
different lists never share a decision.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from newsfeed.config import TopicSettings

DATA_FILE = "data/topics.toml"
CACHE_LIMIT = 100_000  # entries per cache (some tens of MB at most); a full cache starts afresh


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    generic: frozenset[str]  # lowercase: titles, generic words and phrases; never in a name
    titles: frozenset[str]  # lowercase
    portfolio: frozenset[str]  # lowercase
    name_stopwords: frozenset[str]  # lowercase
    never_alone: frozenset[str]  # incl. organisation heads and generic acronyms
    heads: frozenset[str]  # open an organisation's name; a place after them belongs to it
    org_openers: frozenset[str]  # the organisation heads proper ("Dinas", "Polres"): a new name starts there
    generic_acronyms: frozenset[str]
    standalone: frozenset[str]  # countries and regions
    placeish: frozenset[str]  # standalone and compass words
    compass: frozenset[str]
    joins_place: frozenset[str]
    organisations: frozenset[str]
    organisation_prefixes: tuple[str, ...]
    not_organisations: frozenset[str]
    name_acronyms: frozenset[str]
    numeral_names: frozenset[str]  # Roman numerals that are names alone: "X"
    long_name_connectors: frozenset[str]  # "dan" in "Badan Nasional Pencarian dan Pertolongan"
    locatives: tuple[str, ...]  # " di ", " ke ", " dari ": a place follows
    glued_function_words: frozenset[str]  # "dan" glued onto a name by a scraper
    known_forms: frozenset[str]  # names kept whole, places, generic phrases
    form_heads: frozenset[str]  # first words of the multi-word known forms and head phrases
    form_max: int  # words in the longest known form
    head_phrases: Mapping[str, str]  # "Pemerintah Kota" -> "Pemkot", "Rumah Sakit" -> itself
    subunit_heads: frozenset[str]  # "Komisi": "Komisi I DPR" is a part of the DPR
    media_prefixes: tuple[str, ...]  # "Kompas": "KompasTekno" is a medium
    lowercase_heads: tuple[str, ...]  # "Selat ": "selat Bali" is "Selat Bali"
    lowercase_head_words: frozenset[str]  # "Selat"
    aliases: Mapping[str, str]
    name_words: frozenset[str]  # every word of a known name, place, alias or organisation
    short_places: frozenset[str]  # places written short, with an alias: "Sumut", "Jaksel"
    word_places: frozenset[str]  # places that are also ordinary words: "Padang", "Batu"
    organisation_words: frozenset[str]  # open an organisation's long name: "Otoritas (Jasa Keuangan)"
    place_heads: frozenset[str]  # open a place's name in dictionary words: "Pasar (Minggu)"
    branch_acronyms: frozenset[str]  # with a place after them, an office: "DPRD Banten"
    place_suffixes: frozenset[str]  # after a place, one name with it: "(Indonesia) Open"
    # decisions that depend on this lexicon: {"words": {...}, "runs": {...}, "names": {...}}
    cache: dict[str, dict] = field(default_factory=lambda: {"words": {}, "runs": {}, "names": {}})

    def clear(self) -> None:
        for part in self.cache.values():
            part.clear()


@lru_cache(maxsize=1)
def packaged() -> dict:
    """data/topics.toml as shipped (without the editor's additions)."""
    text = resources.files("newsfeed").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def default_aliases() -> dict[str, str]:
    return dict(packaged()["aliases"])


def lexicon(settings: TopicSettings) -> Lexicon:
    """The lexicon for these settings (the packaged lists plus the editor's)."""
    key = (settings.generic_words, settings.names, settings.places, settings.organisations, settings.word_lists)
    lex = _LEXICONS.get(key)
    if lex is None:
        if len(_LEXICONS) >= 16:
            _LEXICONS.clear()
        lex = _LEXICONS[key] = _build(*key)
    return lex


def clear_caches() -> None:
    """Forget every cached decision of every lexicon built so far."""
    for lex in _LEXICONS.values():
        lex.clear()


_LEXICONS: dict[tuple, Lexicon] = {}


def _build(generic_words: tuple[str, ...], names: tuple[str, ...], places: tuple[str, ...],
           organisations: tuple[str, ...], word_lists: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> Lexicon:
    d = dict(packaged())
    for name, added in word_lists:  # the editor's additions to a packaged list
        d[name] = [*d.get(name, ()), *added]
    lower = lambda words: frozenset(w.lower() for w in words)  # noqa: E731
    titles = lower(d["titles"])
    generic_phrases = frozenset(d["generic_phrases"])
    standalone = frozenset(d["countries"]) | frozenset(d["regions"]) | frozenset(places)
    compass = frozenset(d["compass"])
    known = frozenset(d["names"]) | frozenset(names) | standalone | generic_phrases
    multi = [f for f in known if " " in f]
    head_phrases = dict(d.get("head_phrases", {}))
    phrase_heads = frozenset(head_phrases.values())
    return Lexicon(
        generic=titles | lower(d["generic"]) | lower(generic_phrases) | lower(generic_words),
        titles=titles,
        portfolio=lower(d["portfolio"]),
        name_stopwords=lower(d["name_stopwords"]),
        never_alone=frozenset(d["never_alone"]) | frozenset(d["organisation_heads"]) | frozenset(d["generic_acronyms"])
        | phrase_heads,
        heads=frozenset(d["organisation_heads"]) | frozenset(d["joins_place"]) | phrase_heads,
        org_openers=frozenset(d["organisation_heads"]) | phrase_heads,
        generic_acronyms=frozenset(d["generic_acronyms"]),
        standalone=standalone,
        placeish=standalone | compass,
        compass=compass,
        joins_place=frozenset(d["joins_place"]),
        organisations=frozenset(d["organisations"]) | frozenset(organisations),
        organisation_prefixes=tuple(d["organisation_prefixes"]),
        not_organisations=frozenset(d["not_organisations"]),
        name_acronyms=frozenset(d["name_acronyms"]),
        numeral_names=frozenset(d["numeral_names"]),
        long_name_connectors=frozenset(d["long_name_connectors"]),
        locatives=tuple(f" {w} " for w in d["locatives"]),
        glued_function_words=frozenset(d["glued_function_words"]),
        known_forms=known,
        form_heads=frozenset(f.split(" ", 1)[0] for f in [*multi, *head_phrases]),
        form_max=max(len(f.split(" ")) for f in [*multi, *head_phrases]),
        head_phrases=head_phrases,
        subunit_heads=frozenset(d.get("subunit_heads", ())),
        media_prefixes=tuple(d.get("media_prefixes", ())),
        lowercase_heads=tuple(h + " " for h in d.get("lowercase_heads", ())),
        lowercase_head_words=frozenset(d.get("lowercase_heads", ())),
        aliases=d["aliases"],
        short_places=frozenset(k for k in d["aliases"] if k in standalone),
        word_places=frozenset(d.get("word_places", ())),
        organisation_words=frozenset(d.get("organisation_words", ())) | frozenset(d["organisation_heads"]),
        place_heads=frozenset(d.get("place_heads", ())),
        branch_acronyms=frozenset(d.get("branch_acronyms", ())),
        place_suffixes=frozenset(w for f in d.get("place_suffixes", ()) for w in f.split(" ")),
        name_words=frozenset(w for f in known | frozenset(d["aliases"]) | frozenset(d["aliases"].values())
                             | frozenset(d["organisations"]) | frozenset(organisations) for w in f.split(" ")),
    )



def is_medium(lex: Lexicon, w: str) -> bool:
    """Is `w` a medium's name written as one word ("KompasTekno", "detikJatim")?"""
    if w.startswith(lex.media_prefixes):
        for p in lex.media_prefixes:
            if w.startswith(p) and len(w) > len(p) and (w[len(p)].isupper() or w[len(p)] == "."):
                return True
    return False
