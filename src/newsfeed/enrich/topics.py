"""Topics: the named subjects of an article (countries, people, organisations, events).

`extract_topics` finds runs of capitalised words in the body ("Korea Utara", "Volodymyr
Zelensky", "Komisi Pemberantasan Korupsi"), cuts them at generic words (titles such as
"Presiden" or "Menteri", day and month names, "Minggu malam", stopwords) and at country
names ("Presiden Ukraina Volodymyr Zelensky" -> "Ukraina", "Volodymyr Zelensky"), skips a
capitalised word that only starts a sentence or a quotation, merges a person's surname with
the full name given earlier ("Zelensky" -> "Volodymyr Zelensky") and an acronym with the
name it abbreviates, maps aliases to their canonical name, and ranks by salience: mentions,
plus a bonus when the subject is in the headline or the first paragraph. Deterministic;
ties are broken by name. Editor tags come first; blocked topics never appear; `always`
topics appear whenever their name occurs in the headline or text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping

from newsfeed.config import TopicSettings
from newsfeed.enrich import text as T

__all__ = ["extract_topics", "topic_slug", "section_topics", "DEFAULT_ALIASES", "MAX_TOPICS"]

MAX_TOPICS = 8
MIN_MENTIONS = 2

DEFAULT_ALIASES = {
    "Korut": "Korea Utara", "Korsel": "Korea Selatan", "AS": "Amerika Serikat", "Amerika": "Amerika Serikat",
    "RI": "Indonesia", "US": "Amerika Serikat", "Republik Indonesia": "Indonesia", "Tiongkok": "China", "Cina": "China",
    "Inggris Raya": "Inggris", "PBB": "Perserikatan Bangsa-Bangsa", "Jakarta Pusat": "Jakarta",
}

_COUNTRIES = frozenset(
    """Afghanistan Afrika Aljazair Amerika Arab Argentina Armenia Australia Austria Azerbaijan Bangladesh
    Belanda Belarus Belgia Brasil Brunei Bulgaria Chili China Denmark Ekuador Filipina Finlandia Georgia
    Ghana Hungaria India Indonesia Inggris Irak Iran Irlandia Islandia Israel Italia Jepang Jerman
    Kamboja Kanada Kazakhstan Kenya Kolombia Korea Kroasia Kuba Kuwait Laos Lebanon Libya Malaysia
    Maroko Meksiko Mesir Mongolia Myanmar Nepal Nigeria Norwegia Pakistan Palestina Peru Polandia
    Portugal Prancis Qatar Rumania Rusia Selandia Serbia Singapura Spanyol Sudan Suriah Swedia Swiss
    Taiwan Tanzania Thailand Tunisia Turki Ukraina Uruguay Uzbekistan Venezuela Vietnam Yaman Yordania
    Yunani Gaza Eropa Asia AS US""".split()
)

# Words that are never a topic and never start or end one (capitalised in news prose).
_GENERIC = frozenset(
    w.lower()
    for w in """Presiden Wapres Wakil Menteri Menko Mendagri Menlu Menkeu Gubernur Wagub Bupati Wabup Walikota
    Wali Kota Kabupaten Provinsi Kecamatan Desa Kelurahan Ketua Kepala Kadis Direktur Dirut Sekretaris Sekjen
    Jenderal Juru Bicara Jubir Panglima Komandan Kapolri Kapolda Kapolres Kapolsek Kasat Kapten Pelatih
    Pemain Hakim Jaksa Anggota Staf Umum Pengamat Dekan Rektor Dosen Guru Dokter Dr Prof Ir Drs SH MH
    Pak Bu Bapak Ibu Mas Mbak Bang Kak Sang Tuan Nyonya Raja Ratu Pangeran Perdana PM Kanselir Duta Besar
    Dubes Senator Gubernur Pemerintah Pemprov Pemkot Pemkab Kementerian Kantor Jalan Jl Gedung Rumah
    Senin Selasa Rabu Kamis Jumat Sabtu Minggu Ahad Januari Februari Maret April Mei Juni Juli Agustus
    September Oktober November Desember Pagi Siang Sore Malam Hari Pekan Tahun Bulan Tanggal Pukul WIB WITA
    WIT GMT Rp USD Dolar Persen Foto Video Sumber Redaksi Penulis Editor Reporter Baca Simak Lihat Berita
    ADVERTISEMENT SCROLL CONTINUE WITH CONTENT Kompas KOMPAS Tempo TEMPO CNN Detik detikcom Antara Liputan
    Kata Ujar Menurut Namun Selain Sementara Meski Meskipun Karena Sebelumnya Kemudian Adapun Dalam Saat
    Pada Untuk Dengan Dari Oleh Bagi Ini Itu Hal Para Sejumlah Berikut Yang Tak Tidak Bukan Ya Oke
    Pasal Pilihan Fitur Harga Dikutip Hujan Temuan Air Gedung Cuaca Fenomena Info Cek Daftar
    Cara Jadwal Link Profil Sinopsis Kronologi Update Breaking Terkini""".split()
)

# Generic only on their own ("Dunia" is not a topic, "Piala Dunia" is).
_GENERIC_ALONE = frozenset({"Dunia", "Bumi", "Piala", "Liga", "Timnas", "Antarklub", "Kualifikasi"})

_RUN = re.compile(
    r"(?:[A-Z][\w'’.-]*|[A-Z]{2,})(?:[ \u00a0](?:[A-Z][\w'’-]*|[A-Z]{2,}|bin|binti|van|de|al|el|da|von))*"
    r"(?:[ \u00a0](?:[A-Z][\w'’-]*|[A-Z]{2,}))?"
)
_SENTENCE_END = re.compile(r"[.!?:;\"'(\[\n]\s*$")
_ACRONYM_DEF = re.compile(r"([A-Z][\w-]*(?:\s+(?:[A-Z][\w-]*|dan|untuk|di|atau))+)\s*\(([A-Z][A-Za-z]{1,9})\)")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def topic_slug(name: str) -> str:
    """ASCII, lowercase, hyphen-separated, stable: "Korea Utara" -> "korea-utara"."""
    return _SLUG_DROP.sub("-", T.fold_ascii(name).lower()).strip("-") or "topik"


def _canonical(name: str, aliases: Mapping[str, str]) -> str:
    return aliases.get(name, name)


def _split(words: list[str], stop: frozenset[str]) -> list[list[str]]:
    """Cut one capitalised run at generic words and country names."""
    parts: list[list[str]] = []
    cur: list[str] = []
    for w in words:
        low = w.lower().rstrip(".")
        if low in _GENERIC or (low in stop and not w.isupper()) or low.isdigit():
            if cur:
                parts.append(cur)
            cur = []
            continue
        if w in _COUNTRIES and cur and cur[-1] not in _COUNTRIES and cur[-1] not in ("Korea", "Amerika", "Afrika"):
            parts.append(cur)
            cur = [w]
            continue
        if cur and cur[-1] in _COUNTRIES and w[0].isupper() and (cur[-1], w) not in _COUNTRY_PAIRS:
            parts.append(cur)
            cur = [w]
            continue
        cur.append(w)
    if cur:
        parts.append(cur)
    # drop connector words left at the edges
    out = []
    for p in parts:
        while p and p[0].islower():
            p = p[1:]
        while p and p[-1].islower():
            p = p[:-1]
        if p:
            out.append(p)
    return out


_COUNTRY_PAIRS = frozenset(
    {("Korea", "Utara"), ("Korea", "Selatan"), ("Amerika", "Serikat"), ("Amerika", "Latin"), ("Afrika", "Selatan"),
     ("Arab", "Saudi"), ("Selandia", "Baru"), ("Uni", "Eropa"), ("Timur", "Tengah"), ("Asia", "Tenggara"),
     ("Asia", "Pasifik"), ("Eropa", "Timur"), ("Eropa", "Barat"), ("Afrika", "Utara")}
)


def _candidates(text: str, stop: frozenset[str]) -> list[tuple[str, int]]:
    """(name, offset) of every capitalised name in `text`, sentence-initial common words skipped."""
    out = []
    for m in _RUN.finditer(text):
        words = m.group(0).replace("\u00a0", " ").replace("’", "'").split(" ")
        start = m.start()
        initial = start == 0 or _SENTENCE_END.search(text, max(0, start - 3), start) is not None
        if initial and words and not words[0].isupper():
            first = words[0].lower()
            # a capital at a sentence start proves nothing: keep the word only if it is a
            # known name or written capitalised elsewhere mid-sentence
            if first in stop or first in _GENERIC or (words[0] not in _COUNTRIES and first in _lowercase_words(text)):
                words = words[1:]
                start = -1
        cleaned = []
        for w in words:
            w = w.strip(".'-")
            if w.endswith("-nya"):
                cleaned.extend((w[:-4], "nya"))  # "BAP-nya Reza": the clitic ends the name
            elif w:
                cleaned.append(w)
        for part in _split(cleaned, stop):
            name = " ".join(part)
            if name in _GENERIC_ALONE or len(name) < 2 or "." in name or (len(part) == 1 and len(name) < 3 and not name.isupper()):
                continue
            out.append((name, m.start()))
    return out


_LOWER_CACHE: dict[int, frozenset[str]] = {}


def _lowercase_words(text: str) -> frozenset[str]:
    key = id(text)
    hit = _LOWER_CACHE.get(key)
    if hit is None:
        _LOWER_CACHE.clear()
        hit = frozenset(re.findall(r"(?<![\w.])[a-z][a-z'-]+", text))
        _LOWER_CACHE[key] = hit
    return hit


def extract_topics(title: str, text: str, tags: tuple[str, ...], settings: TopicSettings) -> tuple[str, ...]:
    """Topics of one article: editor tags first, then extracted ones by salience, then name."""
    aliases = {**DEFAULT_ALIASES, **settings.aliases}
    blocked = {b.casefold() for b in settings.blocked}
    body = T.strip_boilerplate(T.normalize(text))
    head = T.normalize(title)
    stop = T.stopwords()
    result: list[str] = []

    def push(name: str) -> None:
        name = _canonical(" ".join(name.split()), aliases)
        if name and name.casefold() not in blocked and name not in result:
            result.append(name)

    for tag in tags:
        push(tag)

    found = _candidates(body, stop)
    counts: Counter[str] = Counter(name for name, _ in found)
    first_at: dict[str, int] = {}
    for name, at in found:
        first_at.setdefault(name, at)

    # acronyms defined in the text ("Komisi Pemberantasan Korupsi (KPK)") merge into the acronym
    merge: dict[str, str] = {}
    for long, short in _ACRONYM_DEF.findall(body):
        long = " ".join(w for w in long.split() if w.lower() not in _GENERIC) or long
        if long in counts and short in counts and short.lower() not in _GENERIC:
            merge[long] = short
    # a single word that ends (or starts) a longer name merges into it: Zelensky, Biden
    multi = sorted((n for n in counts if " " in n), key=lambda n: (-counts[n], n))
    for name in counts:
        if " " in name or name in merge or name in aliases or name in _COUNTRIES:
            continue
        for full in multi:
            parts = full.split()
            if parts[-1] == name or (parts[0] == name and len(parts) == 2 and parts[1] not in _COUNTRIES):
                if not any(p in _COUNTRIES for p in parts):
                    merge[name] = full
                    break
    scores: Counter[str] = Counter()
    firsts: dict[str, int] = {}
    for name, n in counts.items():
        target = _canonical(merge.get(name, name), aliases)
        scores[target] += n
        firsts[target] = min(firsts.get(target, 1 << 30), first_at[name])
    head_low = f" {head.lower()} "
    lead = len(body) // 5
    for name in list(scores):
        forms = [name] + [a for a, c in aliases.items() if c == name] + [f for f, t in merge.items() if t == name]
        if any(f" {f.lower()} " in head_low or f" {f.lower()}," in head_low or f" {f.lower()}:" in head_low for f in forms):
            scores[name] += 3
        if firsts[name] < lead:
            scores[name] += 1
    always = []
    for name in settings.always:
        canon = _canonical(name, aliases)
        pattern = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE)
        if pattern.search(body) or pattern.search(head):
            always.append(canon)
            scores[canon] += 0
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    taken = 0
    for name, score in ranked:
        if taken >= MAX_TOPICS or score < MIN_MENTIONS + 1:
            break
        if name.casefold() in blocked or name in result:
            continue
        push(name)
        taken += 1
    for name in always:
        push(name)
    return tuple(result)


def section_topics(counts_by_section: Mapping[str, Counter], limit: int) -> dict[str, tuple[str, ...]]:
    """The `limit` topics most characteristic of each section: weighted log-odds against the
    other sections (informative Dirichlet prior), topics seen in at least 2 articles of the
    section; ties by name. Deterministic."""
    total: Counter[str] = Counter()
    for c in counts_by_section.values():
        total.update(c)
    grand = sum(total.values()) or 1
    out: dict[str, tuple[str, ...]] = {}
    for section in sorted(counts_by_section):
        mine = counts_by_section[section]
        n_mine = sum(mine.values()) or 1
        n_rest = grand - n_mine or 1
        scored = []
        for name, c in mine.items():
            if c < 2:
                continue
            prior = 0.5 + 10.0 * total[name] / grand
            rest = total[name] - c
            a = math.log((c + prior) / (n_mine + 10.0 - c - prior))
            b = math.log((rest + prior) / (n_rest + 10.0 - rest - prior))
            z = (a - b) / math.sqrt(1.0 / (c + prior) + 1.0 / (rest + prior))
            scored.append((-z, name))
        out[section] = tuple(name for _, name in sorted(scored)[:limit])
    return out
