"""Local files as ``data:`` URLs, which every image field accepts alongside http(s) URLs."""

from __future__ import annotations

import base64
import mimetypes
import os
from pathlib import Path

SNIFF = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


def sniff_mime(data: bytes, name: str = "") -> str:
    """The image type from its first bytes (then its name), ``application/octet-stream`` if unknown."""
    for magic, mime in SNIFF:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def to_data_url(source: str | os.PathLike[str] | bytes, mime_type: str | None = None) -> str:
    """A file path or bytes as a ``data:<mime>;base64,…`` URL; http(s) and data: URLs pass through."""
    if isinstance(source, str) and source.startswith(("http://", "https://", "data:")):
        return source
    if isinstance(source, bytes):
        data, name = source, ""
    else:
        path = Path(source)
        data, name = path.read_bytes(), path.name
    mime = mime_type or sniff_mime(data, name)
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
