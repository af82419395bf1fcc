"""The blob store: where inputs and results live, and the stable URL each is served at.

``LocalBlobStore`` keeps files under one directory (which may be a shared mount in a
cluster); the API serves them at ``{public_base_url}/files/{key}``. ``S3BlobStore``
(storage/s3.py) keeps them in an S3-compatible object store; ``open_blob_store`` picks one
from the settings.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from reelforge.settings import Settings


class BlobStore(Protocol):
    def put_bytes(self, key: str, data: bytes) -> str: ...
    def put_file(self, key: str, path: Path) -> str: ...
    def path(self, key: str) -> Path: ...
    def exists(self, key: str) -> bool: ...
    def url(self, key: str) -> str: ...
    def delete(self, key: str) -> None: ...


def content_key(prefix: str, data: bytes, suffix: str) -> str:
    """A content-addressed key: identical inputs are stored once."""
    return f"{prefix}/{hashlib.sha256(data).hexdigest()[:32]}{suffix}"


class LocalBlobStore:
    def __init__(self, root: Path, public_base_url: str):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.public_base_url = public_base_url.rstrip("/")

    def path(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise ValueError(f"blob key escapes the store: {key!r}")
        return target

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def _atomic_write(self, key: str, write: object) -> str:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        try:
            write(Path(tmp))  # type: ignore[operator]
            os.replace(tmp, target)  # readers never see a half-written file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return key

    def put_bytes(self, key: str, data: bytes) -> str:
        return self._atomic_write(key, lambda p: p.write_bytes(data))

    def put_file(self, key: str, path: Path) -> str:
        return self._atomic_write(key, lambda p: shutil.copyfile(path, p))

    def url(self, key: str) -> str:
        return f"{self.public_base_url}/files/{key}"

    def delete(self, key: str) -> None:
        """Remove a blob; a missing one is not an error (deletes are retried by sweeps)."""
        self.path(key).unlink(missing_ok=True)


def open_blob_store(settings: Settings) -> BlobStore:
    """The object store when ``storage_url`` is set, else the (possibly shared) directory."""
    if not settings.storage_url:
        return LocalBlobStore(settings.resolved_storage_dir, settings.public_base_url)
    from reelforge.storage.s3 import S3BlobStore  # boto3 is imported only by deployments that use it

    return S3BlobStore(
        settings.storage_url,
        (settings.storage_cache_dir or settings.data_dir / "blob-cache"),
        settings.public_base_url,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
        addressing_style=settings.s3_addressing_style,
        presign=settings.storage_url_mode == "presigned",
        presign_expiry_s=settings.s3_presign_expiry_s,
    )
