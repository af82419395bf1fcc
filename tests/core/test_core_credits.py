"""Credits through HTTP: 402, idempotency, concurrency, ledger visibility."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import httpx

from support import ReelforgeServer


def _enhance_body(png: bytes) -> dict[str, str]:
    return {"image_url": "data:image/png;base64," + base64.b64encode(png).decode(), "resolution": "1k"}


def test_insufficient_credits_is_402_and_nothing_is_enqueued(server: ReelforgeServer, sample_png: bytes) -> None:
    key = server.new_key(credits=44)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json=_enhance_body(sample_png))
        assert r.status_code == 402, r.text
        assert "Insufficient credits" in r.json()["message"]
        assert c.get("/v1/credits").json()["remainingCredits"] == 44
        assert c.get("/v1/image/list").json()["sessions"] == []
        entries = c.get("/v1/credits/ledger").json()["entries"]
        assert [e["kind"] for e in entries] == ["grant"]


def test_idempotent_replay_and_conflict(server: ReelforgeServer, sample_png: bytes) -> None:
    key = server.new_key(credits=500)
    with server.client(key) as c:
        body = _enhance_body(sample_png)
        first = c.post("/v1/image/enhance", json=body, headers={"Idempotency-Key": "abc-1"})
        again = c.post("/v1/image/enhance", json=body, headers={"Idempotency-Key": "abc-1"})
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        assert again.headers["x-credits-charged"] == "45" and again.headers["x-credits-remaining"] == "455"
        assert c.get("/v1/credits").json()["remainingCredits"] == 455

        other = c.post("/v1/image/enhance", json={**body, "resolution": "2k"}, headers={"Idempotency-Key": "abc-1"})
        assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
        assert c.get("/v1/credits").json()["remainingCredits"] == 455
        assert len(c.get("/v1/image/list").json()["sessions"]) == 1


def test_refused_request_releases_its_idempotency_key(server: ReelforgeServer, sample_png: bytes) -> None:
    key = server.new_key(credits=10)
    with server.client(key) as c:
        body = _enhance_body(sample_png)
        assert c.post("/v1/image/enhance", json=body, headers={"Idempotency-Key": "k"}).status_code == 402
        account = c.get("/v1/credits").json()["account_id"]
    server.cli("credits", "grant", account, "100")
    with server.client(key) as c:
        assert c.post("/v1/image/enhance", json=body, headers={"Idempotency-Key": "k"}).status_code == 200


def test_parallel_charges_never_overdraw(server: ReelforgeServer, sample_png: bytes) -> None:
    key = server.new_key(credits=45 * 10 + 20)
    body = _enhance_body(sample_png)

    def post(_: int) -> int:
        with server.client(key, timeout=60) as c:
            return c.post("/v1/image/enhance", json=body).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(post, range(50)))
    assert codes.count(200) == 10 and codes.count(402) == 40, codes
    with server.client(key) as c:
        assert c.get("/v1/credits").json()["remainingCredits"] == 20
        entries = c.get("/v1/credits/ledger").json()["entries"]
        assert all(e["balance_after"] >= 0 for e in entries)
        assert sum(e["amount"] for e in entries) == 20
    assert httpx.get(server.base_url + "/healthz").status_code == 200
