"""A country named inside an office's or a law's formal name, which is no mention of the country:
"Presiden ke-4 RI KH Abdurrahman Wahid", "Undang-Undang RI Nomor 31 Tahun 1999", "Undang-Undang
Republik Indonesia No. 20". The country is cut out of the text before names are counted (the
office and the law are not topics either way).
"""

from __future__ import annotations

import re

_COUNTRY = r"(?:RI|Republik Indonesia)"
_FORMAL = re.compile(
    r"(?<=\bke-\d) " + _COUNTRY + r"\b|(?<=\bke-\d\d) " + _COUNTRY + r"\b"  # "Presiden ke-4 RI"
    r"|(?<=\bUndang-Undang) " + _COUNTRY + r"(?= (?:Nomor|Nomer|No\.?|Tahun)\b)"  # "Undang-Undang RI Nomor 31"
    r"|(?<=\bUU) " + _COUNTRY + r"(?= (?:Nomor|Nomer|No\.?|Tahun)\b)"
)


def strip_formal_country(text: str) -> str:
    """`text` without the country codes of formal titles and law citations."""
    if " RI" not in text and "Republik Indonesia" not in text:
        return text
    return _FORMAL.sub("", text)
