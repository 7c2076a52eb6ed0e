"""newsfeed: feeds and weekly digests for an Indonesian news site."""

__version__ = "0.1.0"

from newsfeed.errors import (
    ConfigError,
    DeliveryError,
    NewsfeedError,
    RenderError,
    SourceError,
    StoreError,
)

__all__ = [
    "ConfigError",
    "DeliveryError",
    "NewsfeedError",
    "RenderError",
    "SourceError",
    "StoreError",
]
