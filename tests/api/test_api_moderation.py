"""Moderation end to end through HTTP against real servers: the packaged offline classifier
(alt-profanity-check) flags abuse and passes product copy, input errors name the field, each text is
charged at the price table's rate (0 by default: samsar-js documents moderation as free; a deployment
that prices it charges per text and answers 402 without credits), and a second reelforge forwards to
the first as its configured OpenAI-compatible moderation endpoint (through the openai SDK)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelforge.core.pricing import PriceTable
from reelforge.providers.moderation import OFFLINE_MODERATION_MODEL
from support import ReelforgeServer

ABUSE = "You are a worthless idiot, shut up you stupid piece of shit."
PRODUCT = "Our linen travel shirt is breathable, wrinkle-resistant and comes in three colours."
PER_TEXT = PriceTable().route("moderation")  # 0: free, as samsar-js documents it


def test_offline_classifier_flags_abuse_and_passes_product_copy(server: ReelforgeServer) -> None:
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v2/external/moderation", json={"input": [ABUSE, PRODUCT]})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["provider"] == "offline" and body["model"] == OFFLINE_MODERATION_MODEL
        toxic, benign = body["results"]
        # Only the category the classifier measures: no made-up hate/violence/... scores.
        assert set(toxic["category_scores"]) == {"profanity"} == set(toxic["categories"])
        assert toxic["flagged"] is True and toxic["category_scores"]["profanity"] > 0.9
        assert benign["flagged"] is False and benign["category_scores"]["profanity"] < 0.2
        assert int(r.headers["x-credits-charged"]) == 2 * PER_TEXT
        assert int(r.headers["x-credits-remaining"]) == 100 - 2 * PER_TEXT
        # One string is one text; OpenAI's path answers the same.
        one = c.post("/v1/moderations", json={"input": PRODUCT})
        assert one.status_code == 200 and len(one.json()["results"]) == 1
        assert int(one.headers["x-credits-charged"]) == PER_TEXT
        assert c.get("/v2/external/providers/capabilities").json()["moderation"] is True


BAD = [{"model": "x"}, {"input": []}, {"input": {"a": 1}}, {"input": [""]}, {"input": [3]}, {"input": ["x" * 40_000]}]


@pytest.mark.parametrize("payload", BAD)
def test_bad_input_is_a_400_naming_input(server: ReelforgeServer, payload: dict) -> None:
    key = server.new_key(credits=10)
    with server.client(key) as c:
        r = c.post("/v2/external/moderation", json=payload)
        assert r.status_code == 400, r.text
        assert "input" in r.text
        assert c.get("/v2/external/api_key/validate").json()["remainingCredits"] == 10  # nothing charged


def test_a_deployment_that_prices_moderation_charges_per_text(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"routes": {"moderation": 3}}))
    priced = ReelforgeServer(tmp_path / "priced", {"REELFORGE_PRICING_FILE": str(prices)}).start()
    try:
        with priced.client(priced.new_key(credits=10)) as c:
            r = c.post("/v2/external/moderation", json={"input": [ABUSE, PRODUCT]})
            assert r.status_code == 200, r.text
            assert r.headers["x-credits-charged"] == "6" and r.headers["x-credits-remaining"] == "4"
            assert c.post("/v2/external/moderation", json={"input": [ABUSE, PRODUCT]}).status_code == 402
            assert c.get("/v2/external/api_key/validate").json()["remainingCredits"] == 4  # the 402 took nothing
    finally:
        priced.stop()


def test_configured_endpoint_is_asked_through_the_openai_sdk(server: ReelforgeServer, tmp_path: Path) -> None:
    """The shared server is the upstream; the front forwards to its /v1/moderations."""
    up_key = server.new_key(credits=50)
    env = {"REELFORGE_LLM_BASE_URL": server.base_url, "REELFORGE_LLM_API_KEY": up_key, "REELFORGE_LLM_MODEL": "any"}
    front = ReelforgeServer(tmp_path / "front", env).start()
    try:
        with front.client(front.new_key(credits=10)) as c:
            r = c.post("/v2/external/moderation", json={"input": [ABUSE]})
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["provider"] == "openai-compatible" and body["model"] == OFFLINE_MODERATION_MODEL
            assert body["results"][0]["flagged"] is True
            assert set(body["results"][0]["category_scores"]) == {"profanity"}
        with server.client(up_key) as u:  # the upstream charged its own caller at its own rate
            assert u.get("/v2/external/api_key/validate").json()["remainingCredits"] == 50 - PER_TEXT
    finally:
        front.stop()
