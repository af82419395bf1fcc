"""The blob store on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, R2, …) over boto3.

Readers in this code base (Pillow, ffmpeg) want a local path, so ``path(key)`` returns a
cached local copy. The cache is keyed by the object's ETag — ``CACHE/<etag>/<key>`` — so a
cached file is never modified in place: when another worker overwrites a key, the next
``path()`` sees a new ETag and downloads the new version beside the old one, and a reader
still holding the old path is undisturbed. Writes go to the store first and then into the
cache (write-through), so a stage that writes a blob and a later stage on the same worker
that reads it costs one HEAD, not a download.

``url(key)`` is either the API's ``/files/{key}`` (served: the API streams from the store, the
URL never expires) or a presigned GET URL from the store (the client downloads straight from
it; the URL expires after ``presign_expiry_s``).
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError

CHUNK_BYTES = 1024 * 1024
MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix/")``; the prefix may be empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"storage URL must look like s3://bucket/prefix, got {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def checked_key(key: str) -> str:
    """Refuse keys that could address outside the store's prefix or the local cache."""
    if not key or key.startswith("/") or "\\" in key or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"invalid blob key: {key!r}")
    return key


def _is_missing(err: ClientError) -> bool:
    return str(err.response.get("Error", {}).get("Code")) in _MISSING_CODES


def _content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


@dataclass(frozen=True)
class BlobObject:
    """An open object being streamed to an HTTP client."""

    status_code: int  # 200, or 206 for a satisfied Range request
    headers: dict[str, str]
    chunks: Iterator[bytes]


class S3BlobStore:
    def __init__(
        self,
        url: str,
        cache_dir: Path,
        public_base_url: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "path",
        presign: bool = False,
        presign_expiry_s: int = 7 * 24 * 3600,
    ) -> None:
        self.bucket, self.prefix = parse_s3_url(url)
        self.cache_dir = cache_dir.resolve()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.public_base_url = public_base_url.rstrip("/")
        self.presign = presign
        self.presign_expiry_s = presign_expiry_s
        # A boto3 client is thread-safe; one per store serves every request and worker thread.
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style},
                retries={"max_attempts": 5, "mode": "standard"},
                max_pool_connections=32,
            ),
        )

    def object_key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    # -- writes ---------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes) -> str:
        resp = self.client.put_object(
            Bucket=self.bucket, Key=self.object_key(key), Body=data, ContentType=_content_type(key)
        )
        self._cache_write(key, resp["ETag"], lambda p: p.write_bytes(data))
        return key

    def put_file(self, key: str, path: Path) -> str:
        if path.stat().st_size > MULTIPART_THRESHOLD_BYTES:
            # Multipart, with parts retried; not cached here since its ETag is not returned to us.
            self.client.upload_file(
                str(path), self.bucket, self.object_key(key), ExtraArgs={"ContentType": _content_type(key)}
            )
            return key
        with path.open("rb") as body:
            resp = self.client.put_object(
                Bucket=self.bucket, Key=self.object_key(key), Body=body, ContentType=_content_type(key)
            )
        self._cache_write(key, resp["ETag"], lambda p: shutil.copyfile(path, p))
        return key

    def delete(self, key: str) -> None:
        """Remove an object (S3 answers a missing key with success too); cached copies are
        per version and age out with the cache."""
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    # -- reads ----------------------------------------------------------------------------

    def exists(self, key: str) -> bool:
        return self._etag(key) is not None

    def path(self, key: str) -> Path:
        """A local copy of the current version of ``key`` (downloaded once per version)."""
        etag = self._etag(key)
        if etag is None:
            raise FileNotFoundError(f"no blob {key!r} in s3://{self.bucket}/{self.prefix}")
        cached = self._cache_path(key, etag)
        if not cached.is_file():
            self._cache_write(
                key, etag, lambda p: self.client.download_file(self.bucket, self.object_key(key), str(p))
            )
        return cached

    def url(self, key: str) -> str:
        if self.presign:
            url: str = self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self.object_key(key)},
                ExpiresIn=self.presign_expiry_s,
            )
            return url
        return f"{self.public_base_url}/files/{checked_key(key)}"

    def open(self, key: str, byte_range: str | None = None) -> BlobObject | None:
        """Stream an object for ``GET /files/{key}``; None when it does not exist."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if byte_range:
            params["Range"] = byte_range
        try:
            resp = self.client.get_object(**params)
        except ClientError as err:
            if _is_missing(err):
                return None
            raise
        headers = {
            "content-type": resp.get("ContentType") or _content_type(key),
            "content-length": str(resp["ContentLength"]),
            "etag": resp["ETag"],
            "accept-ranges": "bytes",
        }
        if resp.get("ContentRange"):
            headers["content-range"] = resp["ContentRange"]
        body = resp["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK_BYTES)
            finally:
                body.close()

        return BlobObject(206 if resp.get("ContentRange") else 200, headers, chunks())

    # -- local cache ----------------------------------------------------------------------

    def _etag(self, key: str) -> str | None:
        try:
            resp = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as err:
            if _is_missing(err):
                return None
            raise
        return str(resp["ETag"])

    def _cache_path(self, key: str, etag: str) -> Path:
        version = etag.strip('"').replace("/", "_") or "none"
        return self.cache_dir / version / checked_key(key)

    def _cache_write(self, key: str, etag: str, write: Any) -> None:
        """Atomically place one version in the cache: readers never see a half-written file."""
        target = self._cache_path(key, etag)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        try:
            write(Path(tmp))
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
