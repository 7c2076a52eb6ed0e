"""Subscriber CSV files: read what spreadsheets and other newsletter tools write, line by line,
and write files no spreadsheet runs as formulas.

Reading. UTF-8 with or without a BOM, or UTF-16 with a BOM (Excel's "Unicode Text"). An Excel
`sep=;` first line names the delimiter; otherwise comma, semicolon or tab is chosen from the
first row: the one that makes it a header this module knows, else the one that starts it with
an address, else the one that splits it into most cells (comma on a tie). Quoting is strict: a
quote not closed on its line (it would swallow the rows after it) or text after a closing
quote rejects that line, and reading goes on at the next line. Headers are matched ignoring
case, spaces, "-", "_" and ".": newsfeed's own export (email,name,sections,status),
Mailchimp's ("Email Address", "First Name", "Last Name"; UNSUB_TIME in its unsubscribed
export, CLEAN_TIME in its cleaned one) and Substack's (email, name or first_name/last_name,
email_disabled); other columns are ignored. Without a header the columns are
email,name,sections.

Writing. A cell that starts with = + - @, a tab or a carriage return (OWASP's list for CSV
injection), or with apostrophes and then one of those, gets one more apostrophe in front;
reading takes exactly one off again, so an export imports back to the same values.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsfeed.config import Settings
from newsfeed.store import Store
from newsfeed.store import subscribers as ledger
from newsfeed.subscribers import MAX_NAME, AddressError, clean_name, normalise_email, normalise_name, parse_sections, shown

DELIMITERS = (",", ";", "\t")  # in this order on a tie
EXPORT_HEADER = ("email", "name", "sections", "status")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # the line ends csv itself knows
_SEP_LINE = re.compile(r'"?sep=(.?)"?[ \t]*(?:\r\n|\r|\n)?', re.IGNORECASE)
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_HEADER_NOISE = re.compile(r"[\s_\-.\ufeff]+")

# a header cell without case, spaces, "-", "_", "." -> what the column holds
_HEADERS = {
    **dict.fromkeys(("email", "emailaddress", "mail", "surel", "alamatemail", "alamatsurel"), "email"),
    **dict.fromkeys(("name", "nama", "fullname", "namalengkap"), "name"),
    **dict.fromkeys(("firstname", "first", "givenname", "namadepan"), "first"),
    **dict.fromkeys(("lastname", "last", "surname", "familyname", "namabelakang"), "last"),
    **dict.fromkeys(("sections", "section", "rubrik", "kanal"), "sections"),
    "status": "status",
    "unsubtime": "unsub_time",  # Mailchimp's unsubscribed export
    "cleantime": "clean_time",  # Mailchimp's cleaned export: addresses that bounced
    "emaildisabled": "email_disabled",  # Substack: the reader turned its e-mails off
}
_POSITIONAL = {"email": 0, "name": 1, "sections": 2}
_STATUS = {"": None, "pending": None, "confirmed": None, "subscribed": None,
           "unsubscribed": "unsubscribed", "bounced": "bounced", "cleaned": "bounced"}
_TRUE = {"true", "1", "yes", "y", "ya"}


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    added: int = 0
    updated: int = 0  # already known: sections united, name filled, pending -> confirmed
    unchanged: int = 0  # already known, and the row adds nothing
    kept: int = 0  # unsubscribed or bounced here: an import never brings them back
    left: int = 0  # new addresses the file says unsubscribed or bounced: stored so
    # the file says they left, but they are pending or confirmed here: left as they are (the
    # file may be older than their subscription here; an import never ends one)
    active: int = 0
    rejected: list[BadRow] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.unchanged + self.kept + self.active


@dataclass(frozen=True, slots=True)
class _Entry:
    email: str
    name: str
    sections: tuple[str, ...]
    left: str | None  # "unsubscribed" / "bounced" when the file says so


# reading ---------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise AddressError("the file starts like UTF-16 but is not valid UTF-16; save it as CSV UTF-8 and import again") from None
    head = data[:4096]
    if head.count(0) * 4 > len(head):
        raise AddressError("the file looks like UTF-16 without a byte order mark; save it as CSV UTF-8 and import again")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AddressError(f"line {line}: the file is not UTF-8 text; save it as CSV UTF-8 and import again") from None


class _Lines:
    """The physical lines, handed to csv.reader one at a time; `pos` can be set back."""

    def __init__(self, lines: list[str], pos: int):
        self.lines = lines
        self.pos = pos

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


class Rows:
    """The records of a CSV text with their first line numbers, malformed ones as BadRow.

    Iterating yields (line, cells, lines spanned) or a BadRow; `resume(line)` makes the
    next record start on the line after `line` (after a record the caller refuses).
    """

    def __init__(self, text: str):
        lines = _LINES.findall(text)
        sep = _SEP_LINE.fullmatch(lines[0]) if lines else None
        if sep:
            if sep.group(1) not in DELIMITERS + ("|",):
                raise AddressError(f"line 1: {shown(lines[0].strip())} names a delimiter newsfeed does not read; use sep=, or sep=; (or tabs)")
            self.delimiter = sep.group(1)
        else:
            self.delimiter = guess_delimiter(lines)
        self.feed = _Lines(lines, 1 if sep else 0)

    def _reader(self) -> Iterator[list[str]]:
        return csv.reader(self.feed, delimiter=self.delimiter, strict=True)

    def __iter__(self) -> Iterator[tuple[int, list[str], int] | BadRow]:
        feed = self.feed
        reader = self._reader()
        while feed.pos < len(feed.lines):
            start = feed.pos
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield BadRow(start + 1, _quoting_problem(str(exc), self.delimiter, start + 1, feed.pos))
                feed.pos = start + 1
                reader = self._reader()
                continue
            yield start + 1, cells, feed.pos - start

    def resume(self, line: int) -> None:
        self.feed.pos = line


def _quoting_problem(message: str, delimiter: str, line: int, reached: int) -> str:
    if "unexpected end of data" in message:
        return 'a quote (") opened on this line is never closed, so it would swallow the lines after it; close it or remove it'
    if reached > line:
        return f'a quote (") opened on this line is not closed on it (it would run on into line {reached}); close it or remove it'
    if "expected after" in message:
        shown_delimiter = "a tab" if delimiter == "\t" else repr(delimiter)
        return f'text after a closing quote ("); put the whole cell in quotes, or end it with the quote and {shown_delimiter}'
    if "field larger" in message:
        return f"a cell longer than {csv.field_size_limit():,} characters (an unclosed quote?)"
    return f"not valid CSV ({message})"


def guess_delimiter(lines: Sequence[str]) -> str:
    first = next((line for line in lines if line.strip()), "")

    def score(delimiter: str) -> tuple[bool, int, bool, int]:
        cells = next(csv.reader([first], delimiter=delimiter), None) or [""]
        keys = [_HEADERS.get(header_key(c)) for c in cells]
        return "email" in keys, sum(k is not None for k in keys), _is_address(cells[0]), len(cells)

    return max(DELIMITERS, key=score)


def header_key(cell: str) -> str:
    return _HEADER_NOISE.sub("", cell).lower()


def _is_address(cell: str) -> bool:
    try:
        normalise_email(unneutralise(cell.strip()))
    except AddressError:
        return False
    return True


def _columns(cells: Sequence[str], line: int) -> dict[str, int] | None:
    """Which column holds what, if `cells` is a header; None for a row of data."""
    keys = [_HEADERS.get(header_key(c)) for c in cells]
    if not any(keys) or any("@" in c for c in cells):
        return None
    if "email" not in keys:
        found = ", ".join(shown(c.strip(), 30) for c in cells[:8])
        raise AddressError(f"line {line}: the header ({found}) has no e-mail column; name it email (or Email Address)")
    return {key: keys.index(key) for key in keys if key}


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell, 1) else cell


def _entry(cells: Sequence[str], columns: dict[str, int], settings: Settings) -> _Entry:
    def cell(key: str) -> str:
        index = columns.get(key)
        return unneutralise(cells[index].strip()) if index is not None and index < len(cells) else ""

    email = normalise_email(cell("email"))
    status = cell("status").lower()
    if status not in _STATUS:
        raise AddressError(f"unknown status {shown(cell('status'))}; use pending, confirmed, unsubscribed or bounced, or leave it empty")
    left = _STATUS[status] or ("bounced" if cell("clean_time") else None) or ("unsubscribed" if cell("unsub_time") else None)
    if left is None and cell("email_disabled").lower() in _TRUE:
        left = "unsubscribed"
    raw_name = cell("name") or " ".join(filter(None, (cell("first"), cell("last"))))
    if left is not None:  # a row that only keeps an address off the list is never refused for its details
        try:
            sections = parse_sections(cell("sections"), settings)
        except AddressError:
            sections = ()
        return _Entry(email, clean_name(raw_name)[:MAX_NAME], sections, left)
    return _Entry(email, normalise_name(raw_name), parse_sections(cell("sections"), settings), None)


def _whole(cells: Sequence[str], columns: dict[str, int], width: int | None) -> bool:
    """A record over several lines is taken only if it looks whole: as many cells as the header,
    no line break in a column this import uses. Otherwise a quote was left open."""
    if width is not None and len(cells) != width:
        return False
    return not any("\n" in cells[i] or "\r" in cells[i] for i in columns.values() if i < len(cells))


def read_entries(text: str, settings: Settings) -> tuple[list[_Entry], list[BadRow]]:
    rows = Rows(text)
    entries: list[_Entry] = []
    rejected: list[BadRow] = []
    seen: dict[str, int] = {}
    columns: dict[str, int] | None = None
    width: int | None = None
    for item in rows:
        if isinstance(item, BadRow):
            if columns is None and entries == [] and not rejected and "@" not in rows.feed.lines[item.line - 1]:
                raise AddressError(f"line {item.line}: the header row: {item.reason}")
            rejected.append(item)
            continue
        line, cells, span = item
        if not any(c.strip() for c in cells):
            continue
        first_row = columns is None
        if first_row:
            columns = _columns(cells, line)
            if columns is not None:
                width = len(cells)
                continue
            columns = _POSITIONAL
        if span > 1 and not _whole(cells, columns, width):
            rejected.append(BadRow(line, f'a quoted cell runs on over the next {span - 1} line(s): a quote (") left open? '
                                         "close it on this line"))
            rows.resume(line)
            continue
        try:
            entry = _entry(cells, columns, settings)
        except AddressError as exc:
            reason = str(exc)
            if first_row and not any("@" in c for c in cells):
                reason = ("neither an address nor a header newsfeed knows; start the file with a header row "
                          "(email,name,sections, or Mailchimp's or Substack's export) or with an address")
            rejected.append(BadRow(line, reason))
            continue
        if entry.email in seen:
            rejected.append(BadRow(line, f"{entry.email} is already on line {seen[entry.email]}, which is imported; "
                                         "merge the two rows into one"))
            continue
        seen[entry.email] = line
        entries.append(entry)
    return entries, rejected


def import_csv(path: Path | str, settings: Settings, store: Store, now: datetime, confirmed: bool = False) -> ImportReport:
    """Import a subscriber CSV; bad rows are reported with their line and the rest is imported.

    The good rows are stored in one transaction. A file that cannot be read at all (not
    text, a header without an e-mail column) is one AddressError naming the file.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AddressError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        entries, rejected = read_entries(decode(data), settings)
    except AddressError as exc:
        raise AddressError(f"{path}: {exc}") from None
    return store_entries(entries, rejected, store, now, confirmed)


def store_entries(entries: Sequence[_Entry], rejected: list[BadRow], store: Store, now: datetime, confirmed: bool) -> ImportReport:
    report = ImportReport(rejected=rejected)
    with store.transaction() as conn, ledger.guard(store):
        for e in entries:
            outcome = ledger.import_row(conn, e.email, e.name, e.sections, now, confirmed=confirmed, left=e.left)
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


# writing ---------------------------------------------------------------------------------


def neutralise(cell: str) -> str:
    """The cell with one apostrophe in front if a spreadsheet could take it for a formula."""
    return "'" + cell if _FORMULA.match(cell) else cell


def export_rows(store: Store) -> Iterator[list[str]]:
    yield list(EXPORT_HEADER)
    for s in ledger.all_subscribers(store):
        yield [neutralise(s.email), neutralise(s.name), ";".join(s.sections), s.status]
