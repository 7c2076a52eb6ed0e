"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from newsfeed.errors import DeliveryError


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write unless the file already holds exactly these bytes; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data)
    return True


def publish_files(root: Path, files: Iterable[tuple[str, bytes]]) -> tuple[list[str], list[str]]:
    """Write each (relative path, bytes) under root; returns (written, unchanged)."""
    written: list[str] = []
    unchanged: list[str] = []
    for relative, data in files:
        target = root / relative
        try:
            changed = write_if_changed(target, data)
        except OSError as exc:
            raise DeliveryError(f"{target}: cannot write ({exc.strerror}); check feeds.output_dir and its permissions") from None
        (written if changed else unchanged).append(relative)
    return written, unchanged


def remove_files(root: Path, relatives: Iterable[str]) -> None:
    """Delete files this publisher wrote earlier, and the folders they leave empty."""
    for relative in relatives:
        target = root / relative
        try:
            target.unlink(missing_ok=True)
            for folder in target.parents:
                if folder == root or not folder.is_relative_to(root) or any(folder.iterdir()):
                    break
                folder.rmdir()
        except OSError as exc:
            raise DeliveryError(f"{target}: cannot remove ({exc.strerror}); check feeds.output_dir permissions") from None
