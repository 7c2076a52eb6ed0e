"""Give memory freed by a large step back to the system before the next one.

glibc keeps freed heap memory for reuse: after an edit's related-index work at 100,000
articles the process kept ~120 MB it no longer used, and the publish that follows in the
same `newsfeed build` added its own peak on top. malloc_trim(0) returns the free pages.
Elsewhere (another C library, another platform) this does nothing.
"""

from __future__ import annotations

import sys


def release_freed() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim  # glibc's soname (find_library runs ldconfig: 30 ms)
    except (OSError, AttributeError):  # another C library
        return
    trim(0)
