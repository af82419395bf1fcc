"""The project's one content hasher: canonical JSON + SHA-256, and a stable integer seed.

Everything that keys a cache or recognises "the same input again" (render spans, stage results,
idempotency fingerprints, receipt templates) hashes through :func:`content_hash`, so two places can
never disagree about what "the same" means.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def _canonical(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return _canonical(obj.model_dump(mode="json", by_alias=True))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _canonical(dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(key): _canonical(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_canonical(value) for value in obj]
    if isinstance(obj, set | frozenset):
        return sorted((_canonical(value) for value in obj), key=canonical_json)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, bytes):
        return {"sha256": hashlib.sha256(obj).hexdigest()}
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise TypeError(f"content_hash cannot canonicalise {type(obj).__name__}")


def canonical_json(obj: Any) -> str:
    """``obj`` as canonical JSON: keys sorted, no whitespace, UTF-8 text (not ``\\u`` escapes).

    Non-finite floats are written as ``NaN``/``Infinity``: this text is only ever hashed, and a
    request body that carries one must still get a fingerprint rather than an error.
    """
    return json.dumps(_canonical(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(obj: Any) -> str:
    """Stable SHA-256 (hex) of ``obj``'s canonical JSON.

    Accepts pydantic models, dataclasses, mappings, sequences, sets, paths, bytes and JSON scalars
    (anything else raises ``TypeError``: a silent ``str()`` could hash two different values alike).
    Same value → same hash across processes, runs and machines.
    """
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def stable_int(*parts: object) -> int:
    """A 64-bit integer from ``parts``' ``str()`` values, the same in every process (``hash()`` is
    salted per process): seeds for deterministic palettes, layouts and orderings."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")
