"""One error root. Every message says what failed and how to fix it."""


class NewsfeedError(Exception):
    """Root of every error newsfeed raises on purpose."""


class ConfigError(NewsfeedError):
    """config.toml is missing, unreadable or has a bad value."""


class SourceError(NewsfeedError):
    """A source page or feed could not be read or parsed."""


class SourceGone(SourceError):
    """The source says the item no longer exists (HTTP 404/410, a deleted post): withdraw it."""


class StoreError(NewsfeedError):
    """The SQLite store failed or holds something unexpected."""


class RenderError(NewsfeedError):
    """A feed, page or digest could not be rendered."""


class DeliveryError(NewsfeedError):
    """Writing files, serving or sending mail failed."""
