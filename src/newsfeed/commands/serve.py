"""`newsfeed serve [--host 127.0.0.1] [--port 8080]`: the subscription pages and the feeds."""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

import click

from newsfeed.commands.common import common_options
from newsfeed.config import Settings
from newsfeed.deliver.server import ACCESS, make_http_server
from newsfeed.tokens import secret_from_env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--trusted-proxy", default=None, metavar="ADDRESS",
              help="A reverse proxy (e.g. 127.0.0.1) whose X-Forwarded-For names the client, for the forms' rate limits.")
@common_options
def serve(settings: Settings, quiet: bool, host: str, port: int, trusted_proxy: str | None) -> None:
    """Serve the subscription pages (subscribe, confirm, preferences, unsubscribe, data) and the feeds/ folder."""
    secret_from_env(settings)  # fail now, not at the first click
    server = make_http_server(settings, host, port, trusted_proxy=trusted_proxy)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    problems = logging.getLogger("newsfeed.web")  # a 503's reason, a mail not sent: shown even when quiet
    if not problems.handlers:
        problems.addHandler(handler)
        problems.setLevel(logging.WARNING)
    if not quiet:
        ACCESS.addHandler(handler)
        ACCESS.setLevel(logging.INFO)
        where = f"http://{server.server_address[0]}:{server.server_port}"
        click.echo(f"serving on {where}/ (Ctrl-C to stop); subscribe page: {where}{urlsplit(settings.newsletter.endpoint_url).path}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
