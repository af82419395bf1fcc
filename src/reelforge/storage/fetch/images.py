"""Images from client-supplied URLs: fetched through the guard, then checked by decoding them."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from reelforge.core.errors import BadRequest
from reelforge.storage.fetch.runner import FetchPolicy, fetch


def load_image(data: bytes, policy: FetchPolicy, field: str) -> Image.Image:
    """Decode and fully verify an image; refuse non-images, truncated files and decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            w, h = probe.size
            if w * h > policy.max_pixels:
                raise BadRequest(f"{field}: image is {w}x{h}, over the {policy.max_pixels}-pixel limit.", field=field)
            probe.verify()
            img = Image.open(io.BytesIO(data))
            img.load()
    except BadRequest:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadRequest(f"{field}: image is too large to decode safely.", field=field) from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise BadRequest(f"{field} is not a readable image ({exc.__class__.__name__}).", field=field) from exc
    return img


def fetch_image(url: str, policy: FetchPolicy, field: str) -> tuple[bytes, Image.Image]:
    fetched = fetch(url, policy, field)
    return fetched.data, load_image(fetched.data, policy, field)
