"""Scraper furniture inside the running text that names things the article is not about.

Scrapers that drop line breaks leave links to other stories inline: "Baca juga: Ibrahimovic
Bela Messi yang seperti Main dengan Patung di Inter Miami Selain itu, ...", "Pilihan Editor:
...", "Simak juga Video '...'", "Mari bergabung di Kanal WhatsApp ...". Their headlines are Title Case, so every word would count as a
name. Such a link is cut out: a quoted title to its closing quote, an unquoted one up to the
sentence that follows it (the first lowercase word that a headline would not write in lowercase;
the capitalised word before it opens that sentence and stays).

A dateline ("TEMPO.CO, Jakarta -", "JAKARTA, KOMPAS.com -", "Jakarta, CNN Indonesia --") is the
publisher's credit, not a mention of its city: it is cut off the text's start.

A photo credit ("KOMPAS.com/ADIL NURSALAM", often glued to the caption that follows it) names
the photographer, not a subject: it is cut out.
"""

from __future__ import annotations

import re

_LEAD = re.compile(
    r"(?:Baca|BACA) (?:[Jj]uga|JUGA|[Pp]ula|[Ss]elengkapnya|[Aa]rtikel|[Bb]erita)|(?:Pilihan|PILIHAN) (?:[Ee]ditor|EDITOR|[Rr]edaksi)"
    r"|(?:Simak|Tonton|Lihat|Saksikan) (?:[Jj]uga|[Vv]ideo|[Ll]ive)(?: [Vv]ideo)?|Artikel ini telah tayang"
    r"|(?:Berita|Artikel) [Tt]erkait|Mari bergabung"  # (a promotion of the publisher's channels)
)
_QUOTES = {"'": "'", '"': '"'}
# lowercase words that a Title Case headline writes in lowercase
_HEADLINE_LOWER = frozenset(
    """di ke dari dan yang untuk dengan soal atau jadi karena bagi pada ini itu usai jelang hingga sampai vs
    pun juga tak tidak bukan sebagai saat demi oleh akan agar lewat buat kata tapi tetapi meski hanya ada
    se per dalam atas antara tanpa terhadap sejak selama setelah sebelum
    bin binti van von de der den da dos del al el la le""".split()  # (the last: particles of names)
)
_MAX_WORDS = 30
# the publisher's credit opening the text, with the city it was filed from
_CREDIT = r"(?:KOMPAS\.com|TEMPO\.CO|CNN Indonesia|CNNIndonesia\.com|detik(?:com|\w+)?|ANTARA(?:NEWS)?|Liputan6\.com)"
_DATELINE = re.compile(
    r"\s*(?:(?:[A-Z][A-Za-z.'-]*(?: [A-Z][A-Za-z.'-]*){0,2}),\s*" + _CREDIT + r"|" + _CREDIT
    + r"(?:,\s*[A-Z][A-Za-z.'-]*(?: [A-Z][A-Za-z.'-]*){0,2})?|[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*){0,2} \((?:ANTARA|Antara)\))"
    r"\s*(?:[-\u2013\u2014]+|(?=[A-Z]))\s*"
)
_TOKEN = re.compile(r"[^ ]+")
# a medium or agency, a slash, the photographer's name: in capitals up to the caption's first
# capitalised word ("NURSALAMPemain" -> "NURSALAM" + "Pemain"), else its capitalised words and an
# editor's code ("ANTARA FOTO/Aprillio Akbar/rwa")
_PHOTO_MEDIA = ("KOMPAS.com", "KOMPAS.COM", "TEMPO", "ANTARA FOTO", "AFP", "REUTERS", "AP", "SHUTTERSTOCK", "Dok", "DOK")
_PHOTO_MEDIA_SLASH = tuple(m + "/" for m in _PHOTO_MEDIA) + ("TEMPO.CO/", "Dok./", "DOK./")
_PHOTO_CREDIT = re.compile(
    r"\b(?:" + "|".join(re.escape(m) for m in _PHOTO_MEDIA) + r")(?:\.CO|\.)?/(?:[A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*)*(?![a-z])|[A-Z][a-z'-]*(?:(?!\w)\.?|(?=[A-Z][a-z]))(?: [A-Z][a-z'-]*(?:(?!\w)\.?|(?=[A-Z][a-z]))){0,2})(?:/[a-z]+)?"
)


_LEAD_WORDS = ("Baca", "BACA", "Pilihan", "PILIHAN", "Simak", "Tonton", "Lihat", "Saksikan", "Artikel", "Berita",
               "Mari")


def strip_dateline(text: str) -> str:
    """`text` without the dateline that opens it, if any."""
    m = _DATELINE.match(text, 0, 120)
    return text[m.end():] if m else text


def strip_photo_credits(text: str) -> str:
    """`text` without photo credits; each leaves a line break (a caption starts after it)."""
    if not any(medium in text for medium in _PHOTO_MEDIA_SLASH):  # (a substring test is far cheaper than the pattern)
        return text
    return _PHOTO_CREDIT.sub("\n", text)


def strip_links(text: str) -> str:
    """`text` without the inline links to other stories."""
    found = []  # (the lead words are found with str.find, far faster than a search with the pattern)
    for word in _LEAD_WORDS:
        i = text.find(word)
        while i >= 0:
            m = _LEAD.match(text, i)
            if m:
                found.append((i, m.end()))
            i = text.find(word, i + 1)
    if not found:
        return text
    found.sort()
    out = []
    pos = 0
    for start, end in found:
        if start < pos:
            continue
        out.append(text[pos:start])
        if text.startswith("Artikel ini telah tayang", start):
            nl = text.find("\n", end)  # "... di Surya.co.id dengan judul ...": a credit and a headline, to the end
            pos = len(text) if nl < 0 else nl
            continue
        pos = _link_end(text, end)
    out.append(text[pos:])
    return "\n".join(out)  # (what follows a link starts a paragraph)


def _link_end(text: str, i: int) -> int:
    """Where the linked headline that starts at `i` (after its lead words) ends."""
    n = len(text)
    while i < n and text[i] in " :-\u2013\u2014":
        i += 1
    if i < n and text[i] in _QUOTES:
        close = text.find(_QUOTES[text[i]], i + 1, i + 300)
        if close > 0:
            j = close + 1
            while j < n and text[j] in " :":
                j += 1
            if text.startswith("di sini", j):
                j += 7
            return j
    last_capital = i  # start of the last capitalised word seen
    end = i
    for count, m in enumerate(_TOKEN.finditer(text, i)):
        if count >= _MAX_WORDS:
            break
        token = m.group()
        first = token[0]
        if first.islower() and token.rstrip(",.:;?!") not in _HEADLINE_LOWER:
            return last_capital  # the capitalised word before opens the next sentence
        if first.isupper():
            last_capital = m.start()
        end = m.end()
    return end
