"""A country named inside an office's or a law's formal name, which is no mention of the country:
"Presiden ke-4 RI KH Abdurrahman Wahid", "Undang-Undang RI Nomor 31 Tahun 1999", "Undang-Undang
Republik Indonesia No. 20". The country is cut out of the text before names are counted (the
office and the law are not topics either way). Found with str.find: a pattern searched over
the whole text costs far more.
"""

from __future__ import annotations

import re

_COUNTRIES = (" RI", " Republik Indonesia")
_ORDINAL = re.compile(r"\bke-\d{1,2}$")  # "Presiden ke-4 RI"
_LAW = ("Undang-Undang", "UU")  # "Undang-Undang RI Nomor 31"
_NUMBER = re.compile(r" (?:Nomor|Nomer|No\.?|Tahun)\b")


def strip_formal_country(text: str) -> str:
    """`text` without the country codes of formal titles and law citations."""
    cuts = []
    for country in _COUNTRIES:
        size = len(country)
        i = text.find(country)
        while i >= 0:
            j = i + size
            if j >= len(text) or not text[j].isalnum():
                before = text[max(0, i - 14):i]
                if _ORDINAL.search(before) or before.endswith(_LAW) and _NUMBER.match(text, j):
                    cuts.append((i, j))
            i = text.find(country, j)
    if not cuts:
        return text
    cuts.sort()
    out, pos = [], 0
    for i, j in cuts:
        out.append(text[pos:i])
        pos = j
    out.append(text[pos:])
    return "".join(out)
