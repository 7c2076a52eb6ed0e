"""What is wrong with one config.toml value, as a phrase that ends in the fix.

Each check returns "" for a good value. config.py puts the file and the key in front, so a
bad value fails at load time with one line instead of at send or publish time. Nothing
here reads config.toml; the unknown-key check works on what config.py asked for.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# RFC 1123 host names; RFC 4151 DNScomp is the same label shape.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DNS_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
# RFC 3986 path characters (pchar and "/"); anything else must be percent-encoded.
_URL_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$")
# RFC 4151: emailAddress = 1*(alphaNum / "-" / "." / "_") "@" DNSname; date = year ["-" month ["-" day]]
_TAG_USER = re.compile(r"^[A-Za-z0-9._-]+$")
_TAG_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def one_line(text: str) -> str:
    """`text` with control, format and line-separator characters written as escapes."""
    return "".join(_escape(c) if _unprintable(c) else c for c in text)


def _unprintable(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _first_bad(value: str, allowed: str = "") -> str:
    return next((c for c in value if c not in allowed and _unprintable(c)), "")


def text_problem(value: str, allowed: str = "") -> str:
    """Control characters break XML feeds and mail headers; `allowed` may name some ("\\n\\t")."""
    bad = _first_bad(value, allowed)
    return f"contains the control character {_escape(bad)}; remove it" if bad else ""


def url_problem(value: str) -> str:
    """An absolute http(s) URL with a host, to which paths are appended (no query or fragment)."""
    if not value.startswith(("https://", "http://")):
        return f"{value!r} is not an absolute URL; write it as https://host/path"
    if bad := next((c for c in value if c.isspace() or _unprintable(c)), ""):
        return f"{value!r} contains {'a space' if bad == ' ' else _escape(bad)}; remove it (write a space in a path as %20)"
    if "?" in value or "#" in value:
        return f"{value!r} has a query or fragment; paths are appended to it, so write only https://host/path"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        return f"{value!r} is not a URL ({exc}); write it as https://host/path (a port is 1-65535)"
    if "@" in parts.netloc:
        return f"{value!r} carries a user name or password; remove it (every published link would show it)"
    if not parts.hostname:
        return f"{value!r} has no host; write it as https://host/path"
    if port == 0:
        return f"{value!r}: port 0 is not a port; use 1-65535 or leave the port out"
    if problem := host_problem(parts.hostname):
        return f"{value!r}: {problem}"
    if not _URL_PATH.fullmatch(parts.path):
        return f"{value!r}: the path has characters a URL cannot carry as they are; percent-encode them (%xx)"
    return ""


def host_problem(host: str) -> str:
    """A DNS host name or an IP address."""
    try:
        ipaddress.ip_address(host)
        return ""
    except ValueError:
        pass
    if DNS_NAME.fullmatch(host) and len(host) <= 253:
        return ""
    if not host.isascii():
        try:
            ascii_form = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_form = ""
        if ascii_form and DNS_NAME.fullmatch(ascii_form):
            return f"host {host!r} is not ASCII; write its ASCII form {ascii_form!r}"
    return f"host {host!r} is not a host name (letters, digits and '-' in dot-separated labels) or an IP address"


def tag_authority_problem(value: str) -> str:
    """RFC 4151 taggingEntity: authorityName "," date, the authority a domain or an e-mail address."""
    fix = (
        '; write it as "yourdomain.example,2024": a domain or e-mail address the site held on that date, '
        "a comma, the date as YYYY, YYYY-MM or YYYY-MM-DD (RFC 4151). It is part of every feed and item id, "
        "so choose it once: it can never change after feeds are published"
    )
    name, comma, when = value.rpartition(",")
    if not comma:
        return f"{value!r} has no ',date'{fix}"
    user, at, domain = name.rpartition("@")
    if not DNS_NAME.fullmatch(domain) or len(domain) > 253 or (at and not _TAG_USER.fullmatch(user)):
        return f"{name!r} is neither a domain name nor an e-mail address{fix}"
    match = _TAG_DATE.fullmatch(when)
    if not match:
        return f"{when!r} is not a date{fix}"
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return f"{when!r} is not a real date{fix}"
    return ""


def sender_problem(value: str) -> str:
    """One mailbox, "Name <user@domain>" or "user@domain", that smtplib can send from."""
    fix = 'write it as "Nama Situs <redaksi@domain.example>" or "redaksi@domain.example"'
    if bad := _first_bad(value):
        return f"{value!r} contains the control character {_escape(bad)}; {fix}"
    try:
        from email import policy  # 30 ms of imports: only when a sender is checked

        header = policy.default.header_factory("From", value)
    except Exception as exc:  # the header parser's own failures are not all ValueError
        return f"{value!r} is not an e-mail address ({type(exc).__name__}); {fix}"
    addresses = header.addresses
    if header.defects or len(addresses) != 1 or not addresses[0].username or not addresses[0].domain:
        more = " (quote a name that has a comma: \"\\\"Warta, Nusantara\\\" <...>\")" if "," in value else ""
        return f"{value!r} is not one e-mail address{more}; {fix}"
    address = addresses[0]
    if not address.addr_spec.isascii():
        return f"{value!r}: the address must be ASCII (write the domain in its xn-- form); {fix}"
    if not DNS_NAME.fullmatch(address.domain) or "." not in address.domain:
        return f"{value!r}: {address.domain!r} is not a mail domain; {fix}"
    return ""


def env_name_problem(value: str) -> str:
    if _ENV_NAME.fullmatch(value):
        return ""
    return f"{value!r} is not an environment variable name; use letters, digits and '_', e.g. \"NEWSFEED_SECRET\""


def zone_problem(name: str) -> str:
    """An IANA time zone that zoneinfo (the system's or the tzdata package's) knows."""
    fix = f"{name!r} is not an IANA time zone; use for example \"Asia/Jakarta\""
    # zoneinfo opens the name as a file path: keep it to the shape of zone keys first
    if not re.fullmatch(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*", name) or len(name) > 100:
        return fix
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Asia"
        return fix
    return ""


# Output folder and store -----------------------------------------------------


def output_dir_problem(output: Path, root: Path, store: Path, templates: Path, sources: Iterable[Path], written: str = "") -> str:
    """Why publishing into `output` (served as is by `newsfeed serve`) could overwrite or expose
    the site's own files. Every path is already resolved; `written` is the value as configured."""
    fix = 'use a dedicated folder such as "feeds"'
    shown = _shown_path(output, written)
    if output.parent == output:
        return f"{shown} is the file system root; {fix}"
    if output == root:
        return f"{shown} is the site folder (config.toml and the store would be served from it); {fix}"
    if root.is_relative_to(output):
        return f"{shown} contains the site folder and its config.toml; {fix}"
    for source in sources:
        if output.is_relative_to(source):
            return f"{shown} is inside the source folder {str(source)!r}; {fix}"
        if source.is_relative_to(output):
            return f"{shown} contains the source folder {str(source)!r}; {fix}"
    if store.is_relative_to(output):
        return f"{shown} contains the store {str(store)!r} (subscriber addresses would be served); {fix}, or move store.path out of it"
    if templates.is_relative_to(output):
        return f"{shown} contains the templates folder {str(templates)!r}; {fix}"
    if output.exists() and not output.is_dir():
        return f"{shown} is a file, not a folder; {fix}"
    return ""


def store_problem(store: Path, sources: Iterable[Path], written: str = "") -> str:
    shown = _shown_path(store, written)
    if store.is_dir():
        return f"{shown} is a folder; name the store file, e.g. \"data/newsfeed.sqlite3\""
    for source in sources:
        if store.is_relative_to(source):
            return f"{shown} is inside the source folder {str(source)!r}; keep the store outside the sources, e.g. \"data/newsfeed.sqlite3\""
    return ""


def _shown_path(resolved: Path, written: str) -> str:
    return f"{written!r} ({resolved})" if written and written != str(resolved) else repr(str(resolved))


# Unknown keys -----------------------------------------------------------------


def show_key(parts: tuple[str, ...]) -> str:
    """A dotted key as written in TOML, quoting parts that are not bare keys."""
    return ".".join(p if _BARE_KEY.fullmatch(p) else _quoted(p) for p in parts)


def _quoted(part: str) -> str:
    """A TOML basic string: quotes, backslashes and unprintable characters escaped."""
    out = []
    for c in part:
        if c in '"\\':
            out.append("\\" + c)
        elif _unprintable(c):
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _general(parts: tuple[str, ...]) -> tuple[str, ...]:
    """Array indices made alike: every [[sources]] table takes the same keys."""
    return tuple("#" if p.isdigit() else p for p in parts)


class KeyIndex:
    """The keys config.py asked for, to tell unknown keys from known ones and suggest the nearest."""

    def __init__(self, asked: set[tuple[str, ...]], wholesale: set[tuple[str, ...]]):
        self.asked = asked
        self.wholesale = wholesale
        self.containers = {p[:i] for p in asked for i in range(1, len(p))}
        known = asked | self.containers
        self.general = {_general(p) for p in known}
        self.arrays = {_general(p[:i]) for p in known for i in range(1, len(p)) if p[i].isdigit()}
        self.general_containers = {_general(p) for p in self.containers}
        self.tables = self.general_containers - self.arrays

    def first_unknown(self, raw: dict) -> tuple[tuple[str, ...], object] | None:
        """The first key of `raw`, in file order, that nothing asked for."""
        return self._walk(raw, ())

    def _walk(self, node, path: tuple[str, ...]):
        if path in self.wholesale or (path and path not in self.containers):
            return None  # read as one value (a free-form table, a list of strings)
        items = enumerate(node) if isinstance(node, list) else node.items()
        for name, child in items:
            sub = (*path, str(name))
            if sub not in self.asked and sub not in self.containers:
                return sub, child
            if isinstance(child, (dict, list)) and (found := self._walk(child, sub)):
                return found
        return None

    def describe(self, parts: tuple[str, ...], value: object) -> str:
        """'[feed]: unknown table; did you mean [feeds]?' and the like."""
        shown = self._show(parts, value)
        kind = "table" if isinstance(value, dict) or _is_array_of_tables(value) else "key"
        if _general(parts) in self.general:
            return f"{shown}: not used in this table; remove it"
        parent = _general(parts[:-1])
        siblings = sorted({g[-1] for g in self.general if len(g) == len(parts) and g[:-1] == parent and g[-1] != "#"})
        near = difflib.get_close_matches(parts[-1], siblings, n=1, cutoff=0.6)
        if near:
            return f"{shown}: unknown {kind}; did you mean {self._show((*parts[:-1], near[0]))}?"
        elsewhere = sorted(g for g in self.general if "#" not in g and len(g) > 1 and g not in self.general_containers)
        near = difflib.get_close_matches(parts[-1], [g[-1] for g in elsewhere], n=1, cutoff=0.8)
        if near:
            target = next(g for g in elsewhere if g[-1] == near[0])
            return f"{shown}: unknown {kind}; did you mean {self._show(target)}?"
        if not siblings:
            return f"{shown}: unknown {kind}; remove it"
        if len(parts) == 1:
            return f"{shown}: unknown {kind}; the tables are {', '.join(self._show((s,)) for s in siblings)}"
        return f"{shown}: unknown {kind}; {self._show(parts[:-1])} takes {', '.join(siblings)}"

    def _show(self, parts: tuple[str, ...], value: object = None) -> str:
        general = _general(parts)
        if general in self.arrays or _is_array_of_tables(value):
            return f"[[{show_key(parts)}]]"
        if len(parts) == 1 and (general in self.tables or isinstance(value, dict)):
            return f"[{show_key(parts)}]"
        return show_key(parts)

    def near_miss(self, present: dict, wanted: str, path: tuple[str, ...]) -> str:
        """For a key that is missing: the key present in its place that looks like a typo of it."""
        candidates = [k for k in present if (*path, k) not in self.asked and (*path, k) not in self.containers]
        near = difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.6)
        if not near:
            return ""
        value = present[near[0]]
        found, meant = (*path, near[0]), (*path, wanted)
        if _is_array_of_tables(value):
            return f" ([[{show_key(found)}]] is there: a typo for [[{show_key(meant)}]]?)"
        if isinstance(value, dict) and not path:
            return f" ([{show_key(found)}] is there: a typo for [{show_key(meant)}]?)"
        return f" ({show_key(found)} is there: a typo for {show_key(meant)}?)"


def _is_array_of_tables(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
