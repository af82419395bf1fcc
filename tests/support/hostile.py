"""What every hostile request must leave behind: a clear JSON 4xx, no charge, nothing stored."""

from __future__ import annotations

import io
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from PIL import Image

from support.servers import ReelforgeServer

# The hostile server's limits (tests/hostile/conftest.py): small, so they are cheap to reach.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_FETCH_BYTES = 1024 * 1024
MAX_IMAGE_PIXELS = 4_000_000
MAX_PENDING_JOBS = 3


@dataclass(frozen=True)
class AccountState:
    balance: int
    ledger_entries: int
    request_rows: int
    idempotency_rows: int
    files: frozenset[str]


def _count(server: ReelforgeServer, table: str, account_id: str) -> int:
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        return int(db.execute(f"SELECT count(*) FROM {table} WHERE account_id = ?", (account_id,)).fetchone()[0])


def stored_files(server: ReelforgeServer) -> frozenset[str]:
    root = server.data_dir / "files"
    return frozenset(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else frozenset()


def account_state(server: ReelforgeServer, client: httpx.Client) -> AccountState:
    credits = client.get("/v1/credits").json()
    account_id = credits["account_id"]
    return AccountState(
        balance=credits["credits"],
        ledger_entries=len(client.get("/v1/credits/ledger").json()["entries"]),
        request_rows=_count(server, "requests", account_id),
        idempotency_rows=_count(server, "idempotency_records", account_id),
        files=stored_files(server),
    )


@contextmanager
def nothing_charged_or_stored(server: ReelforgeServer, client: httpx.Client) -> Iterator[None]:
    before = account_state(server, client)
    yield
    after = account_state(server, client)
    assert after == before, f"state changed:\nbefore {before}\nafter  {after}"


def assert_clear_4xx(response: httpx.Response, status: int | None = None, field: str | None = None) -> dict[str, str]:
    """A 4xx with the JSON error shape (``error`` code + human ``message``); optionally the exact
    status and the blamed field."""
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    if status is not None:
        assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, str] = response.json()
    assert body["error"] and body["message"], body
    if field is not None:
        assert body.get("field") == field, body
    return body


# --- hostile media -----------------------------------------------------------------------------


def png(width: int, height: int, noise: bool = False) -> bytes:
    if noise:
        import numpy as np

        pixels = np.random.default_rng(7).integers(0, 255, (height, width, 3), dtype=np.uint8)
        img = Image.fromarray(pixels)
    else:
        img = Image.new("RGB", (width, height), (30, 120, 200))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 20)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG header that claims ``width x height`` pixels (an image bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )
