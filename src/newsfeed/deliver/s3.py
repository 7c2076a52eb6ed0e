"""Publishing into an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, moto), via boto3.

feeds.target = "s3://bucket/prefix"; feeds.endpoint_url for a service that is not AWS,
feeds.region when it needs one. Credentials come from boto3's usual places: the environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE), the shared
credentials file, an instance role. The identity needs s3:ListBucket, s3:GetObject (for
HEAD), s3:PutObject and s3:DeleteObject on the prefix.

Each object gets the Content-Type and Cache-Control that `newsfeed serve` gives the same
file (newsfeed.web.static), and an x-amz-meta-sha256 of its bytes. The precompressed copy
publish makes of a feed or page ("rss.xml.gz") is its own object, with the original's
Content-Type and Content-Encoding: gzip; the main object stays plain.

What is in the bucket is read with one listing (1,000 objects a request): an object whose
size and Last-Modified are those the store recorded is as published, so an unchanged
publish uploads nothing. An object not known that way (a store from a local folder, an
upload that failed halfway, an object replaced by hand) is asked for its sha256 and headers
(HEAD) before deciding, so the same bytes are never uploaded twice.

A commit uploads in tiers: first the feeds and the files beside them, then the pages of
folders (dunia/index.html), then the files at the top (index.html, opml.xml, the
sitemaps, robots lines) and the digest archive, each tier only once every upload of the
one before succeeded. A failed upload therefore leaves every file it did not reach as it
was, and never an index naming a feed that is not there; nothing is deleted before all
uploads are in (publish removes afterwards). The store records nothing of a failed run,
so the next publish finishes it.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsfeed.config import Settings
from newsfeed.errors import ConfigError, DeliveryError
from newsfeed.types import FileStamp

UPLOADS = 8  # objects uploaded at once
DELETE_BATCH = 1000  # the most DeleteObjects takes
TOP_FILES = ("edisi/index.html",)  # besides the files at the top: uploaded last
ACCESS_HINT = (
    "check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and that they may "
    "s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject there"
)


_RAISE = object()


@dataclass(frozen=True, slots=True)
class Listed:
    size: int
    etag: str  # without quotes; the MD5 of the bytes for a single-part upload
    mtime_ns: int  # Last-Modified


def parse_target(target: str) -> tuple[str, str]:
    """"s3://bucket/some/prefix/" -> ("bucket", "some/prefix")."""
    rest = target.removeprefix("s3://")
    bucket, _slash, prefix = rest.partition("/")
    return bucket, prefix.strip("/")


def object_headers(relative: str) -> dict[str, str]:
    """ContentType, CacheControl and (for a .gz copy) ContentEncoding of one published file,
    as `newsfeed serve` sends them (newsfeed.web.static's tables)."""
    from newsfeed.publishing import COMPRESSED
    from newsfeed.web.static import MAX_AGE, MAX_AGE_OTHER, content_type

    original = relative[:-3] if relative.endswith(".gz") and relative[:-3].endswith(COMPRESSED) else relative
    headers = {
        "ContentType": content_type(Path(original)),
        "CacheControl": f"public, max-age={MAX_AGE.get(Path(original).suffix, MAX_AGE_OTHER)}",
    }
    if original != relative:
        headers["ContentEncoding"] = "gzip"
    return headers


def tier(relative: str) -> int:
    """Upload order: 0 feeds and other files in folders, 1 a folder's page, 2 the files at the
    top and the digest archive (they name the others)."""
    name = relative.removesuffix(".gz")
    if "/" not in name or name in TOP_FILES:
        return 2
    return 1 if name.endswith("/index.html") else 0


class S3Target:
    def __init__(self, settings: Settings, client: Any = None):
        feeds = settings.feeds
        self.bucket, self.prefix = parse_target(feeds.target)
        self.where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.client = client or _client(getattr(feeds, "endpoint_url", ""), getattr(feeds, "region", ""))
        self._listings: dict[str, dict[str, Listed]] = {}  # top folder ("" = the top files) -> its objects

    def key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def listing(self, relative: str) -> dict[str, Listed]:
        """key -> Listed of the objects in the top folder holding `relative` ("dunia/",
        "topik/"; the files at the top alone for a top file), read once until a commit: a
        publish lists the whole prefix, a digest only edisi/ and the top."""
        folder = _folder(relative)
        found = self._listings.get(folder)
        if found is None:
            options = {"Bucket": self.bucket, "Prefix": self.key(folder)} | ({} if folder else {"Delimiter": "/"})
            pages = self.client.get_paginator("list_objects_v2").paginate(**options)
            found = {
                item["Key"]: Listed(item["Size"], item["ETag"].strip('"'), _ns(item["LastModified"]))
                for page in self.call("list", self.key(folder), lambda: list(pages))
                for item in page.get("Contents", ())
            }
            self._listings[folder] = found
        return found

    def listed(self, relative: str) -> Listed | None:
        return self.listing(relative).get(self.key(relative))

    def intact(self, relative: str, stamp: FileStamp) -> bool:
        listed = self.listed(relative)
        return bool(stamp.sha256) and listed is not None and (listed.size, listed.mtime_ns) == (stamp.size, stamp.mtime_ns)

    def untouched(self, rows: Iterable[tuple[str, str, int, int]]) -> bool:
        return all(self.intact(path, FileStamp(sha256, size, mtime_ns)) for path, sha256, size, mtime_ns in rows)

    def differs(self, relative: str, data: bytes, digest: str, before: FileStamp | None) -> bool:
        if before is not None and before.sha256 and self.intact(relative, before):
            return before.sha256 != digest
        key = self.key(relative)
        listed = self.listed(relative)
        if listed is None or listed.size != len(data):
            return True
        head = self.call("read", key, lambda: self.client.head_object(Bucket=self.bucket, Key=key), missing=None)
        if head is None:  # deleted since the listing
            return True
        wanted = object_headers(relative)
        if any(head.get(name) != value for name, value in wanted.items()) or ("ContentEncoding" not in wanted and head.get("ContentEncoding")):
            return True  # the same bytes served with the wrong headers
        recorded = head.get("Metadata", {}).get("sha256")
        if recorded:
            return recorded != digest
        return listed.etag != hashlib.md5(data).hexdigest()

    def stage(self) -> S3Staging:
        return S3Staging(self)

    def stamp(self, relative: str, digest: str) -> FileStamp:
        listed = self.listed(relative)
        if listed is None:  # gone again already: the next publish looks at it afresh
            return FileStamp(digest, -1, -1)
        return FileStamp(digest, listed.size, listed.mtime_ns)

    def remove(self, relatives: Iterable[str]) -> None:
        relatives = list(relatives)
        for start in range(0, len(relatives), DELETE_BATCH):
            batch = [self.key(r) for r in relatives[start : start + DELETE_BATCH]]
            request = {"Objects": [{"Key": k} for k in batch], "Quiet": True}
            answer = self.call("delete", batch[0], lambda: self.client.delete_objects(Bucket=self.bucket, Delete=request))
            if errors := answer.get("Errors"):
                first = errors[0]
                raise DeliveryError(
                    f"{self.where}: cannot delete {first.get('Key')} ({first.get('Code')}: {first.get('Message')}); "
                    f"{len(errors)} objects no longer published are left in the bucket; {ACCESS_HINT}"
                )
            for relative in relatives[start : start + DELETE_BATCH]:
                self._listings.get(_folder(relative), {}).pop(self.key(relative), None)

    def sweep(self) -> None:
        """Nothing to do: an object upload is all or nothing."""

    def put(self, relative: str, data: bytes) -> None:
        key = self.key(relative)
        md5 = hashlib.md5(data).digest()
        self.call("upload", key, lambda: self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentMD5=base64.b64encode(md5).decode("ascii"),
            Metadata={"sha256": hashlib.sha256(data).hexdigest()}, **object_headers(relative),
        ))

    def call(self, what: str, key: str, action: Callable[[], Any], missing: Any = _RAISE) -> Any:
        """Run one request; its failure as a one-line DeliveryError (`missing`: the answer
        for an object that is not there)."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = f"s3://{self.bucket}/{key}" if key else self.where
        try:
            return action()
        except NoCredentialsError:
            raise DeliveryError(
                f"{where}: no credentials for the bucket; export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
            ) from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
            code = error.get("Code") or str(status)
            if missing is not _RAISE and code in ("404", "NoSuchKey", "NotFound"):
                return missing
            said = f"{code}: {error.get('Message')}" if error.get("Message") and error.get("Message") != code else code
            if code == "NoSuchBucket":
                raise DeliveryError(f"{where}: {what} failed: bucket {self.bucket!r} does not exist; create it or fix feeds.target") from None
            raise DeliveryError(f"{where}: {what} failed ({said}); {ACCESS_HINT}") from None
        except BotoCoreError as exc:
            raise DeliveryError(f"{where}: {what} failed ({exc}); check feeds.endpoint_url and the network") from None


class S3Staging:
    """Files spooled to a temporary folder while rendering (memory holds one at a time),
    uploaded at commit, tier after tier."""

    def __init__(self, target: S3Target):
        self.target = target
        self.folder: Path | None = None
        self.pending: list[tuple[str, Path]] = []

    def add(self, relative: str, data: bytes) -> None:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="newsfeed-upload-"))
        spool = self.folder / str(len(self.pending))
        spool.write_bytes(data)
        self.pending.append((relative, spool))

    def commit(self) -> None:
        try:
            total, done = len(self.pending), 0
            for level in sorted({tier(r) for r, _p in self.pending}):
                batch = [(r, p) for r, p in self.pending if tier(r) == level]
                failure = self._upload(batch)
                if failure is not None:
                    done += failure[1]
                    later = "" if level == 2 else "; the indexes and the OPML were not touched"
                    raise DeliveryError(
                        f"{failure[0]}; {done} of {total} changed files were uploaded before it stopped, every other "
                        f"object keeps its previous version{later} and nothing was deleted; publish again once fixed"
                    )
                done += len(batch)
        finally:
            self.target._listings.clear()  # read again for the stamps
            self.discard()

    def _upload(self, batch: list[tuple[str, Path]]) -> tuple[str, int] | None:
        """Upload the batch in parallel; on the first failure the uploads not started are
        dropped. None, or (the first failure, how many went up)."""
        failed = threading.Event()
        errors: list[str] = []
        uploaded = [0]
        lock = threading.Lock()

        def one(item: tuple[str, Path]) -> None:
            if failed.is_set():
                return
            try:
                self.target.put(item[0], item[1].read_bytes())
            except DeliveryError as exc:
                with lock:
                    errors.append(str(exc))
                failed.set()
                return
            with lock:
                uploaded[0] += 1

        with ThreadPoolExecutor(max_workers=min(UPLOADS, len(batch))) as pool:
            list(pool.map(one, batch))
        return (errors[0], uploaded[0]) if errors else None

    def discard(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        self.pending = []


def _client(endpoint_url: str, region: str) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ConfigError("feeds.target is an s3:// bucket but boto3 is not installed; run pip install 'newsfeed[s3]'") from None
    config = Config(
        retries={"max_attempts": 4, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=UPLOADS * 2,
        # MinIO and most S3-compatible services want bucket names in the path, not the host
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        # boto3's default CRC trailers are not understood by every S3-compatible service;
        # each upload carries its Content-MD5 instead, which all of them check
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config)


def _folder(relative: str) -> str:
    return relative.split("/", 1)[0] + "/" if "/" in relative else ""


def _ns(moment) -> int:
    """Last-Modified (an aware datetime) as integer nanoseconds, exactly."""
    return calendar.timegm(moment.utctimetuple()) * 1_000_000_000 + moment.microsecond * 1000
