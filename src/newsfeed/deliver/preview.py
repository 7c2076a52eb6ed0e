"""`newsfeed digest --preview`: show a written web copy to a person.

With a desktop browser the CLI opens the file; without one (a server, a container) it
serves the edition's folder on 127.0.0.1 at a free port and prints the URL. Library code:
no printing, no click; the caller decides how long to serve.

`staged(files)` is for what must not be published (the preview of a week that has not
ended): the files go to a temporary folder, removed when the block ends.
"""

from __future__ import annotations

import functools
import tempfile
import threading
import webbrowser
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsfeed.errors import DeliveryError


def has_browser() -> bool:
    """True when Python's webbrowser module finds a browser to launch."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


@contextmanager
def staged(files: Sequence[tuple[str, bytes]]) -> Iterator[Path]:
    """Write (relative path, bytes) pairs into a temporary folder; yields the first file's
    path (the page to show); the folder is removed afterwards."""
    if not files:
        raise DeliveryError("nothing to preview: no files were rendered")
    with tempfile.TemporaryDirectory(prefix="newsfeed-preview-") as tmp:
        root = Path(tmp)
        try:
            for relative, data in files:
                target = root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        except OSError as exc:
            raise DeliveryError(f"{root}: cannot write the preview ({exc.strerror}); check the temporary folder (TMPDIR)") from None
        yield root / files[0][0]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


class PreviewServer:
    """Serves one folder read-only on 127.0.0.1; `url` points at the page."""

    def __init__(self, page: Path, host: str = "127.0.0.1", port: int = 0):
        page = Path(page)
        if not page.is_file():
            raise DeliveryError(f"{page}: nothing to preview; run newsfeed digest first")
        handler = functools.partial(_QuietHandler, directory=str(page.parent))
        try:
            self.httpd = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise DeliveryError(f"cannot serve the preview on {host}:{port} ({exc.strerror}); pick another port") from None
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}/{page.name}"
        self._thread: threading.Thread | None = None

    def start(self) -> PreviewServer:
        """Serve in a background thread (tests, or a caller that waits itself)."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="newsfeed-preview", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
