"""Which addresses the server may connect to on a client's behalf, and the one resolution of a host.

A URL's host is resolved exactly once per hop (:func:`resolve_target`); every address it resolves
to must be public, and the connection is then made to those checked addresses only (see
``client.py``), so a name that answers differently the second time (DNS rebinding) cannot steer
the connection inward. IPv6 forms that embed an IPv4 address are unwrapped and judged by the
IPv4 address they reach.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Protocol

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.resolver
import httpx

from reelforge.core.errors import BadRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_CHARS = 2048  # the request table's webhook_url column; also plenty for any media URL

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix: the IPv4 address is the last 32 bits
# RFC 8215 local-use NAT64: where the IPv4 bits sit depends on the operator's prefix length (/48 ... /96),
# so no single unwrapping is right; nothing public is reached through it from here, so it is refused whole.
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIIT = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 IPv4-translated ::ffff:0:a.b.c.d
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d (:: and ::1 are judged as IPv6)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches through a translation or tunnelling form, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _SIIT or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _own_refusal(ip: IPAddress) -> str | None:
    """The label of the first non-public range ``ip`` itself is in (embedded addresses aside)."""
    ranges = (
        ("loopback", ip.is_loopback),
        ("link-local, cloud metadata", ip.is_link_local or getattr(ip, "is_site_local", False)),
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("private network", ip.is_private),  # fc00::/7 holds e.g. AWS's fd00:ec2::254 metadata address
        # 100.64/10 (carrier NAT, Alibaba's metadata), 240/4, TEST-NETs, IETF assignments...
        ("reserved or shared", ip.is_reserved or not ip.is_global),
    )
    return next((label for label, inside in ranges if inside), None)


def refusal(ip: IPAddress) -> str | None:
    """Why a connection to ``ip`` is refused (a short label), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return "local-use NAT64"
        inner = embedded_ipv4(ip)
        if inner is not None:  # judged by where it leads: 64:ff9b::808:808 is 8.8.8.8 through NAT64
            reason = _own_refusal(inner)
            return f"{reason}, IPv4 embedded in IPv6" if reason else None
    return _own_refusal(ip)


def parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # a zone id (fe80::1%eth0) names no other host
    except ValueError:
        return None


class Resolver(Protocol):
    """Resolves a host name to every address it currently has (one lookup per call)."""

    async def resolve(self, host: str, port: int, timeout: float) -> list[IPAddress]: ...


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``: /etc/hosts, search domains, nsswitch)."""

    async def resolve(self, host: str, port: int, timeout: float) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        found = (parse_ip(str(info[4][0])) for info in infos)
        return list(dict.fromkeys(ip for ip in found if ip is not None))


class DnsResolver:
    """Queries the given DNS servers directly (``REELFORGE_FETCH_NAMESERVERS``): A and AAAA records."""

    def __init__(self, nameservers: list[str]) -> None:
        self._resolver = dns.asyncresolver.Resolver(configure=False)
        self._resolver.nameservers = [_nameserver(entry) for entry in nameservers]
        self._resolver.cache = None  # one lookup per fetch, answered by the server

    async def resolve(self, host: str, port: int, timeout: float) -> list[IPAddress]:
        found: list[IPAddress] = []
        for rdtype in ("A", "AAAA"):
            try:
                answer = await self._resolver.resolve(host, rdtype, lifetime=timeout, search=False)
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException as exc:
                raise OSError(f"DNS lookup failed: {exc.__class__.__name__}") from exc
            found += [ip for ip in (parse_ip(r.to_text()) for r in answer) if ip is not None]
        if not found:
            raise OSError("no address records")
        return list(dict.fromkeys(found))


def _nameserver(entry: str) -> dns.nameserver.Do53Nameserver:
    """``1.1.1.1``, ``1.1.1.1:53``, ``[2606:4700::1111]:53`` or ``2606:4700::1111``."""
    host, port = entry, 53
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = int(rest.lstrip(":") or 53)
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
        port = int(port_text)
    if parse_ip(host) is None:
        raise ValueError(f"fetch nameserver {entry!r} is not an IP address")
    return dns.nameserver.Do53Nameserver(host, port)


def make_resolver(nameservers: list[str]) -> Resolver:
    return DnsResolver(nameservers) if nameservers else SystemResolver()


@dataclass(frozen=True)
class Target:
    """One hop's URL and the addresses it was checked against (the only ones it may connect to)."""

    url: httpx.URL
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def parse_url(url: str, field: str) -> httpx.URL:
    """An absolute http(s) URL with a host and a valid port (400 naming ``field`` otherwise)."""
    if len(url) > MAX_URL_CHARS:
        raise BadRequest(f"{field} is longer than {MAX_URL_CHARS} characters.", field=field)
    try:
        parsed = httpx.URL(url)
        port = parsed.port  # httpx validates the port while parsing; read it to be explicit
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise BadRequest(f"{field} is not a valid URL.", field=field) from exc
    if parsed.scheme not in ("http", "https"):
        raise BadRequest(f"{field} must be an http(s) URL.", field=field)
    if not parsed.host:
        raise BadRequest(f"{field} has no host.", field=field)
    if port == 0:
        raise BadRequest(f"{field} has an invalid port.", field=field)
    return parsed


def allowlisted(host: str, port: int, allowlist: tuple[str, ...]) -> bool:
    """``REELFORGE_FETCH_ALLOWLIST`` entries are ``host`` or ``host:port``, as written in URLs."""
    return host in allowlist or f"{host}:{port}" in allowlist


def refused(field: str, reason: str) -> BadRequest:
    return BadRequest(f"{field} points to a private, loopback or link-local address ({reason}); refused.", field=field)


def check_literal(url: httpx.URL, allowlist: tuple[str, ...], field: str) -> None:
    """Without DNS: refuse a URL whose host is an internal IP literal or a localhost name (cheap
    enough for request validation on the event loop; names are judged by :func:`resolve_target`)."""
    host, port = url.host, url.port or (443 if url.scheme == "https" else 80)
    if allowlisted(host, port, allowlist):
        return
    ip = parse_ip(host)
    reason = refusal(ip) if ip is not None else None
    if ip is None and (host == "localhost" or host.endswith(".localhost")):
        reason = "loopback"  # RFC 6761: always the loopback interface
    if reason:
        raise refused(field, reason)


async def resolve_target(
    url: httpx.URL,
    allowlist: tuple[str, ...],
    resolver: Resolver,
    timeout: float,
    field: str,
    *,
    unresolvable_ok: bool = False,
) -> Target:
    """Resolve the URL's host once and check every address; the Target pins what was checked.

    An allowlisted host is resolved and pinned the same way, only not judged. ``unresolvable_ok``:
    a host that does not resolve now gives a Target without addresses instead of a 400."""
    host = url.raw_host.decode("ascii")  # IDNA-encoded; IPv6 literals without brackets
    port = url.port or (443 if url.scheme == "https" else 80)
    literal = parse_ip(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = await resolver.resolve(host, port, timeout)
        except (OSError, UnicodeError, TimeoutError) as exc:
            if unresolvable_ok:
                return Target(url, host, port, ())
            raise BadRequest(f"{field}: cannot resolve its host.", field=field) from exc
        if not addresses:
            raise BadRequest(f"{field}: cannot resolve its host.", field=field)
    if not allowlisted(url.host, port, allowlist):
        for ip in addresses:
            reason = refusal(ip)
            if reason:
                raise refused(field, reason)
    return Target(url, host, port, tuple(addresses))
