"""``quote_only``: a quote, then the same call for real, checking the quote charged and recorded nothing
and the real call charged exactly what it said (used by every area that owns a paid route)."""

from __future__ import annotations

from typing import Any

import httpx

from support.servers import credits_left


def _ledger(c: httpx.Client) -> int:
    return len(c.get("/v1/credits/ledger").json()["entries"])


def quote_then_charge(c: httpx.Client, route: str, body: dict[str, Any], flag: str = "quote_only"
                      ) -> tuple[int, int, dict[str, Any]]:
    """(credits quoted, credits the same call then charged, its answer); checks the quote changed nothing."""
    before, entries = credits_left(c), _ledger(c)
    q = c.post(route, json={**body, flag: True})
    assert q.status_code == 200, q.text
    quote = q.json()
    assert quote["status"] == "quote" and quote["creditsCharged"] == 0, quote
    assert not {"request_id", "sessionID", "step"} & set(quote), quote  # no request was made to name
    assert sum(item["credits"] for item in quote["breakdown"]) == quote["credits"]
    assert credits_left(c) == before and _ledger(c) == entries  # nothing charged, nothing recorded
    r = c.post(route, json=body)
    assert r.status_code in (200, 201, 202), r.text
    charged = int(r.json().get("creditsCharged", r.headers.get("x-credits-charged", -1)))
    assert credits_left(c) == before - charged
    return int(quote["credits"]), charged, r.json()
