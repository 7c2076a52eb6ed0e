"""The names one capitalised run makes ("Presiden Ukraina Volodymyr Zelensky" -> "Ukraina",
"Volodymyr Zelensky"), decided once per distinct run and cached per lexicon.

A run is cut at generic words (titles such as "Presiden" or "Menteri" and the portfolio that
follows them, "Menteri Keuangan Sri Mulyani" -> "Sri Mulyani"; day and month names;
stopwords), around country and province names, and around organisation acronyms ("KPK Setyo
Budiyanto" -> "KPK", "Setyo Budiyanto"). Words between a generic word and an acronym describe
the acronym's office and are dropped ("Gedung Merah Putih KPK" -> "KPK"). Known forms stay whole
("BPJS Kesehatan", "Bank Indonesia").
"""

from __future__ import annotations

from newsfeed.enrich.topics.common import is_common, roots
from newsfeed.enrich.topics.lexicon import Lexicon
from newsfeed.enrich.topics.names import info
from newsfeed.enrich.topics.words import tokens as _tokens
from newsfeed.enrich.topics.words import ROMAN as _ROMAN
from newsfeed.enrich.topics.words import word as _word


def analyse(lex: Lexicon, run: str) -> tuple:
    """(names, names_if_sentence_initial, word_to_check, special), or () when the run names
    nothing.

    When the run opens a sentence its first word may be a common word written with a capital:
    a stopword or generic word is already cut; a portfolio word is dropped; any other word
    that is not a known name is `word_to_check`, dropped only if the article also writes it in
    lowercase. `special` are the facts of the multi-word names, which need more work per
    article (see folding.py)."""
    words = lex.cache["words"]
    if " " not in run:  # one word: most runs
        expansion, kind, alone, opener = words.get(run) or _word(lex, run)
        if expansion is None:
            if not alone:
                return ()
            if opener == "r":
                return (run,), (), None, ()
            return (run,), (() if opener == "?" else None), (run.lower() if opener == "?" else None), ()
    toks = run.split(" ")
    get = words.get
    facts = [get(w) or _word(lex, w) for w in toks]
    if not lex.form_heads.isdisjoint(toks) or any(f[0] is not None for f in facts):
        toks = _tokens(lex, toks)
        facts = [get(w) or _word(lex, w) for w in toks]
    names = _names(lex, toks, facts)
    initial_names: tuple[str, ...] | None = None
    check = None
    opener = facts[0][3]
    if opener == "r" or opener == "?":
        k = 1  # (and the office words that went with it: "Bandara Internasional Phuket" -> "Phuket")
        while k < len(toks) - 1 and toks[k].lower() in lex.portfolio:
            k += 1
        rest = _names(lex, toks[k:], facts[k:]) if len(toks) > 1 else ()
        if rest != names:
            initial_names = rest
            if opener == "?":
                check = toks[0].lower()
    if not names and not initial_names:
        return ()
    special = []
    for name in names + initial_names if initial_names else names:
        if " " in name:
            f = info(lex, name)
            if (f[2] or f[4] or f[5]) and f not in special:
                special.append(f)
    return names, initial_names, check, tuple(special)


def _names(lex: Lexicon, toks: list[str], facts: list[tuple]) -> tuple[str, ...]:
    """Cut a run's tokens (with their word facts) into names."""
    out: list[str] = []
    cur: list[str] = []
    before = "s"  # what preceded `cur`: s start, g generic, o organisation, p place, w word
    after_generic = False
    place_part = False
    portfolio = lex.portfolio
    heads = lex.org_openers
    last = len(toks) - 1
    for i, (tok, f) in enumerate(zip(toks, facts)):
        k = f[1]
        if k == "p" and tok in lex.word_places and i < last and _word_after(lex, toks[i + 1], facts[i + 1]):
            k = "w"  # "Batu Bara (Acuan)": the place's word, in a phrase of words
        if tok == "Di" and not cur:
            continue  # "di" (in, at) written with a capital; inside a name a particle ("Michele Di Gregorio")
        if k == "w" and not place_part:
            if after_generic and not cur and f[3] == "r" and tok.lower() in portfolio:
                continue  # "Menteri Keuangan ...": the portfolio belongs to the title
            if cur and tok in heads and cur[-1] not in heads:
                _close(lex, out, cur, before, k)  # "(UPTD) Gunung Tua | Dinas PUPR"
                cur, before = [], "w"
            after_generic = False
            cur.append(tok)
            continue
        if k == "c":
            if cur:
                cur.append(tok)
            elif tok[0].isupper() and before != "g" and i < last and facts[i + 1][1] == "w":
                cur, before = [tok], "w"  # a numeral opening a name: "(SEA) V League"
            continue
        if k == "w":  # after a place: "Ukraina" | "Volodymyr Zelensky"
            if tok in lex.compass and tok != cur[-1] and not (len(cur) > 1 and cur[-2] in lex.compass):
                cur.append(tok)  # "Bengkulu Selatan", "Aceh Barat Daya": a part of the place, named so
                continue
            if tok in lex.place_suffixes:
                cur.append(tok)  # "Indonesia Open", "Jakarta Fair": an event's name
                place_part = False
                continue
            _close(lex, out, cur, before, k)
            cur, before, place_part, after_generic = [tok], "p", False, False
            continue
        if k == "g":
            _close(lex, out, cur, before, k)
            cur, before, after_generic, place_part = [], "g", True, False
            continue
        if k == "o":
            _close(lex, out, cur, before, k)
            if tok in lex.branch_acronyms and i < last and facts[i + 1][1] == "p":
                cur, before, place_part, after_generic = [tok], "o", False, False
                continue  # "DPRD Banten", "KBRI Yangon": the body's office there
            if f[2]:
                out.append(tok)
            cur, before, place_part, after_generic = [], "o", False, False
            continue
        # a place
        after_generic = False
        if cur and (len(cur) <= 3 and cur[0] in lex.heads or tok in lex.word_places and not place_part
                    or len(cur) == 1 and cur[0] in lex.branch_acronyms):
            cur.append(tok)  # "Bank Indonesia", "Polda Bali", "Sekolah Indonesia Jeddah"; "Lapangan Blang Padang"
            place_part = True
            continue
        _close(lex, out, cur, before, k)
        cur, before, place_part = [tok], "p", True
    _close(lex, out, cur, before, "e")
    return tuple(out)


def _close(lex: Lexicon, out: list[str], words: list[str], left: str, right: str) -> None:
    """Add the name `words` makes, if any, to `out`."""
    while words and words[-1][0].islower():
        words = words[:-1]
    if not words:
        return
    if len(words) == 1:
        if (lex.cache["words"].get(words[0]) or _word(lex, words[0]))[2]:
            out.append(words[0])
        return
    if left == "g" and right == "o" and lex.standalone.isdisjoint(words):
        return  # "Gedung Merah Putih KPK", "Dirjen Perhubungan Darat Kemenhub"
    name = " ".join(words)
    if name in lex.known_forms:
        out.append(name)
        return
    if lex.never_alone.issuperset(words) and not (words[0] in lex.org_openers and words[-1].isupper()):
        return  # "PTN BLU", "Pengadilan Negeri": words that name nothing on their own (but "Kementerian HAM")
    if len(words) == 2 and words[1] not in lex.numeral_names and (
            words[0] not in lex.subunit_heads and _ROMAN.match(words[1]) and _affixed_word(lex, words[0])
            or _ROMAN.match(words[1]) and words[0] not in lex.name_words and words[0].lower() in roots()
            and words[0] not in lex.subunit_heads and left != "g"):
        return  # "(PSU) Jilid II", "Kelas IIB": a word and a numeral (after a title a person: "Paus Leo XIV")
    if len(words) > 2 and words[0] == words[-1]:
        out.append(words[0])  # "(istri) Macron Brigitte Macron"
        out.append(" ".join(words[1:]))
        return
    portfolio = lex.portfolio
    if words[0].lower() in portfolio:
        i = 1
        while i < len(words) and words[i].lower() in portfolio:
            i += 1
        if i == len(words):
            if words[0] in lex.org_openers:
                out.append(name)  # an organisation named by its head and portfolio: "Badan Anggaran"
            return  # an office without its title: "Perhubungan Darat", "Luar Negeri"
        while len(words) - i > 2 and _affixed_word(lex, words[i]):
            i += 1  # the office goes on in words of the dictionary: "(Pembangunan Daerah) Tertinggal Yandri Susanto"
        if len(words) - i >= 2 and not any(w.lower() in portfolio for w in words[i:]):
            name = " ".join(words[i:])  # "(Menteri Pendidikan Tinggi, Sains, dan) Teknologi Brian Yuliarto"
    out.append(name)


def _word_after(lex: Lexicon, tok: str, f: tuple) -> bool:
    """Is `tok`, after a place that is also a word, an ordinary word of the dictionary ("Bara")?"""
    low = tok.lower()
    return f[1] == "w" and tok not in lex.name_words and low not in lex.portfolio and low in roots()


def _affixed_word(lex: Lexicon, word: str) -> bool:
    """A dictionary root with affixes ("Tertinggal", "Terpadu"): a word, while a bare root may
    be a name ("Budi", "Jaya")."""
    low = word.lower()
    return word not in lex.name_words and low not in roots() and is_common(low)
