"""The language-model routes end to end through HTTP against real servers: the assistant (session
context, thread continuation, image tool), enhance message, the chat gateway (sync, polling, SSE
streaming), billing from measured usage, and a second reelforge as the configured upstream."""

from __future__ import annotations

import base64
import io
import json
import math
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from reelforge.core.pricing import PriceTable
from reelforge.db.database import Database
from reelforge.db.models import Request
from reelforge.providers import registry
from reelforge.providers.script import TEMPLATE_WRITER, ScriptRequest
from reelforge.settings import Settings
from support import ReelforgeServer, wait_status

PRICES = PriceTable()


def credits(provider: str, usage: dict, route: str) -> int:
    return PRICES.llm_credits(provider, usage["input_tokens"], usage["output_tokens"], route)


def test_llm_credits_follow_the_documented_rule() -> None:
    table = PRICES.table["llm"]
    rates = table["providers"]["offline"]
    usd = (1000 * rates["input_usd_per_million"] + 2000 * rates["output_usd_per_million"]) / 1e6
    assert PRICES.llm_credits("offline", 1000, 2000, "assistant") == math.ceil(usd * 100 * 2.5)
    assert PRICES.llm_credits("offline", 1, 1, "chat") == 1  # rounded up once, to whole credits


def photo() -> str:
    img = Image.new("RGB", (640, 480), "#2a9d8f")
    buf = io.BytesIO()
    img.save(buf, format="JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def render_session(c: httpx.Client, product: str = "Zephyr linen travel shirt") -> str:
    """A real rendered video session (one image); its request id."""
    body = {"image_urls": [photo()], "metadata": {"product": product}}
    r = c.post("/v1/video/image_list_to_video", json={"input": body})
    assert r.status_code == 200, r.text
    done = wait_status(c, r.json()["request_id"], timeout=400)
    assert done["status"] == "COMPLETED", done
    return str(done["request_id"])


@pytest.fixture(scope="module")
def session_id(server: ReelforgeServer) -> tuple[str, str]:
    """A real rendered video session and its owner's key."""
    key = server.new_key(credits=100_000)
    with server.client(key, timeout=120) as c:
        return key, render_session(c)


def test_assistant_uses_session_context_and_continues_the_thread(
    server: ReelforgeServer, session_id: tuple[str, str]
) -> None:
    key, sid = session_id
    with server.client(key, timeout=120) as c:
        r = c.post("/v1/assistant/set_system_prompt", json={"system_prompt": "You are the brand assistant for Acme."})
        assert r.status_code == 200 and r.json()["system_prompt"] == "You are the brand assistant for Acme."
        # The offline 135M model's greedy recall depends on the session's context (its script, random id
        # and URL) and on the fact's phrasing: 24 of 25 varied sessions with this phrasing (README,
        # "Its limits"). A thread that misses is tried again on a fresh session of another product,
        # so the retries do not share the context that misled the first.
        answers = []
        for attempt, product in enumerate(("", "Alpine wool hiking socks", "Harbour ceramic coffee mug")):
            if attempt:
                sid = render_session(c, product)
            first, second = _two_turns(c, sid)
            answers.append(second["output_text"])
            assert second["usage"]["input_tokens"] > first["usage"]["input_tokens"]  # the thread was replayed
            if "BLUEFOX" in second["output_text"].upper():  # given only in the first turn: the thread carried it
                break
        else:
            pytest.fail(f"no thread of three recalled the code: {answers}")


def _two_turns(c: httpx.Client, sid: str) -> tuple[dict, dict]:
    """A first turn giving a fact on ``sid``'s thread and a follow-up asking for it; both answers."""
    fact = "Please note: the discount code is BLUEFOX."
    turn = [{"role": "user", "content": [{"type": "input_text", "text": fact}]}]
    first = c.post(
        "/v1/assistant/completion",
        json={"session_id": sid, "input": turn, "max_output_tokens": 24, "temperature": 0},
    )
    assert first.status_code == 200, first.text
    a = first.json()
    assert a["object"] == "response" and a["provider"] == "offline" and a["output_text"]
    assert a["output"][0]["type"] == "message" and a["output"][0]["content"][0]["text"] == a["output_text"]
    assert int(first.headers["x-credits-charged"]) == credits("offline", a["usage"], "assistant")
    # Polled, the request is COMPLETED whatever the turn's own status (24 tokens: often "incomplete").
    polled = c.get("/v1/status", params={"request_id": a["request_id"]}).json()
    assert polled["status"] == "COMPLETED" and polled["result_status"] == a["status"], polled
    second = c.post(
        "/v1/assistant/completion",
        json={"session_id": sid, "input": "What is the discount code?", "max_output_tokens": 24, "temperature": 0},
    )
    assert second.status_code == 200, second.text
    return a, second.json()


def test_assistant_image_tool_returns_a_png(server: ReelforgeServer) -> None:
    key = server.new_key(credits=1000)
    with server.client(key, timeout=120) as c:
        r = c.post(
            "/v1/assistant/completion",
            json={
                "input": "Create a clean launch poster image for a linen shirt.",
                "tools": [{"type": "image_generation", "size": "512x512", "quality": "high"}],
                "tool_choice": {"type": "image_generation"},
                "max_output_tokens": 16,
            },
        )
    assert r.status_code == 200, r.text
    item = next(i for i in r.json()["output"] if i["type"] == "image_generation_call")
    img = Image.open(io.BytesIO(base64.b64decode(item["result"])))
    assert img.format == "PNG" and img.size == (512, 512)


def test_other_account_gets_404_on_a_session(server: ReelforgeServer, session_id: tuple[str, str]) -> None:
    _, sid = session_id
    with server.client(server.new_key(credits=100)) as c:
        r = c.post("/v1/assistant/completion", json={"session_id": sid, "input": "hi", "max_output_tokens": 8})
    assert r.status_code == 404, r.text


def test_enhance_message_honours_maxwords_and_charges_usage(server: ReelforgeServer) -> None:
    key = server.new_key(credits=1000)
    with server.client(key, timeout=120) as c:
        r = c.post(
            "/v1/chat/enhance", json={"message": "Please improve this caption: new shirt out now buy", "maxwords": 8}
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["content"] and len(body["content"].split()) <= 8 and body["provider"] == "offline"
    assert body["creditsCharged"] == credits("offline", body["usage"], "enhance")
    assert r.headers["x-credits-remaining"] == str(1000 - body["creditsCharged"])


def sse(response: httpx.Response) -> Iterator[tuple[float, dict]]:
    for line in response.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            yield time.perf_counter(), json.loads(line[6:])


def test_chat_gateway_sync_polling_and_stream(server: ReelforgeServer) -> None:
    key = server.new_key(credits=1000)
    messages = [{"role": "user", "content": "Name three colours."}]
    with server.client(key, timeout=120) as c:
        r = c.post("/v2/external/chat/completions", json={"messages": messages, "max_tokens": 24})
        assert r.status_code == 200, r.text
        sync = r.json()
        assert sync["object"] == "chat.completion" and sync["choices"][0]["message"]["content"]
        assert int(r.headers["x-credits-charged"]) == credits("offline", sync["usage"], "chat")

        q = c.post(
            "/v2/external/chat/completions",
            json={"messages": messages, "max_tokens": 16, "async": True, "response_mode": "polling"},
        )
        assert q.status_code == 202, q.text
        rid = q.json()["request_id"]
        deadline = time.monotonic() + 60
        while (s := c.get("/v2/external/chat/status", params={"request_id": rid}).json())["status"] != "COMPLETED":
            assert s["status"] in ("PENDING", "PROCESSING") and time.monotonic() < deadline, s
            time.sleep(0.2)
        assert s["response"]["choices"][0]["message"]["content"]

        started = time.perf_counter()
        with c.stream(
            "POST", "/v2/external/chat/completions", json={"messages": messages, "max_tokens": 48, "stream": True}
        ) as resp:
            assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
            events = list(sse(resp))
    tokens = [(t, e) for t, e in events if e["choices"] and e["choices"][0]["delta"].get("content")]
    usage = events[-1][1]["usage"]
    ttft, total = tokens[0][0] - started, events[-1][0] - started
    print(f"stream: {len(tokens)} chunks, ttft {ttft:.3f}s, total {total:.3f}s")
    assert len(tokens) >= 2 and ttft < total  # the first token arrived before the last was generated
    assert usage["completion_tokens"] >= len(tokens) - 1



def test_samsar_js_external_chat_path_is_the_gateway(server: ReelforgeServer) -> None:
    """samsar-js createExternalChat / createV2ExternalChat post the Chat Completions body to /v2/external/chat:
    the same handler answers (charged by usage), and a bad body is a 400 naming the field, charging nothing."""
    key = server.new_key(credits=1000)
    with server.client(key, timeout=120) as c:
        r = c.post("/v2/external/chat", json={"messages": [{"role": "user", "content": "Name a colour."}],
                                              "max_tokens": 12})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["object"] == "chat.completion" and answer["choices"][0]["message"]["content"]
        charged = int(r.headers["x-credits-charged"])
        assert charged == credits("offline", answer["usage"], "chat") > 0
        assert int(r.headers["x-credits-remaining"]) == 1000 - charged
        bad = c.post("/v2/external/chat", json={"messages": []})
        assert bad.status_code == 400 and bad.json()["field"] == "messages", bad.text
        assert c.get("/v1/credits").json()["remainingCredits"] == 1000 - charged
        queued = c.post("/v2/external/chat", json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4,
                                                    "async": True, "response_mode": "polling"})
        assert queued.status_code == 202 and queued.json()["poll_url"].startswith("/v2/external/chat/status")
        rid = queued.json()["request_id"]
    with server.client(server.new_key()) as other:  # the queued chat is not another account's to read
        assert other.get("/v2/external/chat/status", params={"request_id": rid}).status_code == 404


def upstream_chats(up: ReelforgeServer) -> int:
    """Chat completions the upstream reelforge accepted (its own request log)."""
    db = Database(f"sqlite:///{(up.data_dir / 'reelforge.db').resolve()}")
    try:
        with db.session() as s:
            query = select(func.count()).select_from(Request).where(Request.case_type == "chat_completion")
            return int(s.scalar(query) or 0)
    finally:
        db.engine.dispose()


def test_configured_upstream_is_a_second_reelforge_and_falls_back(tmp_path: Path) -> None:
    """One language-model setting (``REELFORGE_LLM_*``) serves the assistant, the video script writer
    and translation of client text; with the upstream off, each falls back to its offline path."""
    # The upstream serves only its packaged model; the front uses it as its OpenAI-compatible endpoint.
    up = ReelforgeServer(tmp_path / "upstream", {"REELFORGE_LLM_OFFLINE_ONLY": "true"}).start()
    front: ReelforgeServer | None = None
    try:
        up_key = up.new_key(credits=100_000)
        llm_env = {"REELFORGE_LLM_BASE_URL": up.base_url, "REELFORGE_LLM_API_KEY": up_key, "REELFORGE_LLM_MODEL": "any"}
        front = ReelforgeServer(tmp_path / "front", llm_env).start()
        settings = Settings(llm_base_url=up.base_url, llm_api_key=up_key, llm_model="any", data_dir=tmp_path / "t")
        key = front.new_key(credits=100_000)
        with front.client(key, timeout=120) as c:
            r = c.post("/v1/assistant/completion", json={"input": "Say hello.", "max_output_tokens": 16})
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["provider"] == "openai-compatible" and body["output_text"]
            assert int(r.headers["x-credits-charged"]) == credits("openai-compatible", body["usage"], "assistant")
            with up.client(up_key, timeout=120) as u:  # the upstream billed its own account for the same tokens
                assert int(u.get("/v2/external/api_key/validate").json()["remainingCredits"]) < 100_000

            # The video script writer asks the upstream; the status names whoever really wrote the
            # script: the upstream if its reply was a usable script, else the template fallback.
            asked = upstream_chats(up)
            video = {"image_urls": [photo()], "metadata": {"product": "Zephyr linen travel shirt"}, "duration": 5}
            r = c.post("/v1/video/image_list_to_video", json={"input": video})
            assert r.status_code == 200, r.text
            done = wait_status(c, r.json()["request_id"], timeout=400)
            assert done["status"] == "COMPLETED", done
            assert upstream_chats(up) > asked
            assert front.log_path is not None
            discarded = "using the fallback script writer" in front.log_path.read_text(errors="replace")
            expected = TEMPLATE_WRITER if discarded else "OPENAI any"
            print("script written by", done["providers"]["prompt_generation"])
            assert done["providers"]["prompt_generation"] == expected

        # Translation of client text (what session translation calls), with the same settings.
        asked = upstream_chats(up)
        registry.text_translator(settings).translate("Zephyr linen shirts, sewn in Porto", "fr")
        assert upstream_chats(up) == asked + 1

        up.stop()  # switched off: the front answers with its own offline model
        # Generous: the front first retries the switched-off endpoint (the openai SDK's backoff).
        with front.client(key, timeout=300) as c:
            messages = [{"role": "user", "content": "Say hello."}]
            r = c.post("/v2/external/chat/completions", json={"messages": messages, "max_tokens": 8})
            assert r.status_code == 200, r.text
            assert r.json()["provider"] == "offline"
        script = registry.script_writer(settings).write(ScriptRequest(prompt="Linen shirts", n_scenes=1, duration_s=5))
        assert script.writer == TEMPLATE_WRITER and script.scenes[0].narration
    finally:
        if front is not None:
            front.stop()
        up.stop()


def test_v2_companions(server: ReelforgeServer) -> None:
    key = server.new_key(credits=77)
    with server.client(key) as c:
        v = c.get("/v2/external/api_key/validate").json()
        assert v["valid"] is True and v["remainingCredits"] == 77
        caps = c.get("/v2/external/providers/capabilities").json()
        assert "chat.completions" in caps["providers"]["reelforge"]["actions"]
        val = c.post("/v2/external/providers/validate", json={"samsarApiKey": key}).json()
        assert val["providers"]["samsar"]["ok"] is True and "reelforge" in val["available"]["providers"]
        m = c.post("/v2/external/moderation", json={"input": "hello"})  # tests/api/test_api_moderation.py
        assert m.status_code == 200 and m.json()["results"][0]["flagged"] is False
    with server.client("rf_wrong") as c:
        assert c.get("/v2/external/api_key/validate").status_code == 401
