"""Fetching client-supplied URLs safely (media inputs, webhook deliveries).

Accepts ``http(s)://`` and ``data:`` URLs. Each hop of an HTTP fetch (redirects included) is
resolved once, every address must be public unless the host is on the deployment's allowlist
(``REELFORGE_FETCH_ALLOWLIST``), and the connection goes to those checked addresses only
(``guard.py``, ``client.py``). A fetch has one total deadline and a byte cap enforced while
streaming; fetches run on their own event loop, bounded per process (``runner.py``); images are
checked by decoding them (``images.py``).
"""

from reelforge.storage.fetch.client import Fetched
from reelforge.storage.fetch.guard import MAX_URL_CHARS, check_literal, make_resolver, parse_url
from reelforge.storage.fetch.images import fetch_image, load_image
from reelforge.storage.fetch.runner import FetchBusy, FetchPolicy, check_target, fetch, post, reserve_threads

__all__ = [
    "MAX_URL_CHARS",
    "FetchBusy",
    "FetchPolicy",
    "Fetched",
    "check_literal",
    "check_target",
    "fetch",
    "fetch_image",
    "load_image",
    "make_resolver",
    "parse_url",
    "post",
    "reserve_threads",
]
