"""The assistant calling reelforge's own tools, end to end through a real server on the offline model:
"make a video from these images" starts an image_list_to_video request for the caller (charged to
them, invisible to another account) and the answer reports its id; bad tool offers are 400s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from reelforge.core.pricing import PriceTable
from support import ReelforgeServer, wait_status
from support.fixture_http import FixtureHTTP
from support.media import png_bytes

VIDEO_TOOL = {"type": "function", "name": "create_video_from_images"}


def balance(c: httpx.Client) -> int:
    return int(c.get("/v2/external/api_key/validate").json()["remainingCredits"])


def ask(server: ReelforgeServer, body: dict[str, Any]) -> tuple[str, int, httpx.Response]:
    """A new account's assistant turn: its key, its balance before, the answer."""
    key = server.new_key(credits=100_000)
    with server.client(key, timeout=300) as c:
        before = balance(c)
        return key, before, c.post("/v1/assistant/completion", json=body)


def test_make_a_video_from_images_starts_a_charged_job_for_the_caller(
    server: ReelforgeServer, fixture_http: FixtureHTTP
) -> None:
    url = fixture_http.serve_bytes("/assistant-tools/shirt.png", png_bytes(640, 480, seed=7), "image/png")
    assert server.log_path is not None
    log_start = server.log_path.stat().st_size
    key, before, r = ask(server, {"input": f"Make a video from these images: {url}", "tools": [VIDEO_TOOL]})
    # Started from inside the assistant's stage, the video's workflow is enqueued at once (it once hit
    # DBOS's "not in a step" assertion and waited for the submission recoverer).
    with server.log_path.open("rb") as log:
        log.seek(log_start)
        assert b"could not enqueue" not in log.read()
    with server.client(key, timeout=300) as c:
        assert r.status_code == 200, r.text
        body = r.json()
        print("assistant answer:", json.dumps(body)[:800])
        assert body["provider"] == "offline"
        calls = [item for item in body["output"] if item["type"] == "function_call"]
        assert len(calls) == 1, body["output"]
        call = calls[0]
        assert call["name"] == "create_video_from_images"
        assert json.loads(call["arguments"])["image_urls"] == [url]  # the grammar lets it copy, never invent
        result = call["result"]
        video_id = result["request_id"]
        assert video_id and result["case_type"] == "image_list_to_video", result
        outputs = [item for item in body["output"] if item["type"] == "function_call_output"]
        assert json.loads(outputs[0]["output"])["request_id"] == video_id

        # Both charged to the caller: the assistant's measured tokens and the video's own price.
        assistant_charge = int(r.headers["x-credits-charged"])
        assert assistant_charge == PriceTable().llm_credits("offline", body["usage"]["input_tokens"],
                                                            body["usage"]["output_tokens"], "assistant")
        assert result["creditsCharged"] > 0
        status = c.get("/v1/status", params={"request_id": video_id})
        assert status.status_code == 200, status.text
        if status.json()["status"] != "FAILED":  # a failed render is refunded
            assert balance(c) == before - assistant_charge - result["creditsCharged"]

    with server.client(server.new_key(credits=10)) as other:  # another account: not theirs to see
        assert other.get("/v1/status", params={"request_id": video_id}).status_code == 404

    with server.client(key, timeout=300) as c:
        done = wait_status(c, video_id, timeout=400)
        assert done["status"] == "COMPLETED", done


def test_forced_tool_with_foreign_session_is_refused_and_costs_only_tokens(
    server: ReelforgeServer, fixture_http: FixtureHTTP
) -> None:
    """tool_choice forces update_outro; the session is not the caller's, so the kind's own prepare
    refuses it (404) and the call reports that instead of a request id."""
    logo = fixture_http.serve_bytes("/assistant-tools/logo.png", png_bytes(300, 300, seed=3), "image/png")
    key, before, r = ask(
        server,
        {
            "input": f"Use {logo} as the outro of video vid_img_doesnotexist",
            "tools": [{"type": "function", "function": {"name": "update_outro"}}],
            "tool_choice": {"type": "function", "name": "update_outro"},
        },
    )
    with server.client(key) as c:
        assert r.status_code == 200, r.text
        call = next(item for item in r.json()["output"] if item["type"] == "function_call")
        assert call["name"] == "update_outro" and call["status"] == "failed"
        assert call["result"]["status"] == "rejected" and "request_id" not in call["result"], call
        assert balance(c) == before - int(r.headers["x-credits-charged"])


def test_unknown_tools_are_a_400(server: ReelforgeServer) -> None:
    with server.client(server.new_key(credits=1000)) as c:
        r = c.post("/v1/assistant/completion",
                   json={"input": "hi", "tools": [{"type": "function", "name": "delete_everything"}]})
        assert r.status_code == 400 and r.json()["field"] == "tools", r.text
        forced = {"type": "function", "name": "update_outro"}
        r = c.post("/v1/assistant/completion", json={"input": "hi", "tools": [VIDEO_TOOL], "tool_choice": forced})
        assert r.status_code == 400 and r.json()["field"] == "tool_choice", r.text


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "the weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def tool_loop(answer: Any) -> list[Any]:
    """The OpenAI tool loop's second request: the question, the model's call, the function's result."""
    call = answer.choices[0].message.tool_calls[0]
    return [
        {"role": "user", "content": "What is the weather in Lisbon?"},
        answer.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"city": "Lisbon", "sky": "sunny", "c": 24})},
    ]


def test_chat_gateway_answers_tool_calls_in_the_openai_wire_format(server: ReelforgeServer) -> None:
    """The gateway with client functions, read by the official openai SDK: the offline model's reply
    is a call of the offered function with arguments of its schema (the client runs it)."""
    import openai

    key = server.new_key(credits=10_000)
    sdk = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=key, timeout=300)
    answer = sdk.chat.completions.create(
        model="any",
        messages=[{"role": "user", "content": "What is the weather in Lisbon?"}],
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls or []
    assert len(calls) == 1 and calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    assert isinstance(json.loads(calls[0].function.arguments)["city"], str)  # type: ignore[union-attr]
    assert answer.usage is not None and answer.usage.completion_tokens > 0
    # The client runs the function and sends its result back: the model answers in text.
    follow_up = sdk.chat.completions.create(model="any", messages=tool_loop(answer), tools=[WEATHER])  # type: ignore[list-item]
    assert follow_up.choices[0].finish_reason in ("stop", "length")
    assert follow_up.choices[0].message.content and not follow_up.choices[0].message.tool_calls
    with server.client(key) as c:
        bad = {"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {}}]}
        r = c.post("/v2/external/chat/completions", json=bad)
        assert r.status_code == 400 and r.json()["field"] == "tools", r.text
        unsupported = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {
            "x": {"type": "tuple"}}, "required": ["x"]}}}
        r = c.post("/v2/external/chat/completions", json={**bad, "tools": [unsupported]})
        assert r.status_code == 400 and r.json()["field"].startswith("tools[0]"), r.text


def test_configured_upstream_decides_the_call_and_the_front_starts_the_job(
    fixture_http: FixtureHTTP, tmp_path: Path
) -> None:
    """A second reelforge uses a first one as its OpenAI-compatible endpoint: the tools go upstream
    through the openai SDK, the upstream's tool call comes back, and the front starts the video for
    its own caller. The upstream is this test's own: the shared server may still be working through
    jobs other modules left running, and the upstream's answer is waited for synchronously."""
    url = fixture_http.serve_bytes("/assistant-tools/cup.png", png_bytes(640, 480, seed=11), "image/png")
    up = ReelforgeServer(tmp_path / "upstream", {"REELFORGE_LLM_OFFLINE_ONLY": "true"}).start()
    up_key = up.new_key(credits=10_000)
    env = {
        "REELFORGE_LLM_BASE_URL": up.base_url,
        "REELFORGE_LLM_API_KEY": up_key,
        "REELFORGE_LLM_MODEL": "any",
        "REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{fixture_http.port}"]',
    }
    front = ReelforgeServer(tmp_path / "front", env).start()
    try:
        key = front.new_key(credits=100_000)
        with front.client(key, timeout=300) as c:
            ask = {"input": f"Make a video from these images: {url}", "tools": [VIDEO_TOOL], "tool_choice": "required"}
            replay = {"Idempotency-Key": "upstream-decides"}
            r = c.post("/v1/assistant/completion", json=ask, headers=replay)
            if r.status_code == 202:
                # The documented slow path, on a machine busy past the front's sync wait: poll, then the
                # same Idempotency-Key answers with the finished turn.
                assert wait_status(c, r.json()["request_id"], timeout=400)["status"] == "COMPLETED"
                r = c.post("/v1/assistant/completion", json=ask, headers=replay)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["provider"] == "openai-compatible", body
            call = next(item for item in body["output"] if item["type"] == "function_call")
            assert json.loads(call["arguments"])["image_urls"] == [url]
            video_id = call["result"]["request_id"]
            assert c.get("/v1/status", params={"request_id": video_id}).status_code == 200  # the front's job

        # The chat gateway's client functions go upstream too, the tool loop's messages in wire form.
        import openai

        sdk = openai.OpenAI(base_url=f"{front.base_url}/v1", api_key=key, timeout=300)
        forced = {"type": "function", "function": {"name": "get_weather"}}
        ask = [{"role": "user", "content": "What is the weather in Lisbon?"}]
        answer = sdk.chat.completions.create(model="any", messages=ask, tools=[WEATHER], tool_choice=forced)  # type: ignore[arg-type,list-item]
        assert answer.model_dump()["provider"] == "openai-compatible"
        assert answer.choices[0].message.tool_calls
        follow_up = sdk.chat.completions.create(model="any", messages=tool_loop(answer), tools=[WEATHER])  # type: ignore[list-item]
        assert follow_up.model_dump()["provider"] == "openai-compatible" and follow_up.choices[0].message.content
        with up.client(up_key) as u:  # the upstream billed its caller for the tokens, started nothing
            assert u.get("/v1/status", params={"request_id": video_id}).status_code == 404
            assert int(u.get("/v2/external/api_key/validate").json()["remainingCredits"]) < 10_000
    finally:
        front.stop()
        up.stop()
