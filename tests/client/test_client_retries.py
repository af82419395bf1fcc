"""Retries: a POST whose response is lost is retried with the same Idempotency-Key and charged
once (a real server behind a proxy that drops the first answer); 429 and 409 honour Retry-After; 5xx
backs off and gives up; other errors are not retried; each failure raises the type for its status."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from reelforge.client import (
    APITimeoutError,
    Client,
    ConflictError,
    InternalServerError,
    RateLimitError,
    ReelforgeError,
    to_data_url,
)
from support import FixtureHTTP, ReelforgeServer
from support.client import Api, DroppingProxy
from support.media import png_bytes


@pytest.fixture
def proxy(server: ReelforgeServer) -> Iterator[DroppingProxy]:
    proxy = DroppingProxy(server.port, drop=1)
    yield proxy
    proxy.close()


def test_post_retried_after_dropped_connection_is_charged_once(
    server: ReelforgeServer, proxy: DroppingProxy, mode: str
) -> None:
    key = server.new_key(credits=1000)
    accepted = Api(mode, key, proxy.base_url)("enhance_image", image_url=to_data_url(png_bytes(64, 48)))

    assert len(proxy.requests) == 2, "the lost first answer was not retried"
    keys = proxy.idempotency_keys()
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0].startswith("rf-")
    assert accepted.headers.get("idempotent-replayed") == "true"
    assert accepted.credits_charged == 45 and accepted.credits_remaining == 1000 - 45

    direct = Api(mode, key, server.base_url)
    charges = [e for e in direct("get_credits_ledger").data.entries if e.kind == "charge"]
    assert [(e.request_id, e.amount) for e in charges] == [(accepted.data.request_id, -45)]
    assert direct("get_credits_balance").data.credits == 1000 - 45
    assert len(direct("list_image_requests").data.sessions) == 1  # one job, not two


class Scripted:
    """A fixture route answering a script of (status, headers, body) in turn, recording attempts."""

    def __init__(self, fixture_http: FixtureHTTP, path: str, script: list[tuple[int, dict[str, str], bytes]]):
        self.script = script
        self.attempts: list[tuple[float, dict[str, str]]] = []
        fixture_http.routes[path] = self

    def __call__(self, handler: BaseHTTPRequestHandler, _body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.attempts.append((time.monotonic(), dict(handler.headers.items())))
        return self.script[min(len(self.attempts), len(self.script)) - 1]


OK_JSON = (200, {"content-type": "application/json"}, b'{"credits": 7, "status": "queued", "request_id": "r1"}')
ERR = {"content-type": "application/json"}


def test_429_waits_for_retry_after(fixture_http: FixtureHTTP, mode: str) -> None:
    route = Scripted(
        fixture_http, "/t429/v1/credits", [(429, {**ERR, "retry-after": "1"}, b'{"message": "slow down"}'), OK_JSON]
    )
    result = Api(mode, "k", fixture_http.base_url + "/t429/v1")("get_credits_balance")
    assert result.data.credits == 7 and len(route.attempts) == 2
    assert route.attempts[1][0] - route.attempts[0][0] >= 0.95


def test_409_with_retry_after_is_retried_and_an_exhausted_429_is_a_rate_limit_error(
    fixture_http: FixtureHTTP, mode: str
) -> None:
    busy = Scripted(
        fixture_http, "/t409ra/v1/image/enhance", [(409, {**ERR, "retry-after": "1"}, b'{"message": "busy"}'), OK_JSON]
    )
    result = Api(mode, "k", fixture_http.base_url + "/t409ra/v1")("enhance_image", image_url="x")
    assert result.data.request_id == "r1" and len(busy.attempts) == 2
    assert busy.attempts[1][0] - busy.attempts[0][0] >= 0.95
    assert busy.attempts[0][1]["Idempotency-Key"] == busy.attempts[1][1]["Idempotency-Key"]

    limited = Scripted(
        fixture_http, "/t429x/v1/credits", [(429, {**ERR, "retry-after": "0"}, b'{"message": "slow down"}')]
    )
    with pytest.raises(RateLimitError) as caught:
        Api(mode, "k", fixture_http.base_url + "/t429x/v1", max_retries=1)("get_credits_balance")
    assert caught.value.status == 429 and caught.value.headers["retry-after"] == "0" and len(limited.attempts) == 2


def test_timeout_is_an_api_timeout_error(fixture_http: FixtureHTTP, mode: str) -> None:
    def slow(_handler: BaseHTTPRequestHandler, _body: bytes) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.5)
        return OK_JSON

    fixture_http.routes["/tslow/v1/credits"] = slow
    with pytest.raises(APITimeoutError) as caught:
        Api(mode, "k", fixture_http.base_url + "/tslow/v1", timeout=0.1, max_retries=0)("get_credits_balance")
    assert caught.value.status is None and isinstance(caught.value, ReelforgeError)


def test_5xx_post_retries_keep_the_idempotency_key(fixture_http: FixtureHTTP, mode: str) -> None:
    route = Scripted(fixture_http, "/t503/v1/image/enhance", [(503, ERR, b"{}"), (502, ERR, b"{}"), OK_JSON])
    result = Api(mode, "k", fixture_http.base_url + "/t503/v1", max_retries=2)("enhance_image", image_url="x")
    assert result.data.request_id == "r1" and len(route.attempts) == 3
    keys = {headers["Idempotency-Key"] for _, headers in route.attempts}
    assert len(keys) == 1


def test_in_flight_idempotent_replay_is_waited_for(fixture_http: FixtureHTTP) -> None:
    busy = (
        b'{"error": "conflict", "field": "Idempotency-Key",'
        b' "message": "A request with this Idempotency-Key is still being processed."}'
    )
    route = Scripted(fixture_http, "/t409/v1/image/enhance", [(409, ERR, busy), OK_JSON])
    with Client("k", base_url=fixture_http.base_url + "/t409/v1") as client:
        assert client.enhance_image(image_url="x", idempotency_key="mine").data.request_id == "r1"
    assert [h["Idempotency-Key"] for _, h in route.attempts] == ["mine", "mine"]


def test_retries_give_up_and_other_errors_are_not_retried(fixture_http: FixtureHTTP, mode: str) -> None:
    failing = Scripted(fixture_http, "/t500/v1/credits", [(500, ERR, b'{"message": "boom"}')])
    with pytest.raises(InternalServerError) as caught:
        Api(mode, "k", fixture_http.base_url + "/t500/v1", max_retries=1)("get_credits_balance")
    assert caught.value.status == 500 and caught.value.message == "boom" and len(failing.attempts) == 2

    conflict = Scripted(fixture_http, "/t409b/v1/image/enhance", [(409, ERR, b'{"message": "different body"}')])
    with pytest.raises(ConflictError) as caught:
        Api(mode, "k", fixture_http.base_url + "/t409b/v1")("enhance_image", image_url="x")
    assert caught.value.status == 409 and len(conflict.attempts) == 1

    bad = Scripted(
        fixture_http, "/t400/v1/credits", [(400, {**ERR, "x-credits-remaining": "12"}, b'{"message": "no"}')]
    )
    with pytest.raises(ReelforgeError) as caught:
        Api(mode, "k", fixture_http.base_url + "/t400/v1")("get_credits_balance")
    assert caught.value.status == 400 and caught.value.credits_remaining == 12 and len(bad.attempts) == 1


def test_download_retries_a_5xx(fixture_http: FixtureHTTP, mode: str, tmp_path: object) -> None:
    from pathlib import Path

    route = Scripted(fixture_http, "/tdl/file.bin", [(503, {}, b""), (200, {}, b"video bytes")])
    saved = Api(mode, "k", fixture_http.base_url + "/v1")("download", "/tdl/file.bin", Path(str(tmp_path)) / "f.bin")
    assert saved.read_bytes() == b"video bytes" and len(route.attempts) == 2
    assert route.attempts[1][1].get("Authorization") == "Bearer k"  # same origin as the API: key sent
