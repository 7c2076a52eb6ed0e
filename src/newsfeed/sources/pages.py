"""Text article pages in a folder (docs/page-format.md), one article per .txt file."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from newsfeed.config import Settings
from newsfeed.errors import SourceError
from newsfeed.sources.common import FolderSource, web_url
from newsfeed.text import clean_line, slugify, xml_safe
from newsfeed.types import SourceItem

HEADER_KEYS = ("id", "published", "updated", "slug", "image", "tags", "author")
RELATED_HEADING = "artikel terkait"
_FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-(\d{2})(\d{2}))?-(.+)$")
_DESCRIPTION = re.compile(r"^\S+( \S+)? merupakan (situs|portal|media)\b", re.IGNORECASE)
_BULLET = re.compile(r"^[-•*–]\s+")
_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n")


class PageSource(FolderSource):
    suffixes = (".txt",)

    def parse(self, raw: bytes, key: str, fingerprint: str) -> SourceItem:
        return parse_page(raw, key, self.settings, source=self.name, fingerprint=fingerprint)


def parse_page(raw: bytes, key: str, settings: Settings, source: str = "pages", fingerprint: str = "") -> SourceItem:
    """One page -> SourceItem; SourceError names the reason and the fix."""
    text = _decode(raw)
    header, text = _split_header(text)
    blocks = _blocks(text, settings.site.chrome)
    if not blocks:
        raise SourceError("empty page; write the section, the headline and the body")
    section = _section(blocks[0][0], settings)
    if len(blocks) < 2:
        raise SourceError("no headline after the section line; add the headline, then a blank line, then the body")
    title = " ".join(blocks[1])
    if len(title) > 300:
        raise SourceError("the headline is over 300 characters; is the blank line after it missing?")
    body, related = _related(blocks[2:])
    body = [b for b in body if not _is_description(b, settings.site.description)]
    author = header.get("author", "")
    if body and _is_byline(body[-1], len(body)):
        author = author or body[-1][0]
        body = body[:-1]
    if not body:
        raise SourceError("no body text after the headline; add at least one paragraph")
    paragraphs = [" ".join(lines) for lines in body]
    zone = ZoneInfo(settings.site.timezone)
    stem = key.rsplit("/", 1)[-1].removesuffix(".txt")
    named = _FILE_NAME.match(stem)
    published = _when(header, "published", zone) or (_file_date(named, zone) if named else None)
    slug = slugify(header.get("slug", "")) or slugify(named.group(4) if named else stem) or slugify(title)
    image = web_url(header.get("image"), settings.site.base_url + "/")
    if header.get("image") and not image:
        raise SourceError(f"image: {header['image']!r} is not a web address; give a path like /gambar/foto.jpg")
    return SourceItem(
        source=source,
        key=key,
        section=section,
        title=title,
        content_html="".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs),
        text="\n\n".join(paragraphs),
        author=author or settings.site.name,
        published=published,
        updated=_when(header, "updated", zone),
        slug=slug,
        image=image,
        tags=tuple(t for t in (clean_line(t) for t in header.get("tags", "").split(",")) if t),
        related_titles=tuple(related),
        fingerprint=fingerprint,
        identity=header.get("id", ""),
    )


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise SourceError("empty file; write the article or delete the file")
    if b"\x00" in raw[:4096]:
        raise SourceError("binary file, not a text page; save the article as UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        ) from None
    return xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def _split_header(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end < 0:
        raise SourceError("the header opened with '---' is never closed; end it with a line '---'")
    header: dict[str, str] = {}
    for number, line in enumerate(text[4:end].split("\n"), start=2):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name = name.strip().lower()
        if not sep or name not in HEADER_KEYS:
            raise SourceError(f"header line {number}: {line.strip()!r} is not 'key: value' with a key of {', '.join(HEADER_KEYS)}")
        header[name] = clean_line(value)
    return header, text[end + 5 :]


def _blocks(text: str, chrome: tuple[str, ...]) -> list[list[str]]:
    """Paragraph blocks (lists of cleaned lines), page chrome removed."""
    furniture = {c.casefold() for c in chrome}
    blocks = []
    for chunk in _BLANK_LINES.split(text.strip()):
        lines = [" ".join(line.split()) for line in chunk.split("\n")]
        lines = [line for line in lines if line and line.casefold() not in furniture]
        if lines:
            blocks.append(lines)
    return blocks


def _section(line: str, settings: Settings) -> str:
    wanted = line.strip().casefold()
    for section in settings.sections:
        if wanted in (section.name.casefold(), section.slug):
            return section.slug
    names = ", ".join(s.name for s in settings.sections)
    raise SourceError(f"first line {line.strip()[:60]!r} is not a section; start the page with one of {names}")


def _related(blocks: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    for index, block in enumerate(blocks):
        if block[0].casefold().rstrip(":") == RELATED_HEADING:
            entries = block[1:] + [line for later in blocks[index + 1 :] for line in later]
            titles = [_BULLET.sub("", line).strip() for line in entries]
            return blocks[:index], [t for t in titles if t]
    return blocks, []


def _is_description(block: list[str], description: str) -> bool:
    line = " ".join(block)
    return line == description or (len(block) == 1 and bool(_DESCRIPTION.match(line)) and len(line) < 300)


def _is_byline(block: list[str], blocks_left: int) -> bool:
    line = block[0]
    return (
        blocks_left > 1
        and len(block) == 1
        and len(line.split()) <= 6
        and not line.endswith((".", "!", "?", "”", '"', ":", ";"))
    )


def _when(header: dict[str, str], name: str, zone: ZoneInfo) -> datetime | None:
    value = header.get(name)
    if not value:
        return None
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=zone)
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SourceError(f"{name}: {value!r} is not a date; write it as YYYY-MM-DD HH:MM (site time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _file_date(named: re.Match, zone: ZoneInfo) -> datetime:
    day, hour, minute = named.group(1), named.group(2) or "00", named.group(3) or "00"
    try:
        return datetime.strptime(f"{day} {hour}:{minute}", "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except ValueError:
        raise SourceError(f"file name date {day} {hour}:{minute} is not a real date; rename the file") from None
