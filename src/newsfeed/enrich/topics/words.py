"""Facts about one capitalised word, and a run's words as tokens (glued words split, known
multi-word names joined).

Facts about a word, cached per lexicon: (expansion, kind, alone, opener).
  expansion: None, or the tokens a glued word or clitic stands for ("BAP-nya" -> "BAP", "|")
  kind: "g" generic (cuts, never kept), "p" place (stands alone), "o" organisation acronym
        (stands alone), "c" lowercase connector, "w" ordinary word
  alone: the word may be a name on its own
  opener: what a capital at a sentence start says about it: "k" keep (a name or acronym),
        "d" drop (already cut as generic), "r" drop without asking (portfolio word or
        name-stopword such as "Dalam"), "?" drop if the article writes it in lowercase too
"""

from __future__ import annotations

import re

from newsfeed.enrich import text as T
from newsfeed.enrich.topics.lexicon import CACHE_LIMIT, Lexicon, is_medium

# A word glued to the next by a scraper ("PresidenPrabowo", "IsraelBenjamin"): split it when the
# first part is a word we know.
_GLUE = re.compile(r"^([A-Z][a-z]{2,})([A-Z][a-z].*)$")
_GLUED_LOWER = re.compile(r"^([A-Z]{2,})[a-z]{3,}$")  # "ATTmeninggal" -> "ATT"
_CLITIC = re.compile(r"-(?:nya|lah|kah|pun|ku|mu)$")
_MONEY = re.compile(r"^(?:Rp|US\$|USD|IDR)[\d.,]*$")
ROMAN = re.compile(r"^(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})[AB]?$")
_SHORT_CODE = re.compile(r"^(?:U-?\d+|[A-Z]\d*|\d.*|[A-Z]{1,3}-?\d+)$")


def word(lex: Lexicon, w: str) -> tuple:
    cache = lex.cache["words"]
    hit = cache.get(w)
    if hit is not None:
        return hit
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    stop = T.stopwords()
    expansion = None
    low = w.lower()
    if "-" in w and _CLITIC.search(w):
        expansion = (w[: w.rindex("-")], "|")  # the clitic ends the name: "BAP-nya Reza"
    elif not w.isupper() and not w[1:].islower() and low not in lex.generic and not (
            w.startswith(lex.media_prefixes) and is_medium(lex, w)):  # (an ordinary "Zelensky"
        # needs no look; a medium's name, "CNNIndonesia", is no glued pair)
        m = _GLUED_LOWER.match(w)
        if m:
            expansion = (m.group(1), "|")  # "ATTmeninggal"
        else:
            m = _GLUE.match(w)
            if m and (m.group(1) in lex.standalone or m.group(1) in lex.compass or m.group(1).lower() in lex.generic
                      or m.group(1).lower() in lex.portfolio):
                rest = m.group(2)  # "PresidenPrabowo", "IsraelBenjamin"; "MenteriThailandPaetongtarn": twice
                expansion = (m.group(1), *(word(lex, rest)[0] or (rest,)))
    kind = _kind(lex, w, low, stop)
    alone = kind in "wop" and (w in lex.aliases or not (
        w in lex.never_alone or low in stop or (low in lex.portfolio and not w.isupper())
        or (len(w) < 3 and not w.isupper()) or (not w.isalpha() or len(w) <= 3) and _SHORT_CODE.match(w)))
    if w in lex.word_places:
        opener = "?"  # "Batu bara ...": a sentence may open with the word
    elif kind not in "wc" or w in lex.known_forms or w in lex.org_openers:
        opener = "k"  # (an organisation's head opens a name at a sentence start too: "Kementerian Pertahanan ...")
    elif low in lex.generic or (low in stop and low not in lex.name_stopwords):
        opener = "d"
    elif low in lex.portfolio or low in stop:
        opener = "r"
    else:
        opener = "?"
    hit = cache[w] = (expansion, kind, alone, opener)
    return hit


def _kind(lex: Lexicon, tok: str, low: str, stop: frozenset[str]) -> str:
    if low in lex.generic or tok.startswith(lex.media_prefixes) and is_medium(lex, tok):
        return "g"
    if tok in lex.known_forms:  # a known multi-word name stands alone: "Real Madrid" | "Xabi Alonso"
        return "p" if tok in lex.standalone or " " in tok else "w"
    if tok in lex.heads:
        return "w"  # (a head phrase, "Rumah Sakit", opens a name)
    if tok == "|" or tok[0].isdigit() or tok.startswith(("Rp", "US", "IDR")) and _MONEY.match(tok):
        return "g"
    if tok[0].islower():
        return "c"
    if ROMAN.match(tok) and tok not in lex.numeral_names:
        return "c"  # a numeral of a name: "Komisi V", "Lapas Kelas IIB Muaro Bungo", "Perang Dunia II"
    if tok.isupper() and len(tok) > 1:
        if tok in lex.not_organisations:
            return "g"
        if tok in lex.generic_acronyms:
            return "w"  # part of a name ("Komnas HAM"), never one alone
        return "o" if tok.replace("-", "").isalpha() and tok not in lex.name_acronyms else "w"
    if low in stop and low not in lex.name_stopwords:
        return "g"
    if len(low) > 6 and low.endswith(("kan", "nya")) and low.isalpha():
        return "g"  # a verb of a quoted Title Case headline ("Umumkan"), a clitic word ("Akibatnya")
    if tok in lex.organisations or tok.startswith(lex.organisation_prefixes) and not low.startswith("kemenang"):
        return "o"  # (a ministry, "Kemenhub"; not "Kemenangan", victory)
    return "w"


def tokens(lex: Lexicon, words: list[str]) -> list[str]:
    """Glued words split, known multi-word forms joined into one token."""
    cache = lex.cache["words"]
    out: list[str] = []
    for w in words:
        expansion = (cache.get(w) or word(lex, w))[0]
        if expansion is None:
            out.append(w)
        else:
            out.extend(expansion)
    heads = lex.form_heads
    if heads.isdisjoint(out):
        return out
    known = lex.known_forms
    phrases = lex.head_phrases
    words, out = out, []
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w in phrases:  # "RS" -> "Rumah Sakit"
            out.append(phrases[w])
            i += 1
            continue
        if w in heads:
            for size in range(min(lex.form_max, n - i), 1, -1):
                form = " ".join(words[i:i + size])
                if form in known:
                    out.append(form)
                    i += size
                    break
                if form in phrases:
                    out.append(phrases[form])  # "Pemerintah Kota" -> "Pemkot"
                    i += size
                    break
            else:
                out.append(w)
                i += 1
        else:
            out.append(w)
            i += 1
    return out
