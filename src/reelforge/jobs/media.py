"""The one way a request's media gets in: fetched (SSRF-guarded, size-capped, decoded to check
it) or uploaded, stored at once under a random name scoped to the account, and journalled so a
refused request — or a process that dies before accepting it — leaves nothing behind
(core/staged_inputs.py).

Nothing decoded is kept: prepare needs only each image's size, and holding the pixels of every
image of a request (a roll-up may list 122) until it is accepted is what made memory unbounded.
The request's images together must stay within ``max_request_pixels``.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from typing import Literal

from reelforge.core import staged_inputs
from reelforge.core.errors import BadRequest
from reelforge.core.ids import new_id
from reelforge.jobs.base import StoredImage, StoredMedia
from reelforge.render.ffmpeg import RenderError
from reelforge.render.probe import probe_media
from reelforge.runtime import Runtime
from reelforge.storage.fetch import fetch, fetch_image, load_image

OWN_KEY = re.compile(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_.\-]+)+")


class StagedMedia:
    def __init__(self, rt: Runtime, account_id: str) -> None:
        self.rt = rt
        self.account_id = account_id
        self.submission_id = new_id("sub")
        self.keys: list[str] = []  # stored, and journalled under submission_id until accepted
        self.pixels = 0

    def _store(self, data: bytes, suffix: str) -> str:
        # Random, not derived from the bytes: a content-derived URL would let anyone holding the
        # same file confirm that another tenant uploaded it.
        key = f"inputs/{self.account_id}/{secrets.token_hex(16)}{suffix}"
        staged_inputs.journal(self.rt.db, self.submission_id, key)
        self.keys.append(key)
        self.rt.blobs.put_bytes(key, data)
        return key

    def _stage(self, data: bytes, size: tuple[int, int], field: str) -> StoredImage:
        self.pixels += size[0] * size[1]
        budget = self.rt.settings.max_request_pixels
        if budget and self.pixels > budget:
            raise BadRequest(
                f"{field}: the request's images add up to more than {budget} pixels; send fewer or smaller images.",
                field=field,
            )
        return StoredImage(self._store(data, ".img"), size)

    def image(self, url: str, field: str) -> StoredImage:
        own = self._own_file(url)
        if own is not None:
            return self.upload(own, field)
        data, img = fetch_image(url, self.rt.fetch_policy, field)
        size = img.size
        del img  # the decode proved the file whole; only its size is needed from here on
        return self._stage(data, size, field)

    def media(self, url: str, field: str, need: Literal["audio", "video"]) -> StoredMedia:
        """An audio or video file, proved by probing it: 400 naming ``field`` when it has no
        stream of the kind needed or no duration."""
        data = self._own_file(url)
        if data is None:
            data = fetch(url, self.rt.fetch_policy, field).data
        with tempfile.NamedTemporaryFile(suffix=".media") as tmp:
            tmp.write(data)
            tmp.flush()
            try:
                info = probe_media(tmp.name)
            except RenderError as exc:
                raise BadRequest(f"{field} is not a readable {need} file.", field=field) from exc
        kinds = {s["type"] for s in info["streams"]}
        if need not in kinds or (need == "audio" and not info["duration"]):
            raise BadRequest(f"{field} has no {need} stream.", field=field)
        size = (info["width"], info["height"]) if "video" in kinds else None
        return StoredMedia(self._store(data, ".media"), float(info["duration"] or 0), size, "audio" in kinds)

    def _own_file(self, url: str) -> bytes | None:
        """The bytes behind a URL of this server's own files (``/v2/upload_image_data`` answers with
        such URLs), read from the blob store: the fetcher would refuse the server's own address
        when it is a private one, and there is nothing to fetch."""
        if url.startswith("data:"):
            return None
        # The store's URL of a key, minus the key: its prefix (presigned URLs carry a per-key query,
        # so files behind them are fetched like any other URL).
        probe = self.rt.blobs.url("uploads/probe")
        if "?" in probe or not probe.endswith("uploads/probe"):
            return None
        prefix = probe[: -len("uploads/probe")]
        key = url[len(prefix):] if url.startswith(prefix) else None
        if not key or ".." in key or not OWN_KEY.fullmatch(key) or not self.rt.blobs.exists(key):
            return None
        return self.rt.blobs.path(key).read_bytes()

    def upload(self, data: bytes, field: str) -> StoredImage:
        return self._stage(data, load_image(data, self.rt.fetch_policy, field).size, field)

    def discard_unaccepted(self) -> None:
        """After submission: delete what was stored unless the request was accepted (refused,
        failed, or answered by an idempotent replay, whose first request has its own inputs)."""
        if self.keys:
            staged_inputs.discard(self.rt.db, self.rt.blobs, self.submission_id)


def echo_url(url: str) -> str:
    """The URL as responses repeat it: data: URLs are summarised instead of echoed back whole."""
    if url.startswith("data:"):
        return f"{url.split(',', 1)[0]},… ({len(url)} chars)"
    return url
