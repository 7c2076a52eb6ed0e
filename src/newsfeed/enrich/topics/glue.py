"""Words a scraper glued together where it removed a link, split again, per article.

"Presiden Prabowo Subiantoberulang kali" -> "Prabowo Subianto" (+ "berulang"); "Inter
Milansemakin" -> "Inter Milan"; "WidiariniRhenald Kasali" -> "Rhenald Kasali"; "RIPrabowo" ->
"RI Prabowo"; "Dudung-Gus Ipul" -> "Dudung", "Gus Ipul"; "PMN-PMN" -> "PMN"; and a shouted word, "JAKARTA,
KOMPAS.com" or "FEDERASI Tinju Internasional", is written as a name. A word is split only
where its first part is a word the article (or the lexicon) uses on its own and the rest is a
stopword or a dictionary word, or, for two capitalised parts, where the second is such a
word; a word that is itself a known name is never split.

Which splits a word allows at all depends on the word alone and is cached; whether one applies
depends on the article (the words it uses), and is checked per article with set lookups.
"""

from __future__ import annotations

from newsfeed.enrich import text as T
from newsfeed.enrich.topics.common import is_common
from newsfeed.enrich.topics.common import roots as common_roots
from newsfeed.enrich.topics.lexicon import CACHE_LIMIT, Lexicon, is_medium

_MIN_PART = 3
_AFFIXED = ("me", "di", "be", "te", "ke", "se", "pe")  # the prefixes is_common undoes
_GLUED_VERB_PREFIXES = ("mem", "men", "meng", "meny", "di", "ber", "ter")  # of verbs glued onto a name


def repair(lex: Lexicon, runs: dict[str, int], body: str) -> tuple[dict[str, int], set[str]]:
    """(`runs` (run -> count) with glued words split (the same dict when nothing is glued),
    the capitalised words of the article)."""
    joined = "\n".join(runs)
    seen = set(joined.replace("\n", " ").split(" "))  # (joined and split in C: far faster than a loop)
    known = lex.name_words
    plans = lex.cache.setdefault("glue", {})
    unsplittable = lex.cache.setdefault("unsplittable", set())  # words whose plan is empty
    if len(plans) > CACHE_LIMIT:
        plans.clear()
        unsplittable.clear()
    cuts: dict[str, tuple] = {}  # written word -> the words it stands for (None: the run ends there)

    def resolve(w: str, depth: int) -> tuple | None:
        """The cut of `w` this article supports; its parts cut again where they are glued too
        ("KetuaDPRRIPuan" -> "Ketua" | "DPR RI" "Puan")."""
        if w in unsplittable:
            return None
        plan = plans.get(w)
        if plan is None:
            plan = plans[w] = _plan(lex, w) if len(w) >= 2 * _MIN_PART or w.isupper() and len(w) >= 4 else ()
            if not plan:
                unsplittable.add(w)
                return None
        return _again(_apply(plan, body, w, seen, known, sub if depth < 3 else None), w, depth)

    def sub(part: str, depth: int = 1) -> tuple | None:
        cut = resolve(part, depth)
        if cut is None:  # after a title, an acronym glued to a name is cut there whatever the article
            plan = plans.get(part) or ()  # uses: "Ketua|DPR|Sufmi"
            if plan and plan[0][0] == "acronym":
                return plan[0][1]
        return cut

    def _again(cut: tuple | None, w: str, depth: int) -> tuple | None:
        if cut is None or depth >= 3:
            return cut
        out: list | None = None
        for i, part in enumerate(cut):  # (only a part with capitals inside can be glued again)
            if part is not None and part != w and not part[1:].islower() and part not in known and (
                    part.isupper() or part not in seen):
                more = resolve(part, depth + 1)
                if more:
                    out = list(cut[:i]) if out is None else out
                    out.extend(more)
                    continue
            if out is not None:
                out.append(part)
        return cut if out is None else tuple(out)

    for w in (seen - known) - unsplittable:  # (set operations run in C, over the article's words)
        plan = plans.get(w)
        if plan is None:
            plan = plans[w] = _plan(lex, w) if len(w) >= 2 * _MIN_PART or w.isupper() and len(w) >= 4 else ()
            if not plan:
                unsplittable.add(w)
                continue
        cut = _apply(plan, body, w, seen, known, sub)
        if cut is not None:
            cuts[w] = _again(cut, w, 0)
    if not cuts:
        return runs, seen
    out = dict(runs)
    for run in _runs_with(joined, cuts):
        n = runs[run]
        if cuts.keys().isdisjoint(run.split(" ")):
            continue
        if out[run] == n:
            del out[run]
        else:
            out[run] -= n
        for piece in _pieces(run.split(" "), cuts):
            out[piece] = out.get(piece, 0) + n
    for parts in cuts.values():
        seen.update(part for part in parts if part)
    return out, seen


def _runs_with(joined: str, words) -> set[str]:
    """The runs (lines of `joined`) that hold one of `words`, found with str.find."""
    found = set()
    for w in words:
        i = joined.find(w)
        while i >= 0:
            start = joined.rfind("\n", 0, i) + 1
            end = joined.find("\n", i)
            end = len(joined) if end < 0 else end
            found.add(joined[start:end])
            i = joined.find(w, end)
    return found


def _plan(lex: Lexicon, w: str) -> tuple:
    """The splits `w` allows, best first, as (kind, parts, condition) triples (see _apply)."""
    if "-" in w:
        first, _, rest = w.partition("-")
        if first == rest and len(first) >= 2 and first.isupper():
            return (("double", (first,), None),)  # "PMN-PMN", "BUMN-BUMN": an acronym repeated for a plural
            # (not "Undang-Undang", "Bangsa-Bangsa": words written so)
    if w.isupper():
        for i in range(2, len(w) - 1):
            pair = w[:i] + " " + w[i:]  # "DPRRI": "DPR RI", a known name glued
            if pair in lex.known_forms:
                return (("known", (pair,), None),)
        title = w.title()  # a shouted word
        if len(w) >= 5 and w.isalpha():
            static = title in lex.never_alone or w.lower() in lex.generic or is_common(w.lower())
            return (("caps", (title,), static),)
        return ()
    if w[1:].islower() and w.lower() in common_roots():
        return ()  # a word of the dictionary ("Batubara"), not two glued
    if w.lower() in lex.generic or is_medium(lex, w):
        return ()  # a medium's name ("CNNIndonesia", "KompasTekno") is no glued pair: it names nothing at all
    if "-" in w:
        first, _, rest = w.partition("-")  # "Dudung-Gus Ipul", "Aceh-Sumut": two names
        if len(first) >= _MIN_PART and rest[:1].isupper() and first != rest:
            return (("pair", (first, None, rest), None),)
        return ()
    if "'" in w:
        return ()
    out = []
    for i in range(2, len(w) - _MIN_PART + 1):
        if w[i].isupper() and w[i - 1].isupper() and w[i + 1:i + 2].islower():
            out.append(("acronym", (w[:i], w[i:]), None))  # "RIPrabowo"
            break
        if w[i].isupper() and w[i - 1].islower():
            if w[:i].endswith("detik"):
                break  # "DilansirdetikJatim": a publisher's sub-brand (a credit), no place
            if i >= _MIN_PART:
                out.append(("camel", (w[:i], None, w[i:]), w[:i].lower() in lex.generic))  # "WidiariniRhenald",
                # "LenovoLenovo"; "KetuaDPRRIPuan" (a title first) also when the rest is glued again
            break
    if not w[-1].islower():
        return tuple(out)  # (a camel-case word that ends in lowercase may have a word glued on too:
        # "Line SplitBillterbukti")
    stop = T.stopwords()
    roots = common_roots()
    for i in range(len(w) - 2, _MIN_PART - 1, -1):  # a lowercase word glued on, longest first part first
        rest = w[i:]
        if not rest.islower():
            break
        if rest in stop or (len(rest) >= 5 and rest in roots) or (len(rest) >= 6 and rest.startswith(_AFFIXED)
                                                                    and is_common(rest)):
            out.append(("lower", (w[:i], None), rest in stop))
    for i in range(_MIN_PART, len(w) - 6):  # an affixed verb glued on: "Dwi|membuat", "Kasus|dilaporkan"
        rest = w[i:]
        if rest.startswith(_GLUED_VERB_PREFIXES) and rest not in roots and is_common(rest):
            out.append(("verb", (w[:i], None), None))
            break
    for i in range(5, len(w) - 2):  # (the longest function word: "Maharani|mengatakan", not "...mengat|akan")
        if w[i:] in lex.glued_function_words and w[i - 1].islower():
            out.append(("function", (w[:i], None), None))
            break
    return tuple(out)


def _apply(plan: tuple, body: str, w: str, seen: set[str], known: frozenset[str], sub=None) -> tuple | None:
    """The first split of `plan` that this article supports (`sub`: the cut of a part glued
    again, or None)."""
    n = 0  # how often the article writes `w` (counted only when a split needs to know)
    for kind, parts, condition in plan:
        first = parts[0]
        if kind == "lower":
            # the first part is used on its own (or is two such words glued: "KotaCimahi|mengambil");
            # a dictionary word (not a stopword) only on a one-off
            if first in seen or first in known or not first[1:].islower() and _known_pair(first, seen, known):
                if condition:
                    return parts
                n = n or body.count(w)
                if n == 1:
                    return parts
        elif kind == "caps":
            if condition or first in seen or first in known:
                return parts
        elif kind == "pair":
            rest = parts[2]
            if (first in seen or first in known) and (rest in seen or rest in known):
                return parts
        elif kind == "acronym":
            if parts[1] in seen or parts[1] in known:
                return parts
        elif kind == "camel":
            rest = parts[2]
            if (rest in seen or rest in known) and (first in seen or first in known or body.count(w) == 1):
                return parts
            if (first in seen or first in known) and rest.lower() in common_roots() and rest not in known \
                    and body.count(w) == 1:
                return parts  # "Arya|Kasur": a name, then a word of the dictionary opening a caption
            if condition and rest[1:].islower():
                return parts  # "GedungKementerian": a generic word, which names nothing, then a name
            if condition and sub is not None:
                more = sub(rest)  # "KetuaDPRRIPuan", "KotaCimahimengambil": a title or generic word, then
                if more:  # a word glued again (the title stays in the run: it cuts a name there anyway)
                    return (first, *more)
        elif kind == "known":
            return parts
        elif kind == "verb" and (n or body.count(w)) == 1:
            return parts
        elif kind == "function" and body.count(w) == 1:
            return parts
        elif kind == "double":
            return parts
    return None


def _known_pair(w: str, seen: set[str], known: frozenset[str]) -> bool:
    """Is `w` two capitalised words the article or the lexicon uses, glued ("KotaCimahi")?"""
    if w[1:].islower():
        return False
    for i in range(_MIN_PART, len(w) - _MIN_PART + 1):
        if w[i].isupper() and w[i - 1].islower():
            a, b = w[:i], w[i:]
            return (a in seen or a in known) and (b in seen or b in known)
    return False


def _pieces(words: list[str], cuts: dict[str, tuple]) -> list[str]:
    """The runs that `words` make once its glued words are cut."""
    out: list[str] = []
    cur: list[str] = []
    for w in words:
        cut = cuts.get(w)
        if cut is None:
            cur.append(w)
            continue
        for part in cut:
            if part is None:
                if cur:
                    out.append(" ".join(cur))
                cur = []
            else:
                cur.append(part)
    if cur:
        out.append(" ".join(cur))
    return out
