"""Small HTML pages and the WSGI response helper shared by the web app's parts."""

from __future__ import annotations

import html
from collections.abc import Callable

StartResponse = Callable[..., object]
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


def page(title: str, body: str, site: str) -> bytes:
    """A minimal Indonesian page (body is trusted HTML; the caller escapes what it inserts)."""
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - {html.escape(site)}</title>"
        "<style>body{font-family:Georgia,serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}"
        "button{font-size:1em;padding:.5em 1.2em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}<p><small>{html.escape(site)}</small></p></body></html>\n"
    ).encode("utf-8")


def respond(
    start_response: StartResponse, status: str, body: bytes, ctype: str = HTML,
    extra: list[tuple[str, str]] | None = None, length: int | None = None, cache: str = "no-store",
) -> list[bytes]:
    headers = [("Content-Type", ctype), ("Content-Length", str(len(body) if length is None else length)), ("Cache-Control", cache)]
    start_response(status, headers + (extra or []))
    return [body]
