"""The fetch guard on a real server (issue 13): DNS rebinding, IPv4-embedding IPv6 literals,
webhook targets, a slow-drip upstream cut at the total deadline, and the API staying fast while
50 slow fetches are in flight.

The server resolves fetch and webhook hosts through a scripted DNS server on 127.0.0.1
(``REELFORGE_FETCH_NAMESERVERS``); only the drip server's exact host:port is allowlisted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from net_fixtures import DripHTTP, ScriptedDNS
from support import FixtureHTTP, ReelforgeServer
from support.hostile import assert_clear_4xx, nothing_charged_or_stored, png
from support.media import data_url

DEADLINE_S = 8
PUBLIC = "93.184.215.14"  # globally routable; unreachable from the test machine or at least harmless
SLOW_FETCHES = 50
STATUS_SAMPLES = 200


@pytest.fixture(scope="module")
def dns() -> Iterator[ScriptedDNS]:
    with ScriptedDNS() as server:
        yield server


@pytest.fixture(scope="module")
def drip() -> Iterator[DripHTTP]:
    with DripHTTP(interval_s=2.0) as server:
        yield server


@pytest.fixture(scope="module")
def internal() -> Iterator[FixtureHTTP]:
    """A service inside the network: nothing may ever reach it."""
    with FixtureHTTP() as srv:
        srv.serve_bytes("/x.png", png(16, 16), "image/png")
        yield srv


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, dns: ScriptedDNS, drip: DripHTTP) -> Iterator[ReelforgeServer]:
    srv = ReelforgeServer(
        tmp_path_factory.mktemp("fetch-guard"),
        {
            "REELFORGE_FETCH_NAMESERVERS": f'["{dns.nameserver}"]',
            "REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{drip.port}"]',
            "REELFORGE_FETCH_DEADLINE_S": str(DEADLINE_S),
            "REELFORGE_RATE_LIMIT_PER_S": "0",
        },
        workers=False,
    )
    srv.start()
    yield srv
    srv.stop()


def test_dns_rebinding_cannot_reach_an_internal_server(
    guarded: ReelforgeServer, dns: ScriptedDNS, internal: FixtureHTTP
) -> None:
    dns.script("rebind.attacker.test", [PUBLIC], ["127.0.0.1"])
    with guarded.client(guarded.new_key()) as c, nothing_charged_or_stored(guarded, c):
        r = c.post("/v1/image/enhance", json={"image_url": f"http://rebind.attacker.test:{internal.port}/x.png"})
        assert_clear_4xx(r, 400, "image_url")
    assert internal.received == [] and dns.a_queries["rebind.attacker.test"] == 1


@pytest.mark.parametrize(
    "host",
    ["64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "2002:a9fe:a9fe::1", "::127.0.0.1", "::ffff:0:a9fe:a9fe",
     "::ffff:127.0.0.1"],
)
def test_ipv6_forms_embedding_internal_ipv4_are_refused(guarded: ReelforgeServer, host: str) -> None:
    with guarded.client(guarded.new_key()) as c, nothing_charged_or_stored(guarded, c):
        r = c.post("/v1/image/enhance", json={"image_url": f"http://[{host}]/latest/meta-data/"})
        assert "private" in assert_clear_4xx(r, 400, "image_url")["message"]


@pytest.mark.parametrize(
    "hook",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://[::1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "http://internal-hook.test/hook",  # a name: refused by what it resolves to
        "https://example.test/" + "a" * 3000,  # longer than the column (a 500 on PostgreSQL before)
        "ftp://example.test/hook",
    ],
)
def test_webhook_targets_inside_the_network_are_refused_at_acceptance(
    guarded: ReelforgeServer, dns: ScriptedDNS, hook: str
) -> None:
    dns.script("internal-hook.test", ["10.1.2.3"])
    with guarded.client(guarded.new_key()) as c, nothing_charged_or_stored(guarded, c):
        r = c.post("/v1/image/enhance", json={"image_url": data_url(png(16, 16)), "webhookUrl": hook})
        assert_clear_4xx(r, 400, "webhookUrl")


def test_a_public_webhook_target_is_accepted(guarded: ReelforgeServer, dns: ScriptedDNS) -> None:
    dns.script("hooks.customer.test", [PUBLIC])
    with guarded.client(guarded.new_key()) as c:
        r = c.post(
            "/v1/image/enhance",
            json={"image_url": data_url(png(16, 16)), "webhookUrl": "https://hooks.customer.test/reelforge"},
        )
        assert r.status_code == 200, r.text
        c.post("/v1/video/cancel_render", json={"videoSessionId": r.json()["request_id"]}).raise_for_status()


def test_a_slow_drip_is_cut_at_the_total_deadline(guarded: ReelforgeServer, drip: DripHTTP) -> None:
    with guarded.client(guarded.new_key()) as c, nothing_charged_or_stored(guarded, c):
        started = time.monotonic()
        r = c.post("/v1/image/enhance", json={"image_url": drip.url()})
        elapsed = time.monotonic() - started
        assert f"took longer than {DEADLINE_S} s" in assert_clear_4xx(r, 400, "image_url")["message"]
    assert DEADLINE_S - 0.5 <= elapsed < DEADLINE_S + 1.5, elapsed


def _p99(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.99) - 1]


def test_status_credits_and_health_stay_fast_with_50_slow_fetches_in_flight(
    guarded: ReelforgeServer, drip: DripHTTP
) -> None:
    other = guarded.new_key()
    with guarded.client(other) as c:
        pending = c.post("/v1/image/enhance", json={"image_url": data_url(png(16, 16))}).json()["request_id"]
    slow_key = guarded.new_key()

    def slow_fetch(_: int) -> httpx.Response:
        with guarded.client(slow_key, timeout=DEADLINE_S + 10) as s:
            return s.post("/v1/image/enhance", json={"image_url": drip.url()})

    def timed(c: httpx.Client, path: str, **params: str) -> float:
        started = time.perf_counter()
        assert c.get(path, params=params).status_code == 200
        return (time.perf_counter() - started) * 1000

    with guarded.client(other) as c:
        idle = [timed(c, "/v1/status", request_id=pending) for _ in range(STATUS_SAMPLES)]
    before = drip.served
    with ThreadPoolExecutor(SLOW_FETCHES) as pool, guarded.client(other) as c:
        slow = [pool.submit(slow_fetch, i) for i in range(SLOW_FETCHES)]
        deadline = time.monotonic() + DEADLINE_S / 2
        # Both counts: a fetch from an earlier test may still be dripping (the server notices a hang-up
        # only at its next write), so in_flight alone can reach 50 one connection early.
        while (drip.in_flight < SLOW_FETCHES or drip.served - before < SLOW_FETCHES) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert drip.in_flight >= SLOW_FETCHES and drip.served - before >= SLOW_FETCHES
        status = [timed(c, "/v1/status", request_id=pending) for _ in range(STATUS_SAMPLES)]
        credits = [timed(c, "/v1/credits") for _ in range(20)]
        health = [timed(c, "/healthz") for _ in range(20)]
        assert drip.in_flight >= SLOW_FETCHES  # still all in flight while we measured
        answers = [f.result() for f in slow]
        c.post("/v1/video/cancel_render", json={"videoSessionId": pending}).raise_for_status()
    p99, idle_p99 = _p99(status), _p99(idle)
    print(f"/v1/status p99 idle {idle_p99:.1f} ms; with {SLOW_FETCHES} slow fetches in flight: p50 "
          f"{statistics.median(status):.1f} ms, p99 {p99:.1f} ms; /v1/credits max {max(credits):.1f} ms; "
          f"/healthz max {max(health):.1f} ms")
    # The bound is 50 ms. On a machine whose own noise already exceeds half of it (a loaded shared CI
    # box), the slow fetches must not add to the idle figure measured on the same server just before.
    assert p99 < (50 if idle_p99 < 25 else 2 * idle_p99 + 10), (idle_p99, sorted(status)[-5:])
    assert max(credits) < 250 and max(health) < 250
    assert all(r.status_code == 400 and "took longer" in r.json()["message"] for r in answers)
