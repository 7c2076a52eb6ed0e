"""The text of an HTML page from its bytes: byte order mark, HTTP header, then <meta> wherever it sits.

lxml reads a <meta charset> only near the top of the file and otherwise guesses Latin-1, so
a page whose declaration comes late turned into mojibake. Here the whole file is searched,
and a declared single-byte charset loses to UTF-8 when the bytes are valid UTF-8 with
multi-byte characters (servers and CMS templates often say ISO-8859-1 by default; real
Latin-1 text is practically never valid UTF-8).
"""

from __future__ import annotations

import codecs
import re

from newsfeed.errors import SourceError

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)"""  # <meta charset> and http-equiv content
    rb"""|<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:+-]+)""",
    re.IGNORECASE,
)
_HEADER = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in HTML, whatever they say.
_WINDOWS_1252 = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1", "ascii", "us-ascii", "cp819", "ibm819"}
_SINGLE_BYTE_FAMILIES = ("cp125", "iso8859", "latin", "cp437", "cp850", "mac-roman", "koi8")


def decode(raw: bytes, content_type: str | None = None) -> str:
    """The page as text; raises SourceError only for bytes that cannot be a web page."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")
    declared = _codec(_header_charset(content_type)) or _meta_charset(raw)
    if declared in ("utf-16-le", "utf-16-be", "utf-16", "utf-32"):
        declared = "utf-8"  # a UTF-16 page without a BOM was not saved as UTF-16 (the meta is ASCII)
    if declared is None or declared == "utf-8" or _single_byte(declared):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if declared and declared != "utf-8":
        return raw.decode(declared, errors="replace")
    text = raw.decode("utf-8", errors="replace")
    if declared == "utf-8" and text.count("\ufffd") * 20 <= sum(1 for c in text if c > "\x7f"):
        return text  # UTF-8 with a few broken bytes (a cut multi-byte character)
    return _undeclared(raw)


def _header_charset(content_type: str | None) -> str:
    match = _HEADER.search(content_type or "")
    return match.group(1) if match else ""


def _meta_charset(raw: bytes) -> str | None:
    """The first declaration in the file that names a known encoding."""
    for match in _META.finditer(raw):
        codec = _codec((match.group(1) or match.group(2)).decode("ascii", "replace"))
        if codec:
            return codec
    return None


def _codec(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    if label in _WINDOWS_1252:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    return "utf-8" if name in ("utf-8", "utf-8-sig", "utf8") else name


def _single_byte(codec: str) -> bool:
    return codec.replace("_", "-").startswith(_SINGLE_BYTE_FAMILIES)


def _undeclared(raw: bytes) -> str:
    """Invalid UTF-8 with no declaration: windows-1252 for Latin script, else the detected encoding."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if best is not None and all("Latin" in a or "Punctuation" in a or "Control" in a for a in best.alphabets):
        # a Latin-script page: on a few accented letters the detector's pick among the
        # Latin code pages is a coin toss; the web's default for undeclared pages is windows-1252
        encoding = "cp1252"
    try:
        return raw.decode(encoding, errors="replace")
    except LookupError:  # pragma: no cover - charset_normalizer names only Python codecs
        raise SourceError("the page's character encoding is unknown; save it as UTF-8") from None
