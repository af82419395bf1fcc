"""URL mode: crawl a site a few links deep and keep each page's main text.

``levels`` 1 = only the given URLs, 2 = plus the pages they link to, 3 = one hop more; at most ``max_pages`` pages
are fetched per request. Only links on the same host (``www.`` ignored) are followed, robots.txt is honoured, and
every request (robots.txt too) goes through the SSRF-guarded fetcher, so a link inside the site that points at a
private address is refused there and reported in ``refused``, never fetched. Main content comes from trafilatura.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib import robotparser
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
import trafilatura

from reelforge.core.errors import ApiError, BadRequest
from reelforge.storage.fetch import FetchPolicy, fetch

log = logging.getLogger(__name__)

MAX_PAGES = 50
USER_AGENT = "reelforge-crawler"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class Page:
    url: str
    title: str
    text: str
    level: int


@dataclass
class CrawlResult:
    pages: list[Page] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (url, why)
    fetched: int = 0  # HTTP page fetches that returned a body: the billed quantity (robots.txt excluded)


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _links(html: bytes, base: str) -> list[str]:
    try:
        doc = lxml.html.fromstring(html, base_url=base)
    except (ValueError, lxml.etree.ParserError):
        return []
    out = []
    for el, attr, link, _ in doc.iterlinks():
        if el.tag == "a" and attr == "href":
            url = urldefrag(urljoin(base, link.strip()))[0]
            if urlsplit(url).scheme in ("http", "https"):
                out.append(url)
    return out


class _Robots:
    """robots.txt per scheme+host+port, fetched once through the guarded fetcher; unreadable means allowed."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._parsers: dict[str, robotparser.RobotFileParser] = {}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._parsers:
            parser = robotparser.RobotFileParser(f"{root}/robots.txt")
            try:
                body = fetch(f"{root}/robots.txt", self.policy, "robots.txt").data.decode("utf-8", "replace")
                parser.parse(body.splitlines())
            except ApiError:
                parser.parse([])  # no robots.txt (or unreachable): nothing is disallowed
            self._parsers[root] = parser
        return self._parsers[root].can_fetch(USER_AGENT, url)


def crawl(urls: Sequence[str], policy: FetchPolicy, levels: int = 2, max_pages: int = MAX_PAGES,
          on_page: Callable[[Page, int], None] | None = None) -> CrawlResult:
    """Breadth first; ``on_page(page, fetched_so_far)`` reports progress."""
    if not 1 <= levels <= 3:
        raise BadRequest("levels must be 1, 2 or 3.", field="levels")
    if not urls:
        raise BadRequest("urls must list at least one URL.", field="urls")
    max_pages = min(max_pages, MAX_PAGES)
    sites = {_site(u) for u in urls}
    robots = _Robots(policy)
    result = CrawlResult()
    seen: set[str] = set()
    frontier = [urldefrag(u.strip())[0] for u in urls]
    for level in range(1, levels + 1):
        next_frontier: list[str] = []
        for url in frontier:
            if url in seen or result.fetched >= max_pages:
                continue
            seen.add(url)
            if not robots.allowed(url):
                result.refused.append((url, "disallowed by robots.txt"))
                continue
            try:
                got = fetch(url, policy, "urls")
            except ApiError as exc:
                result.refused.append((url, exc.message))
                log.info("crawl: refused %s: %s", url, exc.message)
                continue
            result.fetched += 1
            if got.content_type and not got.content_type.split(";")[0].strip().lower().startswith(_HTML_TYPES):
                continue
            text = trafilatura.extract(got.data, url=url, include_comments=False) or ""
            meta = trafilatura.extract_metadata(got.data, default_url=url)
            page = Page(url, (meta.title if meta and meta.title else "") or url, text.strip(), level)
            if page.text:
                result.pages.append(page)
                if on_page:
                    on_page(page, result.fetched)
            if level < levels:
                next_frontier += [u for u in _links(got.data, url) if _site(u) in sites and u not in seen]
        frontier = next_frontier
    return result
