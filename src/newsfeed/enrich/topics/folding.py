"""Mentions of one entity folded into one name, per article.

An acronym takes the mentions of its long form when both are named (the initials match:
"Komisi Pemberantasan Korupsi" -> "KPK") or the text defines it ("Kementerian Perhubungan
(Kemenhub)"); an organisation glued to a person ("Partai Golkar Bahlil Lahadalia") is cut
where the person is also named alone; a surname or first name merges into the full name given
in the same article, which is preferred ("Trump" -> "Donald Trump"), never into a place
("Jakarta" stays "Jakarta").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from newsfeed.enrich.topics.common import is_common
from newsfeed.enrich.topics.lexicon import Lexicon
from newsfeed.enrich.topics.mentions import RUN, lower_occurs
from newsfeed.enrich.topics.names import info
from newsfeed.enrich.topics.runs import analyse

_NUMBER = re.compile(r"(?:[IVX]+|\d+)$")
_ACRONYM_AFTER = re.compile(r"\(([A-Z][A-Za-z]{1,9})\)")
# "Saifullah alias Gus Ipul", "M Fauzi alias Pablo": the second is the first; "Boni, sapaan
# Bonavisius" and "Bonavisius atau akrab disapa Boni" name one person too
_ALIAS = re.compile(r"(?P<a>" + RUN.pattern + r"),? (?P<how>alias|a\.k\.a\.?|sapaan(?: akrab)?|(?:yang |atau )?(?:akrab |biasa )?disapa) (?P<b>" + RUN.pattern + ")")


def acronyms(lex: Lexicon, body: str, counts: Mapping[str, int], merge: dict[str, str],
             generic: set[str] | None = None) -> dict[str, int]:
    """Long form -> acronym added to `merge` (which holds those whose initials match, see
    `takers`) where the text defines it: "Kementerian Perhubungan (Kemenhub)". Returns acronym
    -> how often it is defined so: a definition is one mention, not two. The long forms of
    generic acronyms ("Konferensi Tingkat Tinggi (KTT)", "Penyertaan Modal Negara (PMN)") and of
    offices ("Kepala Staf Angkatan Darat (KSAD)") name nothing either: they are added to `generic`."""
    defined: dict[str, int] = {}
    if "(" not in body:
        return defined
    runs = lex.cache["runs"]
    for m in _ACRONYM_AFTER.finditer(body):
        short = m.group(1)
        if short not in counts:
            if generic is not None and (short in lex.generic_acronyms or short.isupper() and short.lower() in lex.generic):
                long = _long_form(lex, runs, body, m.start())
                if long and long in counts:
                    generic.add(long)
            continue
        start = m.start()
        window = body[max(0, start - 100):start].rstrip(" ")
        found = RUN.findall(window)
        if not found or not window.endswith(found[-1]):
            continue
        run = " ".join(w.title() if len(w) >= 5 and w.isupper() and w.isalpha() else w for w in found[-1].split(" "))
        before = window[: len(window) - len(found[-1])]
        if len(found) > 1 and before.endswith(" dan ") and before[:-5].endswith(found[-2]):
            run = found[-2] + " dan " + run  # "Badan Nasional Pencarian dan Pertolongan (Basarnas)"
        hit = runs.get(run) or analyse(lex, run)
        for long in hit[0] if hit else ():
            if long != short and long in counts and " " in long and long not in lex.standalone:
                if merge.setdefault(long, short) == short:
                    defined[short] = defined.get(short, 0) + 1
                break
    return defined


def _long_form(lex: Lexicon, runs: dict, body: str, start: int) -> str:
    """The name that ends right before `start` ("Konferensi Tingkat Tinggi" before "(KTT)"), if any."""
    window = body[max(0, start - 100):start].rstrip(" ")
    found = RUN.findall(window)
    if not found or not window.endswith(found[-1]):
        return ""
    hit = runs.get(found[-1]) or analyse(lex, found[-1])
    names = hit[0] if hit else ()
    return names[-1] if names and " " in names[-1] else ""


def person_split(lex: Lexicon, words: tuple[str, ...], counts: Mapping[str, int], body: str = "") -> tuple[str, str] | None:
    """"Partai Golkar Bahlil Lahadalia" -> ("Partai Golkar", "Bahlil Lahadalia") when the person
    is also named on their own in the article (in full, or, after an organisation's word, by
    first or last name, a name the article never writes in lowercase: "Kawasan" of "UPT
    Pengelolaan Kawasan Cagar Budaya" is a word); "Tesla Elon Musk" -> ("Tesla", "Elon Musk")
    when "Elon Musk" is."""
    first = 2 if words[0] in lex.never_alone else 1
    cuts = [c for c in range(first, len(words)) if words[c] not in lex.never_alone
            and words[c][:1].isupper() and words[c - 1][:1].isupper()  # (not at "dan": "Majelis Tarjih dan Tajdid")
            and lex.standalone.isdisjoint(words[c:])  # (no person's name ends in a place: "Badan Pengelola Migas Aceh")
            and words[c].lower() not in lex.portfolio
            and words[c] not in lex.placeish]  # (a place ends an organisation's name: "Sekolah Indonesia Jeddah")
    for c in cuts:  # the person named in full
        if len(words) - c >= 2 and " ".join(words[c:]) in counts:
            return " ".join(words[:c]), " ".join(words[c:])
    for c in cuts:  # the organisation named on its own, the person by a name of theirs: "InJourney Airports
        # Achmad Syahir" where the text has "InJourney Airports" and "Syahir"
        if c >= 2 and len(words) - c >= 2 and " ".join(words[:c]) in counts and lex.organisation_words.isdisjoint(
                words[c:]) and (
                words[-1] in counts or words[c] in counts
                or words[0] in lex.never_alone and lex.standalone.isdisjoint(words[c:])
                and not any(is_common(w.lower()) for w in words[c:])) \
                and not (body and lower_occurs(body, words[-1].lower())):
            return " ".join(words[:c]), " ".join(words[c:])
    cuts = [c for c in cuts if c >= 2 and not lex.never_alone.issuperset(words[:c])]  # (not "Masjid Raya" |
    # "Baiturrahman": a head that names nothing on its own)
    if not cuts or words[0] not in lex.never_alone:
        return None
    for c in cuts:  # by first name
        if words[c] in counts and not (body and lower_occurs(body, words[c].lower())):
            return " ".join(words[:c]), " ".join(words[c:])
    if words[-1] in counts and cuts[0] < len(words) - 1 and not (body and lower_occurs(body, words[-1].lower())):
        # by last name
        c = cuts[0]
        return " ".join(words[:c]), " ".join(words[c:])
    return None


def takers(counts: Mapping[str, int], special: list[tuple]) -> tuple[dict, list[str], dict[str, str]]:
    """(shorter form -> full names of the article that take it, names that may be split,
    long form -> acronym named in the article with matching initials: "Komisi Pemberantasan
    Korupsi" -> "KPK"), over the `special` name facts of the article."""
    out: dict[str, list[str]] = {}
    splits = []
    acronyms_: dict[str, str] = {}
    for facts in special:
        name = facts[0]
        if name not in counts:
            continue
        if facts[5] is not None and facts[5] in counts:
            acronyms_[name] = facts[5]
        for short in facts[2]:
            if short in counts:
                fulls = out.get(short)
                if fulls is None:
                    out[short] = [name]
                elif name not in fulls:
                    fulls.append(name)
        if facts[4] and name not in splits:
            splits.append(name)
    for facts in special:  # "P Diddy" is "Sean Diddy Combs": an initial and a name the full name takes
        words = facts[1]
        if len(words) == 2 and len(words[0].rstrip(".")) == 1 and facts[0] in counts and facts[0] not in out:
            fulls = [f[0] for f in special if f[0] != facts[0] and f[0] in counts and words[1] in f[2]]
            if fulls:
                out[facts[0]] = fulls
    return out, splits, acronyms_


def short_forms(lex: Lexicon, counts: Mapping[str, int], takers_: Mapping[str, list[str]], body: str = "") -> dict[str, str]:
    """A name that starts or ends a longer name of the same article merges into it, the most
    mentioned one first: "Trump" -> "Donald Trump", "Prabowo" -> "Prabowo Subianto", "Galaxy
    Watch" -> "Samsung Galaxy Watch" (`takers_`: shorter form -> the full names that take it)."""
    merge = {}
    for short, fulls in takers_.items():
        if len(fulls) > 1:
            fulls = [f for f in fulls if f.startswith(short + " ")] or fulls  # "Hoegeng" is "Hoegeng Iman
            if len(fulls) > 1:  # Santoso" more than "Meriyati Hoegeng"; then the most named, the first named
                fulls = [min(fulls, key=lambda f: (-counts[f], _first(body, f), f))]
        full = fulls[0]
        if body and counts[short] >= 3 * max(1, counts[full]) and all(
                w not in lex.name_words and lower_occurs(body, w.lower()) for w in full.split(" ") if w != short):
            continue  # "Muhammadiyah", named ten times, is no "Hisab Muhammadiyah" named once: a word before a name
        if body and full.endswith(" " + short) and full.count(" ") == 1 and full.split(" ", 1)[0] in lex.org_openers \
                and _after_locative(lex, body, short):
            continue  # "di Sidrap": a place, which "Pemkab Sidrap" is named after, not the organisation
        if (info(lex, short)[3] or short.isupper() and (full in lex.known_forms or short in lex.branch_acronyms)) and not (
                body and full.startswith(short) and full[len(short)] == " " and full not in lex.known_forms
                and _model(body, full)):
            merge[short] = full  # (not "Lenovo" -> "Lenovo Yoga": a maker's product line, "Lenovo Yoga 7")
    # "Galaxy" -> "Samsung Galaxy" -> "Samsung Galaxy Watch": follow to the end
    for short, full in merge.items():
        seen = {short}
        while full in merge and full not in seen:
            seen.add(full)
            full = merge[full]
        merge[short] = full
    return merge




def _after_locative(lex: Lexicon, body: str, name: str) -> bool:
    """Does the text write "di", "ke" or "dari" right before `name` ("di Sidrap")?"""
    for loc in lex.locatives:
        needle = loc + name
        i = body.find(needle)
        while i >= 0:
            j = i + len(needle)
            if j >= len(body) or not body[j].isalnum():
                return True
            i = body.find(needle, j)
    return False


_MODEL_AFTER = re.compile(r"(?: [A-Z][\w-]*){0,2} \d+[A-Za-z]?(?![\d.,:-])")  # " 7", " Slim 7", " Pro 5i"; not "2-1"


def _model(body: str, name: str) -> bool:
    """Does the text write `name` with a model number after it (a product line)? (Not "(26)":
    an age follows a person's name; not "2-1": a score.)"""
    i = body.find(name + " ")
    while i >= 0:
        j = i + len(name)
        if _MODEL_AFTER.match(body, j):
            return True
        i = body.find(name + " ", j)
    return False


def _first(body: str, name: str) -> int:
    i = body.find(name)
    return i if i >= 0 else len(body)


def nicknames(lex: Lexicon, body: str, counts: Mapping[str, int], merge: dict[str, str]) -> None:
    """Add to `merge` the other names the text gives a person: "Saifullah alias Gus Ipul" ->
    "Gus Ipul" is "Saifullah"; "Boni, sapaan Bonavisius" -> "Boni" is "Bonavisius"."""
    if " alias " not in body and "sapa" not in body:
        return
    runs = lex.cache["runs"]
    for m in _ALIAS.finditer(body):
        a, b = (runs.get(m["a"]) or analyse(lex, m["a"])), (runs.get(m["b"]) or analyse(lex, m["b"]))
        if not a or not b or not a[0] or not b[0]:
            continue
        first, second = a[0][-1], b[0][0]
        if m["how"].startswith("sapaan"):
            first, second = second, first  # "Boni, sapaan Bonavisius": Boni is the nickname
        if first != second and first in counts and second in counts and second not in merge:
            merge[second] = merge.get(first, first)


def subunits(lex: Lexicon, body: str, counts: Mapping[str, int], merge: dict[str, str]) -> None:
    """Add to `merge` the numbered parts of an organisation that the text writes with it:
    "Komisi I DPR RI" makes "Komisi I" (there and alone) a mention of "DPR RI" (so of "DPR")."""
    heads = lex.subunit_heads
    runs = lex.cache["runs"]
    for name in counts:
        head, _, number = name.partition(" ")
        if head not in heads or name in merge:
            continue
        number, _, parent = number.partition(" ")
        if not _NUMBER.match(number):
            continue
        if parent:  # "Komisi I DPR RI", one name: a mention of "DPR RI"
            if parent in counts or parent in lex.aliases:
                merge[name] = merge.get(parent, parent)
            continue
        i = body.find(name + " ")
        while i >= 0:
            j = i + len(name) + 1
            m = RUN.match(body, j)
            if m:
                hit = runs.get(m.group()) or analyse(lex, m.group())
                parent = hit[0][0] if hit and hit[0] else ""
                if parent and parent in counts and parent != name:
                    merge[name] = merge.get(parent, parent)
                    break
            i = body.find(name + " ", j)


def ministries(counts: Mapping[str, int], merge: dict[str, str]) -> None:
    """Add to `merge` a ministry's long name written with its short one in the same article:
    "Kementerian Pertahanan" is "Kemhan", "Kementerian Keuangan" "Kemenkeu" (the short name is
    "Kem" or "Kemen" and letters of the portfolio, in order, the first in its first word)."""
    longs = [n for n in counts if n.startswith("Kementerian ") and n not in merge]
    if not longs:
        return
    for short in counts:
        if " " in short or not short.startswith("Kem") or short.startswith("Kementerian") or short in merge:
            continue
        rest = (short[5:] if short.startswith("Kemen") else short[3:]).lower()
        if len(rest) < 2 or not rest.isalpha():
            continue
        hits = [long for long in longs if _abbreviates(rest, long[len("Kementerian "):].lower().split(" "))]
        if len(hits) == 1:
            merge[hits[0]] = short


def _abbreviates(letters: str, words: list[str]) -> bool:
    if not words or letters[0] not in words[0]:
        return False
    text = "".join(words)
    i = text.find(letters[0])
    for ch in letters[1:]:
        i = text.find(ch, i + 1)
        if i < 0:
            return False
    return True


def things(lex: Lexicon, body: str, counts: Mapping[str, int]) -> set[str]:
    """The acronyms of the article that its text defines by words of the dictionary not opening
    with an organisation's word: "Pemungutan Suara Ulang (PSU)", "Saldo Anggaran Lebih (SAL)"
    name a thing (a procedure, a budget line), not an organisation; "Polisi Air dan Udara
    (Polairud)" and "Otoritas Jasa Keuangan (OJK)" do. Their long forms, as named, with them."""
    out: set[str] = set()
    if "(" not in body:
        return out
    for m in _ACRONYM_AFTER.finditer(body):
        short = m.group(1)
        if short not in counts or short in out or short in lex.known_forms or short in lex.organisations:
            continue
        words = body[max(0, m.start() - 120):m.start()].split()
        if words and words[-1][:1].islower() and _initials_of(short, words):
            out.add(short)  # "pemungutan suara ulang (PSU)", "warga negara (WN)": defined in lowercase words
            continue
        long: list[str] = []
        for w in reversed(words):
            if w[:1].isupper():
                long.append(w)
            elif w in lex.long_name_connectors and long:
                long.append(w)
            else:
                break
        while long and not long[-1][:1].isupper():
            long.pop()
        long.reverse()
        if len(long) < 2 or long[0][0] != short[0] or long[0] in lex.organisation_words or long[0] in lex.place_heads:
            continue
        if all(w in lex.long_name_connectors or w.isalpha() and w not in lex.organisations and (
                w in lex.word_places or w not in lex.standalone and is_common(w.lower())) for w in long):
            out.add(short)
            out.update(n for n in _names_of(lex, " ".join(w for w in long if w[:1].isupper())) if n in counts)
    return out


def _initials_of(short: str, words: list[str]) -> bool:
    """Do the lowercase words that end `words` spell `short` ("sistem penerimaan murid baru"
    before "(SPMB)", "ditanggung pemerintah" before "(DTP)")? Their first letters, in order, are
    letters of the acronym, the first its first, one word a letter or two."""
    letters = short.lower()
    for k in range(max(2, len(letters) - 1), len(letters) + 1):
        tail = words[-k:]
        if len(tail) < k or not all(w[:1].islower() and w.isalpha() for w in tail) or tail[0][0] != letters[0]:
            continue
        i = 0
        for w in tail:
            i = letters.find(w[0], i)
            if i < 0:
                break
            i += 1
        else:
            return True
    return False


def _names_of(lex: Lexicon, run: str) -> tuple[str, ...]:
    hit = lex.cache["runs"].get(run) or analyse(lex, run)
    return hit[0] if hit else ()
