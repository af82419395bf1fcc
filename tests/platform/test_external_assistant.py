"""The assistant and the chat gateway for external users: their own system prompt, blank assistant sessions
(``/v1/external_users/utils/assistant_session``), charges to their wallet, threads no one else may name."""

from __future__ import annotations

from typing import Any

from reelforge.core.pricing import PriceTable
from support import ReelforgeServer
from support.platform_flows import external_session, identity

PRICES = PriceTable()
# Long enough that whether it reached the model shows in the measured input tokens.
CAROL_PROMPT = "You are Carol's storefront assistant for handmade ceramics. " * 20


def _balance(c: Any, user: dict[str, str]) -> int:
    return int(c.get("/v1/external_users/credits", params=user).json()["remainingCredits"])


def test_external_assistant_prompt_session_wallet_and_isolation(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=1000, name="assistant platform")
    carol, dave = identity("carol-asst"), identity("dave-asst")
    with platform_server.client(key, timeout=180) as c:
        carol_key = external_session(c, carol, grant=2000)["external_api_key"]
        external_session(c, dave, grant=2000)
        r = c.post("/v1/external_users/assistant/set_system_prompt",
                   json={"external_user": carol, "system_prompt": CAROL_PROMPT})
        assert r.status_code == 200, r.text

        opened = c.post("/v1/external_users/utils/assistant_session",
                        json={"external_user": carol, "session_name": "launch"})
        assert opened.status_code == 200, opened.text
        sid = opened.json()["session_id"]
        assert sid.startswith("extreq_") and opened.json()["request_id"] == sid
        assert opened.json()["session_name"] == "launch" and opened.headers["x-credits-charged"] == "0"

        turn = {"input": "Say hello.", "max_output_tokens": 8, "temperature": 0}
        mine = c.post("/v1/external_users/assistant/completion",
                      json={**turn, "session_id": sid, "external_user": carol})
        assert mine.status_code == 200, mine.text
        charged = int(mine.headers["x-credits-charged"])
        usage = mine.json()["usage"]
        assert charged == PRICES.llm_credits("offline", usage["input_tokens"], usage["output_tokens"], "assistant") > 0
        assert _balance(c, carol) == int(mine.headers["x-credits-remaining"]) == 2000 - charged
        assert c.get("/v1/credits").json()["remainingCredits"] == 1000  # the platform's own wallet is untouched

        # Dave has no prompt of his own: the account's default answers, far shorter than Carol's.
        theirs = c.post("/v1/external_users/assistant/completion", json={**turn, "external_user": dave})
        assert theirs.status_code == 200, theirs.text
        assert theirs.json()["usage"]["input_tokens"] + 200 < usage["input_tokens"]
        # Carol's thread is not Dave's to continue, nor another account's.
        assert c.post("/v1/external_users/assistant/completion",
                      json={**turn, "session_id": sid, "external_user": dave}).status_code == 404
    with platform_server.client(platform_server.new_key(credits=100)) as other:
        assert other.post("/v1/assistant/completion", json={**turn, "session_id": sid}).status_code == 404

    # Carol's own key on the ordinary gateway: charged to her wallet.
    with platform_server.client(carol_key, timeout=180) as c:
        chat = c.post("/v2/external/chat/completions",
                      json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0})
        assert chat.status_code == 200, chat.text
        spent = int(chat.headers["x-credits-charged"])
        assert spent > 0 and int(chat.headers["x-credits-remaining"]) == 2000 - charged - spent
        assert c.get("/v1/credits").json()["remainingCredits"] == 2000 - charged - spent
