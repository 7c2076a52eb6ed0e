"""`newsfeed serve`: the WSGI app on one machine with wsgiref (127.0.0.1 by default).

For production, mount newsfeed.web.make_app(settings) in a real WSGI server behind TLS;
the links in the digests point to newsletter.endpoint_url, which must reach this app.
"""

from __future__ import annotations

from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from newsfeed.config import Settings
from newsfeed.errors import DeliveryError
from newsfeed.web import make_app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the library never prints
        pass


def make_http_server(settings: Settings, host: str = "127.0.0.1", port: int = 8080, log: bool = False) -> WSGIServer:
    """A bound server (port 0: any free port; read it from server.server_port)."""
    try:
        return make_server(host, port, make_app(settings), server_class=_ThreadingServer,
                           handler_class=WSGIRequestHandler if log else _QuietHandler)
    except OSError as exc:
        raise DeliveryError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port") from None
