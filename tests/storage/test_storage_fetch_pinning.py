"""The fetcher connects only to the addresses it checked (issue 13, items 2-5).

Real servers on 127.0.0.1 throughout: a scripted DNS server the fetcher's resolver queries, an
"internal" HTTP server that must never be reached, a slow-drip server and a TLS server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from net_fixtures import DripHTTP, ScriptedDNS
from reelforge.core.errors import ApiError, BadRequest
from reelforge.storage.fetch import FetchBusy, FetchPolicy, fetch, post
from reelforge.storage.fetch.guard import DnsResolver, refusal
from support import FixtureHTTP

PUBLIC = "93.184.215.14"  # globally routable; connecting to it here fails or times out, and is harmless


@pytest.fixture
def dns() -> Iterator[ScriptedDNS]:
    with ScriptedDNS() as server:
        yield server


@pytest.fixture
def internal() -> Iterator[FixtureHTTP]:
    """Stands for a service inside the network: any request reaching it is the attack succeeding."""
    with FixtureHTTP() as srv:
        srv.serve_bytes("/secret", b"internal secret")
        yield srv


def policy(dns: ScriptedDNS, *allowlist: str, deadline_s: float = 3.0, max_concurrent: int = 64) -> FetchPolicy:
    return FetchPolicy(
        allowlist=allowlist,
        deadline_s=deadline_s,
        max_concurrent=max_concurrent,
        resolver=DnsResolver([dns.nameserver]),
    )


def test_a_rebinding_name_is_connected_to_the_address_it_was_checked_with(
    dns: ScriptedDNS, internal: FixtureHTTP
) -> None:
    dns.script("rebind.test", [PUBLIC], ["127.0.0.1"])
    with pytest.raises(BadRequest) as caught:
        fetch(f"http://rebind.test:{internal.port}/secret", policy(dns), "image_url")
    assert caught.value.field == "image_url"
    assert internal.received == []  # the old guard resolved again to connect: 127.0.0.1, the secret
    assert dns.a_queries["rebind.test"] == 1  # resolved once; the connection went to PUBLIC
    assert str(PUBLIC) not in caught.value.message and "HTTP" not in caught.value.message


def test_an_answer_holding_any_internal_address_is_refused(dns: ScriptedDNS, internal: FixtureHTTP) -> None:
    dns.script("mixed.test", [PUBLIC, "127.0.0.1"])
    with pytest.raises(BadRequest, match="private") as caught:
        fetch(f"http://mixed.test:{internal.port}/secret", policy(dns), "image_url")
    assert "loopback" in caught.value.message
    assert internal.received == []


def test_an_allowlisted_name_is_pinned_and_keeps_its_host_header(dns: ScriptedDNS, internal: FixtureHTTP) -> None:
    dns.script("media.test", ["127.0.0.1"], ["10.255.255.1"])
    fetched = fetch(f"http://media.test:{internal.port}/secret", policy(dns, f"media.test:{internal.port}"), "u")
    assert fetched.data == b"internal secret"
    assert internal.received[-1][1]["Host"] == f"media.test:{internal.port}"
    assert dns.a_queries["media.test"] == 1


def test_every_redirect_is_resolved_and_checked_again(dns: ScriptedDNS, internal: FixtureHTTP) -> None:
    dns.script("inner.test", ["127.0.0.1"])
    with FixtureHTTP() as outer:
        start = outer.redirect("/hop", f"http://inner.test:{internal.port}/secret")
        with pytest.raises(BadRequest, match="private"):
            fetch(start, policy(dns, f"127.0.0.1:{outer.port}"), "image_url")
    assert internal.received == [] and dns.a_queries["inner.test"] == 1


def test_upstream_status_codes_are_not_echoed(dns: ScriptedDNS, internal: FixtureHTTP) -> None:
    internal.routes["/teapot"] = lambda _h, _b: (418, {}, b"body the client must not see")
    with pytest.raises(BadRequest) as caught:
        fetch(internal.base_url + "/teapot", policy(dns, f"127.0.0.1:{internal.port}"), "image_url")
    assert caught.value.message == "image_url: the URL could not be fetched."


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 well-known prefix -> 169.254.169.254
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),  # RFC 8215 local-use prefix
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 -> 169.254.169.254
        ("2002:a00:1::1", "private"),  # 6to4 -> 10.0.0.1
        ("::127.0.0.1", "loopback"),  # IPv4-compatible
        ("::a9fe:a9fe", "link-local"),
        ("::ffff:0:a9fe:a9fe", "link-local"),  # SIIT IPv4-translated
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "private"),  # AWS metadata over IPv6
        ("ff02::1", "multicast"),
        ("2001::1", "private"),  # Teredo (IETF protocol assignments)
        ("100.100.100.200", "reserved or shared"),  # Alibaba metadata, carrier-grade NAT
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_internal_and_ipv4_embedding_addresses_are_refused(address: str, reason: str) -> None:
    found = refusal(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["8.8.8.8", "64:ff9b::808:808", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass_also_through_nat64(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_a_slow_drip_is_cut_at_the_total_deadline(dns: ScriptedDNS) -> None:
    with DripHTTP(interval_s=2.0) as drip:
        started = time.monotonic()
        with pytest.raises(BadRequest, match="took longer than 3 s"):
            fetch(drip.url(), policy(dns, f"127.0.0.1:{drip.port}", deadline_s=3.0), "image_url")
        elapsed = time.monotonic() - started
    assert 2.9 <= elapsed < 3.5, elapsed  # each read took 2 s: only the total deadline could end it


def test_fetches_past_the_bound_are_refused_with_503(dns: ScriptedDNS) -> None:
    with DripHTTP(interval_s=0.5) as drip:
        slow = policy(dns, f"127.0.0.1:{drip.port}", deadline_s=3.0, max_concurrent=2)
        threads = [threading.Thread(target=_swallow, args=(drip.url(), slow)) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 3
        while drip.in_flight < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(FetchBusy) as caught:
            fetch(drip.url(), slow, "image_url")
        for t in threads:
            t.join()
    assert caught.value.status_code == 503 and caught.value.response_headers() == {"Retry-After": "2"}


def _swallow(url: str, pol: FetchPolicy) -> None:
    with contextlib.suppress(ApiError):  # each one ends at its deadline: what it answers is not the point
        fetch(url, pol, "image_url")


def test_webhook_posts_are_checked_and_pinned_at_delivery(dns: ScriptedDNS, internal: FixtureHTTP) -> None:
    internal.routes["/hook"] = lambda _h, _b: (204, {}, b"")
    dns.script("hook.test", ["127.0.0.1"])
    hook = f"http://hook.test:{internal.port}/hook"
    with pytest.raises(BadRequest, match="private") as caught:
        post(hook, b"{}", {"webhook-id": "evt_1"}, policy(dns))
    assert caught.value.field == "webhookUrl" and internal.received == []
    # Allowlisted, the same name is delivered to, with the original Host and the signature headers.
    assert post(hook, b'{"a":1}', {"webhook-id": "evt_2"}, policy(dns, f"hook.test:{internal.port}")) == 204
    _path, headers, body = internal.received[-1]
    assert body == b'{"a":1}' and headers["webhook-id"] == "evt_2"
    assert headers["Host"] == f"hook.test:{internal.port}" and headers["Content-Type"] == "application/json"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, list[str | None]]]:
    """A TLS server with a self-signed certificate that records the SNI name each client sends."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=elsewhere",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    names: list[str | None] = []
    ctx.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment, func-returns-value]
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with ctx.wrap_socket(conn, server_side=True):
                pass
        except (ssl.SSLError, OSError):
            pass  # the client refuses our certificate: expected

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1]), names
    thread.join(5)
    listener.close()


def test_tls_sends_the_url_host_as_sni_and_verifies_against_it(
    dns: ScriptedDNS, tls_server: tuple[int, list[str | None]]
) -> None:
    port, names = tls_server
    dns.script("media.test", ["127.0.0.1"])
    with pytest.raises(BadRequest, match="could not be fetched"):  # self-signed, for another name: refused
        fetch(f"https://media.test:{port}/x.png", policy(dns, f"media.test:{port}"), "image_url")
    assert names == ["media.test"]  # connected to the pinned 127.0.0.1, introduced as media.test
