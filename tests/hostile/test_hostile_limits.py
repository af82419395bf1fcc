"""Abuse limits on a real server: per-key rate limiting (429 + Retry-After), failed
authentications per client address (429), request body size (413 before parsing), and a bound on
an account's pending jobs (429, nothing charged)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from support import ReelforgeServer
from support.hostile import (
    MAX_BODY_BYTES,
    MAX_PENDING_JOBS,
    account_state,
    assert_clear_4xx,
    nothing_charged_or_stored,
    png,
)
from support.media import data_url

RATE_PER_S = 2
BURST = 4
AUTH_FAILURES_PER_S = 1
AUTH_FAILURE_BURST = 5


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReelforgeServer]:
    srv = ReelforgeServer(
        tmp_path_factory.mktemp("rate-limited"),
        {
            "REELFORGE_RATE_LIMIT_PER_S": str(RATE_PER_S),
            "REELFORGE_RATE_LIMIT_BURST": str(BURST),
            "REELFORGE_AUTH_FAILURES_PER_S": str(AUTH_FAILURES_PER_S),
            "REELFORGE_AUTH_FAILURE_BURST": str(AUTH_FAILURE_BURST),
        },
        workers=False,
    )
    srv.start()
    yield srv
    srv.stop()


def _burst(client: httpx.Client, n: int, path: str = "/v1/credits") -> list[httpx.Response]:
    return [client.get(path) for _ in range(n)]


def test_rate_limit_per_key_answers_429_with_retry_after(limited_server: ReelforgeServer) -> None:
    first, second = limited_server.new_key(), limited_server.new_key()
    with limited_server.client(first) as c1, limited_server.client(second) as c2:
        responses = _burst(c1, BURST + 2)
        assert [r.status_code for r in responses[:BURST]] == [200] * BURST
        limited = responses[BURST]
        body = assert_clear_4xx(limited, 429)
        assert body["error"] == "rate_limited"
        retry_after = int(limited.headers["Retry-After"])
        assert 1 <= retry_after <= 2  # one token takes 1/RATE_PER_S s to come back
        # Another key has its own bucket; health checks and files are not limited at all.
        assert c2.get("/v1/credits").status_code == 200
        assert all(r.status_code == 200 for r in _burst(c1, 10, "/healthz"))
        time.sleep(retry_after)
        assert c1.get("/v1/credits").status_code == 200


def test_requests_without_a_key_are_limited_by_address(limited_server: ReelforgeServer) -> None:
    with httpx.Client(base_url=limited_server.base_url) as anonymous:
        statuses = [r.status_code for r in _burst(anonymous, BURST + 2)]
    assert statuses[:BURST] == [400] * BURST  # missing key: the usual 400 while under the limit
    assert statuses[BURST:] == [429, 429]


def test_failed_authentications_are_limited_per_client_address(limited_server: ReelforgeServer) -> None:
    good = limited_server.new_key()
    with limited_server.client(good) as c:
        assert c.get("/v1/credits").status_code == 200  # this key has now been seen authenticating
    unseen = limited_server.new_key()
    statuses = []
    for i in range(AUTH_FAILURE_BURST + 2):  # a fresh garbage key each time: a fresh per-key bucket each time
        with limited_server.client(f"rf_live_guess_{i:04d}") as guess:
            statuses.append(guess.get("/v1/credits"))
    assert [r.status_code for r in statuses[:AUTH_FAILURE_BURST]] == [401] * AUTH_FAILURE_BURST
    refused = statuses[AUTH_FAILURE_BURST]
    assert "failed authentications" in assert_clear_4xx(refused, 429)["message"]
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    with limited_server.client(good) as c:
        assert c.get("/v1/credits").status_code == 200  # a key seen working carries on behind the same address
    with limited_server.client(unseen) as c:
        assert c.get("/v1/credits").status_code == 429  # any other key waits, like a guess
        assert c.get("/healthz").status_code == 200
        time.sleep(retry_after)
        assert c.get("/v1/credits").status_code == 200  # a success takes nothing from the address's budget
        assert c.get("/v1/credits").status_code == 200


def test_throttled_posts_are_not_parsed_or_charged(limited_server: ReelforgeServer) -> None:
    key = limited_server.new_key()
    with limited_server.client(key) as c:
        before = c.get("/v1/credits").json()["credits"]
        _burst(c, BURST)  # drain the bucket
        r = c.post("/v1/image/enhance", json={"image_url": data_url(png(32, 32))})
        assert_clear_4xx(r, 429)
        time.sleep(int(r.headers["Retry-After"]) + 0.5)
        assert c.get("/v1/credits").json()["credits"] == before


# --- body size ---------------------------------------------------------------------------------


def test_oversized_bodies_are_413_before_parsing(hostile_server: ReelforgeServer) -> None:
    oversized = b'{"image_url": "' + b"a" * (MAX_BODY_BYTES + 1) + b'"}'
    with hostile_server.client(hostile_server.new_key()) as c, nothing_charged_or_stored(hostile_server, c):
        declared = c.post("/v1/image/enhance", content=oversized, headers={"content-type": "application/json"})
        assert assert_clear_4xx(declared, 413, "body")["error"] == "payload_too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            for start in range(0, len(oversized), 256 * 1024):
                yield oversized[start : start + 256 * 1024]

        chunked = c.post("/v1/image/enhance", content=chunks(), headers={"content-type": "application/json"})
        assert_clear_4xx(chunked, 413, "body")
        # Not valid JSON either: a 413, not a 400, proves the body was never parsed.
        garbage = c.post("/v1/video/text_to_video", content=b"\xff" * (MAX_BODY_BYTES + 10))
        assert_clear_4xx(garbage, 413)
        # Under the limit, a chunked body reaches the route and is judged on its content.
        small = b'{"image_url": "not-a-url"}'
        r = c.post("/v1/image/enhance", content=iter([small]), headers={"content-type": "application/json"})
        assert_clear_4xx(r, 400, "image_url")


# --- pending jobs per account ------------------------------------------------------------------


def test_pending_jobs_per_account_are_bounded_and_nothing_is_charged(hostile_server: ReelforgeServer) -> None:
    image = {"image_url": data_url(png(48, 32))}
    with hostile_server.client(hostile_server.new_key()) as c:
        accepted = []
        for i in range(MAX_PENDING_JOBS):
            r = c.post("/v1/image/enhance", json=image, headers={"Idempotency-Key": f"job-{i}"})
            assert r.status_code == 200, r.text
            accepted.append(r.json()["request_id"])
        with nothing_charged_or_stored(hostile_server, c):
            over = c.post("/v1/image/enhance", json=image, headers={"Idempotency-Key": "one-too-many"})
            body = assert_clear_4xx(over, 429)
            assert body["error"] == "too_many_pending_jobs"
            assert body["max_pending_jobs"] == MAX_PENDING_JOBS and over.headers["Retry-After"] == "5"
            # A replay of an accepted request is not a new job: it still answers, without a charge.
            replay = c.post("/v1/image/enhance", json=image, headers={"Idempotency-Key": "job-0"})
            assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
            assert replay.json()["request_id"] == accepted[0]
        # A finished (here: cancelled) job frees its slot; the refused key was not kept, so it works now.
        c.post("/v1/video/cancel_render", json={"videoSessionId": accepted[0]}).raise_for_status()
        before = account_state(hostile_server, c)
        retried = c.post("/v1/image/enhance", json=image, headers={"Idempotency-Key": "one-too-many"})
        assert retried.status_code == 200, retried.text
        after = account_state(hostile_server, c)
        assert after.balance == before.balance - retried.json()["creditsCharged"]
        assert after.request_rows == before.request_rows + 1
        for rid in [*accepted[1:], retried.json()["request_id"]]:
            c.post("/v1/video/cancel_render", json={"videoSessionId": rid}).raise_for_status()
