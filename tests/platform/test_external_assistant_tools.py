"""An external user's assistant calling reelforge's video tool: the started request is theirs (an
``extreq_`` id, charged to their wallet, not the platform's), and another external user of the same
account cannot see it."""

from __future__ import annotations

from typing import Any

from support import ReelforgeServer
from support.fixture_http import FixtureHTTP
from support.media import png_bytes
from support.platform_flows import external_session, identity


def _balance(c: Any, user: dict[str, str]) -> int:
    return int(c.get("/v1/external_users/credits", params=user).json()["remainingCredits"])


def test_external_users_tool_call_is_their_own_request(
    platform_server: ReelforgeServer, fixture_http: FixtureHTTP
) -> None:
    url = fixture_http.serve_bytes("/ext-assistant-tools/vase.png", png_bytes(640, 480, seed=5), "image/png")
    key = platform_server.new_key(credits=1000, name="assistant tools platform")
    erin, frank = identity("erin-tools"), identity("frank-tools")
    with platform_server.client(key, timeout=300) as c:
        external_session(c, erin, grant=5000)
        frank_key = external_session(c, frank, grant=100)["external_api_key"]
        r = c.post(
            "/v1/external_users/assistant/completion",
            json={
                "external_user": erin,
                "input": f"Make a video from these images: {url}",
                "tools": [{"type": "function", "name": "create_video_from_images"}],
                "tool_choice": "required",
            },
        )
        assert r.status_code == 200, r.text
        call = next(item for item in r.json()["output"] if item["type"] == "function_call")
        result = call["result"]
        video_id = result["request_id"]
        assert video_id.startswith("extreq_vid_img"), result
        spent = int(r.headers["x-credits-charged"]) + result["creditsCharged"]
        assert _balance(c, erin) == 5000 - spent
        assert c.get("/v1/credits").json()["remainingCredits"] == 1000  # the platform's wallet is untouched
        assert c.get("/v1/status", params={"request_id": video_id}).status_code == 200  # the account sees it
    with platform_server.client(frank_key) as f:  # another external user of the same account does not
        assert f.get("/v1/status", params={"request_id": video_id}).status_code == 404
