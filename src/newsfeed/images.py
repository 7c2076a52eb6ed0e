"""What can be known of a lead image at gather time: byte length, MIME type and pixels.

An image the site serves from its own files (under site.static_dir, at the same path as under
site.base_url) is read from disk: its size from stat, its type from its first bytes, its pixels
from its header (imagesize reads only the header). Remote images stay unknown here; a source
that learns their length and type (a HEAD request) sets SourceItem.image_info itself.
Renderers never look at files: they use what the store keeps.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsfeed.config import Settings
from newsfeed.types import ImageInfo, SourceItem

# first bytes -> MIME type of the image kinds feeds and aggregators take
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def with_image_info(item: SourceItem, settings: Settings) -> SourceItem:
    """The item with its lead image's info, when the image is one of the site's own files."""
    if not item.image or item.image_info is not None:
        return item
    path = local_file(settings, item.image)
    info = probe(path) if path is not None else None
    return dataclasses.replace(item, image_info=info) if info is not None else item


def local_file(settings: Settings, url: str) -> Path | None:
    """The file under site.static_dir that `url` (under site.base_url) is served from."""
    folder = settings.site.static_dir
    prefix = settings.site.base_url + "/"
    if folder is None or not url.startswith(prefix):
        return None
    relative = unquote(urlsplit(url).path[len(urlsplit(prefix).path):])
    root = folder.resolve()
    try:
        path = (root / relative).resolve()
    except (OSError, ValueError):
        return None
    if root not in path.parents or not path.is_file():
        return None
    return path


def probe(path: Path) -> ImageInfo | None:
    """Length, type and pixels of an image file; None when it is not a JPEG, PNG, GIF or WebP."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
        length = path.stat().st_size
    except OSError:
        return None
    kind = _kind(head)
    if not kind:
        return None
    try:
        import imagesize

        width, height = imagesize.get(str(path))
    except (OSError, ValueError):
        width = height = -1
    return ImageInfo(
        length=length if length > 0 else None,
        type=kind,
        width=width if width > 0 else None,
        height=height if height > 0 else None,
    )


def _kind(head: bytes) -> str:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return ""


def guess_type(url: str) -> str:
    """The MIME type an image URL's extension names, or "" (for an image of unknown type)."""
    suffix = urlsplit(url).path.rsplit(".", 1)[-1].lower() if "." in urlsplit(url).path else ""
    return _EXTENSIONS.get(suffix, "")


_EXTENSIONS = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
