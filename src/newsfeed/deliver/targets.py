"""Where published files go: the local folder (feeds.output_dir) or an S3-compatible bucket.

publish and digest write through one small interface, so the same run works on either:
- `intact(path, stamp)`: the published copy is still exactly as recorded in the store;
- `differs(path, data, digest, stamp)`: writing these bytes would change the published copy;
- `stage()`: a batch of files (`add`, then `commit` or `discard`); a failed commit leaves
  every published file as it was (local: one rename per file after one sync; bucket: the
  files that link to others, the indexes and the OPML, go up only after all the rest did);
- `stamp(path, digest)`: the FileStamp to record after a commit;
- `remove(paths)`: files no longer produced, deleted only after the new ones are in;
- `sweep()`: what a killed run left behind.

The bucket lives in newsfeed.deliver.s3 (boto3 is imported only when the target is one).
After a publish the optional CDN purge hook (feeds.cdn_purge) is told which paths changed.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from newsfeed.config import Settings
from newsfeed.deliver.files import Staged, intact, remove_files, remove_stale_temporaries
from newsfeed.errors import DeliveryError
from newsfeed.types import FileStamp


class Staging(Protocol):
    def add(self, relative: str, data: bytes) -> None: ...

    def commit(self) -> None: ...

    def discard(self) -> None: ...


class Target(Protocol):
    where: str  # for messages: the folder, or s3://bucket/prefix

    def intact(self, relative: str, stamp: FileStamp) -> bool: ...

    def untouched(self, rows: Iterable[tuple[str, str, int, int]]) -> bool: ...  # (path, sha256, size, mtime_ns): all intact

    def differs(self, relative: str, data: bytes, digest: str, before: FileStamp | None) -> bool: ...

    def stage(self) -> Staging: ...

    def stamp(self, relative: str, digest: str) -> FileStamp: ...

    def remove(self, relatives: Iterable[str]) -> None: ...

    def sweep(self) -> None: ...


def open_target(settings: Settings) -> Target:
    """The target feeds.target names: "" is feeds.output_dir, "s3://bucket/prefix" a bucket."""
    target = getattr(settings.feeds, "target", "")
    if target.startswith("s3://"):
        from newsfeed.deliver.s3 import S3Target

        return S3Target(settings)
    return LocalTarget(settings.feeds.output_dir)


class LocalTarget:
    """feeds.output_dir: atomic renames, one sync, FileStamps from what Staged saw writing each file (fstat)."""

    def __init__(self, root: Path):
        self.root = root
        self.where = str(root)
        self._prefix = os.path.join(root, "")
        self._staged: Staged | None = None
        self._folders: dict[str, bool] = {}  # folder -> it existed when first asked about (differs)

    def intact(self, relative: str, stamp: FileStamp) -> bool:
        return intact(self._prefix + relative, stamp)

    def untouched(self, rows: Iterable[tuple[str, str, int, int]]) -> bool:
        prefix, stat = self._prefix, os.stat
        try:
            for path, sha256, size, mtime_ns in rows:
                info = stat(prefix + path)
                if not sha256 or info.st_size != size or info.st_mtime_ns != mtime_ns:
                    return False
        except OSError:
            return False
        return True

    def differs(self, relative: str, data: bytes, digest: str, before: FileStamp | None) -> bool:
        """False if the published file already holds exactly these bytes."""
        if before is not None and before.sha256 and self.intact(relative, before):
            return before.sha256 != digest
        folder = relative.rpartition("/")[0]
        if folder not in self._folders:  # asked before anything is written there (a first build: no stat a file)
            self._folders[folder] = os.path.isdir(self._prefix + folder)
        if not self._folders[folder]:
            return True
        target = self.root / relative  # not known as written (a store from before the stamps), or touched
        try:
            return not (target.stat().st_size == len(data) and target.read_bytes() == data)
        except OSError:
            return True

    def stage(self) -> Staged:
        self._staged = Staged(self.root)
        return self._staged

    def stamp(self, relative: str, digest: str) -> FileStamp:
        written = self._staged.written.get(relative) if self._staged is not None else None
        if written is not None:  # as its writer saw it: no stat of every new file after the renames
            return FileStamp(digest, *written)
        info = (self.root / relative).stat()
        return FileStamp(digest, info.st_size, info.st_mtime_ns)

    def remove(self, relatives: Iterable[str]) -> None:
        remove_files(self.root, relatives)

    def sweep(self) -> None:
        remove_stale_temporaries(self.root)


def write_files(target: Target, files: Sequence[tuple[str, bytes]], stamps: dict[str, FileStamp]) -> tuple[list[str], list[str]]:
    """Write the files that changed, in one commit; (written, unchanged). Each file's stamp
    goes into `stamps`."""
    import hashlib

    digests = {relative: hashlib.sha256(data).hexdigest() for relative, data in files}
    staged = target.stage()
    written: list[str] = []
    try:
        for relative, data in files:
            if target.differs(relative, data, digests[relative], stamps.get(relative)):
                staged.add(relative, data)
                written.append(relative)
        staged.commit()
    except OSError as exc:
        staged.discard()
        raise DeliveryError(f"{target.where}: cannot write ({exc.strerror}); check feeds.output_dir, its permissions and free space") from None
    except BaseException:
        staged.discard()
        raise
    for relative in digests:
        stamps[relative] = target.stamp(relative, digests[relative])
    return written, [r for r, _d in files if r not in written]


# CDN purge ---------------------------------------------------------------------------

PURGE_TIMEOUT = 120.0  # seconds for one call of the hook
PURGE_BATCH = 500  # paths per call (CloudFront takes 3,000 per invalidation, argv has limits)


def purge_paths(settings: Settings, relatives: Iterable[str]) -> list[str]:
    """The URL paths a CDN caches for these published files: "/feeds/dunia/rss.xml", and
    for a folder's index.html the folder's own path too ("/feeds/dunia/")."""
    base = urlsplit(settings.feeds.base_url).path.rstrip("/")
    paths: list[str] = []
    for relative in relatives:
        paths.append(f"{base}/{relative}")
        if relative == "index.html" or relative.endswith("/index.html"):
            paths.append(f"{base}/{relative[: -len('index.html')]}")
    return list(dict.fromkeys(paths))


def purge(settings: Settings, relatives: Iterable[str]) -> str:
    """Tell the CDN (feeds.cdn_purge) that these files changed; "" or why it failed.

    A command gets the paths as its last arguments; a URL is POSTed them as a JSON list.
    Nothing configured, or nothing changed: nothing is called."""
    hook = tuple(getattr(settings.feeds, "cdn_purge", ()))
    paths = purge_paths(settings, relatives)
    if not hook or not paths:
        return ""
    for start in range(0, len(paths), PURGE_BATCH):
        batch = paths[start : start + PURGE_BATCH]
        problem = _post(hook[0], batch) if _is_url(hook) else _run(hook, batch)
        if problem:
            done = f"{start} of {len(paths)} paths were purged" if start else "no path was purged"
            return (
                f"the files were published, but the CDN purge hook (feeds.cdn_purge) failed: {problem}; {done}, "
                "so the CDN may serve the old copies until their Cache-Control max-age ends; fix the hook"
            )
    return ""


def _is_url(hook: Sequence[str]) -> bool:
    return len(hook) == 1 and hook[0].startswith(("https://", "http://"))


def _run(command: Sequence[str], paths: list[str]) -> str:
    try:
        done = subprocess.run([*command, *paths], capture_output=True, timeout=PURGE_TIMEOUT, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return f"{command[0]!r} not found"
    except subprocess.TimeoutExpired:
        return f"{shlex.join(command)} did not finish in {PURGE_TIMEOUT:g} s"
    except OSError as exc:
        return f"{shlex.join(command)} could not start ({exc.strerror or exc})"
    if done.returncode:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        return f"{shlex.join(command)} exited with status {done.returncode}" + (f" ({said[-1][:200]})" if said else "")
    return ""


def _post(url: str, paths: list[str]) -> str:
    import httpx

    error = ""
    for attempt in range(3):
        try:
            response = httpx.post(url, content=json.dumps(paths).encode(), headers={"Content-Type": "application/json"}, timeout=30.0)
        except httpx.HTTPError as exc:
            error = f"POST {url}: {exc or type(exc).__name__}"
        else:
            if response.is_success:
                return ""
            error = f"POST {url}: HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                return error
        if attempt < 2:
            import time

            time.sleep(2**attempt)
    return error
