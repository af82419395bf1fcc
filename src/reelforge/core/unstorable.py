"""Values nothing can store or answer with: NUL characters, unpaired UTF-16 surrogates and
non-finite numbers (``NaN``, ``Infinity``, which Python's JSON parser accepts).

PostgreSQL refuses NUL in text and JSON, a lone surrogate cannot be encoded as UTF-8 (file
names, subtitles, logs), and a NaN echoed in a response makes the JSON encoder fail after the
charge. Every request body (``jobs.body.RequestBody``) is checked with :func:`unstorable_path`.
"""

from __future__ import annotations

import math
import re
from typing import Any

_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def _unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None


def unstorable_path(data: Any) -> str | None:
    """The path (``a.b.0``) of the first key or string holding NUL or a lone surrogate, or of the
    first non-finite number; None when there is none.

    Iterative, so a deeply nested body cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _unsafe(value):
                return path or "body"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = _UNSAFE.sub("\ufffd", str(key))  # the path is echoed back: never echo the bad text
                child = f"{path}.{name}" if path else name
                if isinstance(key, str) and _unsafe(key):
                    return child
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None
