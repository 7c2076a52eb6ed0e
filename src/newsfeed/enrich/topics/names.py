"""Facts about one name, cached per lexicon: which shorter forms it takes, whether it may be
taken, split or named by its initials (used by folding.py)."""

from __future__ import annotations

import re

from newsfeed.enrich.topics.lexicon import CACHE_LIMIT, Lexicon

_HAS_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_INITIALS = re.compile(r"(?:^|(?<=[ -]))(\w)")


def info(lex: Lexicon, name: str) -> tuple:
    """Facts about a name, cached: (name, words, shorter forms it takes, takeable, splittable,
    initials). A full name ("Donald Trump", "Ayatollah Ali Khamenei") takes its first and last
    word (and, from three words on, its first and last two words: "Samsung Galaxy Watch" takes
    "Galaxy Watch"); a place or acronym takes nothing and is never taken ("Jakarta" does not
    become "Jakarta Selatan"); a name opening with an organisation word ("Partai Golkar Bahlil
    Lahadalia") may be an organisation glued to a person; an organisation's initials
    ("Komisi Pemberantasan Korupsi" -> "KPK") let its acronym take it."""
    cache = lex.cache["names"]
    hit = cache.get(name)
    if hit is not None:
        return hit
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    words = name.split(" ")
    n = len(words)
    # (a compass word inside a name is no place's: "Masjid Raya Baiturrahman")
    placeish = name in lex.standalone or not lex.standalone.isdisjoint(words) or words[-1] in lex.compass
    takes: tuple[str, ...] = ()
    if n == 2 and words[0] in lex.branch_acronyms:
        takes = (words[0],)  # "KBRI" is "KBRI Tokyo"
    elif n > 1 and placeish and name in lex.known_forms and name not in lex.standalone:
        first = words[0]  # "Garuda" is "Garuda Indonesia", "Persib" "Persib Bandung"
        if first not in lex.never_alone and first not in lex.placeish and first.lower() not in lex.generic:
            takes = (first,)
    elif n > 2 and words[0] in lex.organisation_words and _HAS_ACRONYM.search(name) is None:
        takes = (words[0], words[0] + " " + words[1])  # (not its last words, a parent's or a place's: "Majelis
        # Tarjih dan Tajdid ... Muhammadiyah"; "Polda Metro" is "Polda Metro Jaya")
    elif n > 1 and not placeish and _HAS_ACRONYM.search(name) is None:
        takes = (words[0], words[-1])
        if n > 2:
            takes += (words[0] + " " + words[1], words[-2] + " " + words[-1])
        if n == 3:
            takes += (words[0] + " " + words[2],)  # "Ayatollah Khamenei" is "Ayatollah Ali Khamenei"
            if len(words[1]) > 2 and words[1][0].isupper():
                takes += (words[1],)  # "Andi Amran Sulaiman" is "Amran", "Sufmi Dasco Ahmad" "Dasco"
    elif n > 1 and name in lex.known_forms and words[0].isupper() and words[0] not in lex.never_alone:
        takes = (words[0],)  # "TNI" is "TNI AD", "BPJS" "BPJS Kesehatan"
    if n > 2 and words[0] in lex.org_openers and not placeish:
        takes += (" ".join(words[1:]),)  # "UPT Pengelolaan Kawasan Cagar Budaya" is "Pengelolaan Kawasan Cagar Budaya"
    takeable = not placeish and not name.isupper()
    alone = lex.never_alone
    splittable = n >= 3 and name not in lex.known_forms  # ("Kepulauan Bangka Belitung" is one place)
    initials = None
    if (n > 2 or n == 2 and (words[0] in alone or "-" in name)) and not placeish and name[0].isupper():
        letters = "".join(_INITIALS.findall(name))
        if n > 3 and words[0] in lex.generic_acronyms:
            letters = letters[1:]  # "PT Totalindo Eka Persada" is "TEP", not "PTEP"
        if letters.isalpha() and (len(letters) >= 3 or words[0] in alone):
            initials = letters.upper()
    hit = cache[name] = (name, tuple(words), takes, takeable, splittable, initials)
    return hit
