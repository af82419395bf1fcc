"""Small URL helpers shared by the script writer and the card renderers."""

from __future__ import annotations

from urllib.parse import urlsplit


def url_host(url: str) -> str:
    """``https://www.example.com/x`` → ``example.com`` (a bare ``example.com/x`` works too)."""
    host = urlsplit(url if "://" in url else f"https://{url}").hostname or url
    return host.removeprefix("www.")
