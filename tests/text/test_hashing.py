"""The one content hasher: canonical JSON + SHA-256, and stable_int."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from reelforge.core import idempotency
from reelforge.core.hashing import canonical_json, content_hash, stable_int
from reelforge.imaging.receipts.template import template_hash


@dataclass
class _Point:
    x: int
    label: str


def test_canonical_json_is_order_and_whitespace_free() -> None:
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'
    assert content_hash({"b": 1, "a": 2}) == content_hash({"a": 2, "b": 1})
    assert content_hash({3, 1, 2}) == content_hash({2, 3, 1}) == content_hash([1, 2, 3])
    assert content_hash((1, 2)) == content_hash([1, 2])
    assert content_hash(_Point(1, "a")) == content_hash({"x": 1, "label": "a"})
    assert content_hash(Path("/x/y")) == content_hash("/x/y")
    assert content_hash(b"abc") == content_hash({"sha256": hashlib.sha256(b"abc").hexdigest()})


def test_content_hash_is_pinned_across_releases() -> None:
    # Cache keys live in the database and the blob store: a change here invalidates them all.
    assert content_hash({"a": [1, 2.5, None, True], "t": "ไทย"}) == hashlib.sha256(
        '{"a":[1,2.5,null,true],"t":"ไทย"}'.encode()).hexdigest()


def test_content_hash_refuses_what_it_cannot_canonicalise_but_takes_nan() -> None:
    with pytest.raises(TypeError):
        content_hash(object())
    assert content_hash({"x": math.nan}) == content_hash({"x": float("nan")})


def test_every_former_hasher_is_content_hash() -> None:
    template = {"fields": ["total", "merchant_name"], "name": "Café"}
    assert template_hash(template) == content_hash(template)
    body = {"prompt": "hi", "n": 2}
    assert idempotency.fingerprint("/v1/x", body) == content_hash({"route": "/v1/x", "body": body})


def test_stable_int_is_process_independent() -> None:
    expected = int.from_bytes(hashlib.sha256(b"palette\x1fkey").digest()[:8], "big")
    assert stable_int("palette", "key") == expected
    assert stable_int("a", 1) != stable_int("a", 2)
