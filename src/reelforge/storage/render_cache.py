"""The blob store as the render's span cache (render/spans.py): every worker of a deployment sees the
spans and sound tracks any other one rendered, on local disk or S3 alike."""

from __future__ import annotations

import logging
from pathlib import Path

from reelforge.storage.blobs import BlobStore

PREFIX = "render-cache/"
log = logging.getLogger(__name__)


class BlobSpanCache:
    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    def get(self, name: str) -> Path | None:
        key = PREFIX + name
        try:
            return self._blobs.path(key) if self._blobs.exists(key) else None
        except FileNotFoundError:  # removed between the two calls: a miss like any other
            return None

    def put(self, name: str, path: Path) -> None:
        try:
            self._blobs.put_file(PREFIX + name, path)
        except Exception:  # a cache: the render it serves has succeeded; the next one encodes this again
            log.warning("could not keep %s in the render cache", name, exc_info=True)
