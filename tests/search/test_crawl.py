"""URL mode against a local three-page site (plus robots.txt and an internal admin port)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reelforge.search.crawl import crawl
from reelforge.storage.fetch import FetchPolicy

WORDS = "This paragraph is long enough for the main-content extractor to keep it as the body of the page. " * 3


def _page(title: str, links: list[str]) -> bytes:
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (f"<html><head><title>{title}</title></head><body><nav><ul>{anchors}</ul></nav>"
            f"<article><h1>{title}</h1><p>{title}: {WORDS}</p></article></body></html>").encode()


class _Site:
    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                site.hits.append(self.path)
                body = site.pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                kind = "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8"
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def sites() -> Iterator[tuple[_Site, _Site]]:
    admin = _Site({"/": b"<html><body>internal admin</body></html>"})
    site = _Site({})
    base = f"http://127.0.0.1:{site.port}"
    site.pages.update({
        "/robots.txt": b"User-agent: *\nDisallow: /private\n",
        "/": _page("Home", [f"{base}/pricing", "/guide#intro", "/private", f"http://127.0.0.1:{admin.port}/",
                            "https://elsewhere.example.org/"]),
        "/pricing": _page("Pricing", ["/", "/deep"]),
        "/guide": _page("Guide", ["/"]),
        "/private": _page("Private", []),
        "/deep": _page("Deep", []),
    })
    yield site, admin
    site.server.shutdown()
    admin.server.shutdown()


def _policy(site: _Site) -> FetchPolicy:
    # The fixture site is on loopback, so it is allowlisted by host:port; the admin port on the same host is not.
    return FetchPolicy(allowlist=(f"127.0.0.1:{site.port}",), deadline_s=5)


def test_levels_one_and_two(sites: tuple[_Site, _Site]) -> None:
    site, admin = sites
    start = f"http://127.0.0.1:{site.port}/"
    one = crawl([start], _policy(site), levels=1)
    assert one.fetched == 1 and [p.title for p in one.pages] == ["Home"]

    two = crawl([start], _policy(site), levels=2)
    assert two.fetched == 3
    assert sorted(p.title for p in two.pages) == ["Guide", "Home", "Pricing"]
    assert "Pricing: This paragraph" in next(p.text for p in two.pages if p.title == "Pricing")
    refused = dict(two.refused)
    assert refused[f"http://127.0.0.1:{site.port}/private"] == "disallowed by robots.txt"
    assert "private" in refused[f"http://127.0.0.1:{admin.port}/"]  # the guard's reason, reported
    assert admin.hits == []  # never fetched
    assert "/private" not in site.hits

    three = crawl([start], _policy(site), levels=3)
    assert three.fetched == 4 and "Deep" in {p.title for p in three.pages}


def test_page_cap(sites: tuple[_Site, _Site]) -> None:
    site, _ = sites
    capped = crawl([f"http://127.0.0.1:{site.port}/"], _policy(site), levels=3, max_pages=2)
    assert capped.fetched == 2


def test_levels_out_of_range(sites: tuple[_Site, _Site]) -> None:
    from reelforge.core.errors import BadRequest

    with pytest.raises(BadRequest):
        crawl(["http://127.0.0.1/"], _policy(sites[0]), levels=4)
