"""`newsfeed serve`: the WSGI app in waitress, a production WSGI server in pure Python.

waitress buffers each request whole before the app sees it (a client that announces a body
and never sends it, or sends headers a byte at a time, is dropped after `channel_timeout`
without holding a worker thread), caps open connections, speaks HTTP/1.1 with keep-alive,
and is packaged for every platform; behind nginx or a CDN it is what serves the feeds'
origin. The access log (logger "newsfeed.access", written by the CLI when not --quiet) never
holds a signed token: query values named token are cut to their first characters.

Behind a reverse proxy (nginx, a CDN) every request comes from the proxy: `trusted_proxy`
(`newsfeed serve --trusted-proxy 127.0.0.1`) takes the client's address from the proxy's
X-Forwarded-For instead, so the subscription forms' per-client limit counts readers, not
the proxy. The header is ignored from anybody else, so a client cannot spoof it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable

from newsfeed.config import Settings
from newsfeed.errors import DeliveryError
from newsfeed.web import make_app

# Limits for one machine facing the internet (or a proxy): slow clients cost a socket, not
# a thread, and are dropped after CHANNEL_TIMEOUT. Above the connection cap waitress stops
# accepting, so every reader waits for the slow ones to time out: the cap is set high (a
# socket costs a few kB) and the file limit raised to fit it, and poll() replaces select(),
# which cannot watch more than 1,024 sockets.
THREADS = 8
CONNECTION_LIMIT = 10_000
CHANNEL_TIMEOUT = 15  # seconds a connection may sit idle or half-sent
MAX_BODY = 64 * 1024
MAX_HEADERS = 16 * 1024
_TOKEN = re.compile(r"(token=)([^&\s]{6})[^&\s]*")
ACCESS = logging.getLogger("newsfeed.access")


def redact(text: str) -> str:
    """A request line without signed tokens: token=abcdef… keeps 6 characters."""
    return _TOKEN.sub(r"\1\2…", text)


class _AccessLog:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        started = time.monotonic()
        seen: dict[str, str] = {}

        def recorded(status: str, headers, *exc_info):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, *exc_info)

        result = self.app(environ, recorded)
        if ACCESS.isEnabledFor(logging.INFO):
            query = environ.get("QUERY_STRING", "")
            target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
            ACCESS.info("%s %s %s %s %.1fms", environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD", "-"),
                        redact(target), seen.get("status", "-"), (time.monotonic() - started) * 1000)
        return result


def _room_for(connections: int) -> int:
    """Raise the open-file limit towards `connections` (plus files the app opens) as far as the
    hard limit allows; the connection cap that then fits."""
    import resource

    spare = 64  # the listening socket, the store, files being served, the log
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + spare if hard == resource.RLIM_INFINITY else min(connections + spare, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return connections if soft == resource.RLIM_INFINITY else max(1, min(connections, soft - spare))


class HttpServer:
    """A bound waitress server (port 0: any free port; read it from server_port)."""

    def __init__(self, settings: Settings, host: str, port: int, threads: int = THREADS, connection_limit: int = CONNECTION_LIMIT,
                 channel_timeout: int = CHANNEL_TIMEOUT, trusted_proxy: str | None = None):
        from waitress.server import create_server

        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1, "trusted_proxy_headers": {"x-forwarded-for"}} if trusted_proxy else {}

        connection_limit = _room_for(connection_limit)
        try:
            self.server = create_server(
                _AccessLog(make_app(settings)), host=host, port=port, threads=threads, connection_limit=connection_limit,
                asyncore_use_poll=True,
                channel_timeout=channel_timeout, cleanup_interval=max(1, channel_timeout // 3), max_request_body_size=MAX_BODY,
                max_request_header_size=MAX_HEADERS, ident="newsfeed", expose_tracebacks=False, clear_untrusted_proxy_headers=True,
                **proxy,
            )
        except OSError as exc:
            raise DeliveryError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port") from None
        self.server_address = (host, self.server.effective_port)
        self.server_port = self.server.effective_port
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            if not self._stopped.is_set():
                raise

    def shutdown(self) -> None:
        self._stopped.set()
        self.server.close()

    def server_close(self) -> None:
        if not self._stopped.is_set():
            self.shutdown()


def make_http_server(settings: Settings, host: str = "127.0.0.1", port: int = 8080, log: bool = False,
                     trusted_proxy: str | None = None) -> HttpServer:
    return HttpServer(settings, host, port, trusted_proxy=trusted_proxy)
