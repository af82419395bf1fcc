"""Image titles from a vision-capable chat model on the configured OpenAI-compatible endpoint.

Used by ``POST /v1/image/assign_title`` when ``REELFORGE_OPENAI_BASE_URL`` is set; the offline
titler (``imaging.titles``) answers whenever the endpoint is absent or fails.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from PIL import Image

from reelforge.imaging.titles import MAX_TITLE_CHARS
from reelforge.providers.openai_compat import OpenAICompatClient, ProviderError

_PREVIEW_SIDE = 768  # vision models downscale anyway; a small JPEG keeps the request light
_INSTRUCTIONS = (
    "You write short SEO titles for product and marketing images. Reply with the title only: "
    "at most 8 words, Title Case, no quotes, no trailing punctuation. Prefer the product or "
    "subject named in the metadata when there is one."
)


def _jpeg_data_url(img: Image.Image) -> str:
    preview = img.convert("RGB")
    preview.thumbnail((_PREVIEW_SIDE, _PREVIEW_SIDE))
    buf = io.BytesIO()
    preview.save(buf, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def clean_title(reply: str) -> str | None:
    """The first non-empty line, without quotes, a "Title:" prefix or trailing punctuation."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(r"^(seo\s+)?title\s*:\s*", "", line, flags=re.I).strip().strip("\"'“”‘’*`").strip()
    line = line.rstrip(".!;:,")
    if len(line) > MAX_TITLE_CHARS:
        line = line[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return line or None


def vision_title(client: OpenAICompatClient, model: str, img: Image.Image, metadata: Mapping[str, Any]) -> str | None:
    """A title from the model, or None when the model gives nothing usable.
    Raises :class:`ProviderError` when the endpoint fails."""
    content: list[dict[str, Any]] = [
        {"type": "text", "text": f"Metadata: {json.dumps(dict(metadata), ensure_ascii=False, default=str)}"},
        {"type": "image_url", "image_url": {"url": _jpeg_data_url(img)}},
    ]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": _INSTRUCTIONS},
        {"role": "user", "content": content},
    ]
    return clean_title(client.chat(messages, model, temperature=0.2))


__all__ = ["ProviderError", "clean_title", "vision_title"]
