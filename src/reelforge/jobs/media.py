"""The one way a request's media gets in: fetched (SSRF-guarded, size-capped, decoded) or
uploaded, named by content, and held in memory until the request is accepted — a refused request
stores nothing."""

from __future__ import annotations

from reelforge.jobs.base import StoredImage
from reelforge.runtime import Runtime
from reelforge.storage.blobs import content_key
from reelforge.storage.fetch import fetch_image, load_image


class StagedMedia:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.blobs: dict[str, bytes] = {}  # blob key -> bytes, written by submit() once accepted

    def _stage(self, data: bytes) -> str:
        key = content_key("inputs", data, ".img")
        self.blobs[key] = data
        return key

    def image(self, url: str, field: str) -> StoredImage:
        data, img = fetch_image(url, self.rt.fetch_policy, field)
        return StoredImage(self._stage(data), img)

    def upload(self, data: bytes, field: str) -> StoredImage:
        img = load_image(data, self.rt.fetch_policy, field)
        return StoredImage(self._stage(data), img)


def echo_url(url: str) -> str:
    """The URL as responses repeat it: data: URLs are summarised instead of echoed back whole."""
    if url.startswith("data:"):
        return f"{url.split(',', 1)[0]},… ({len(url)} chars)"
    return url
