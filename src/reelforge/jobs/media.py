"""The one way a request's media gets in: fetched (SSRF-guarded, size-capped, decoded) or
uploaded, named by content, and held in memory until the request is accepted — a refused request
stores nothing."""

from __future__ import annotations

import re

from reelforge.jobs.base import StoredImage
from reelforge.runtime import Runtime
from reelforge.storage.blobs import content_key
from reelforge.storage.fetch import fetch_image, load_image

OWN_KEY = re.compile(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_.\-]+)+")


class StagedMedia:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.blobs: dict[str, bytes] = {}  # blob key -> bytes, written by submit() once accepted

    def _stage(self, data: bytes) -> str:
        key = content_key("inputs", data, ".img")
        self.blobs[key] = data
        return key

    def image(self, url: str, field: str) -> StoredImage:
        own = self._own_file(url)
        if own is not None:
            return self.upload(own, field)
        data, img = fetch_image(url, self.rt.fetch_policy, field)
        return StoredImage(self._stage(data), img)

    def _own_file(self, url: str) -> bytes | None:
        """The bytes behind a URL of this server's own files (``/v2/upload_image_data`` answers with
        such URLs), read from the blob store: the fetcher would refuse the server's own address
        when it is a private one, and there is nothing to fetch."""
        prefix = self.rt.blobs.url("")
        key = url[len(prefix):] if url.startswith(prefix) else None
        if not key or ".." in key or not OWN_KEY.fullmatch(key) or not self.rt.blobs.exists(key):
            return None
        return self.rt.blobs.path(key).read_bytes()

    def upload(self, data: bytes, field: str) -> StoredImage:
        img = load_image(data, self.rt.fetch_policy, field)
        return StoredImage(self._stage(data), img)


def echo_url(url: str) -> str:
    """The URL as responses repeat it: data: URLs are summarised instead of echoed back whole."""
    if url.startswith("data:"):
        return f"{url.split(',', 1)[0]},… ({len(url)} chars)"
    return url
