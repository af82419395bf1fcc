"""OpenAICompatClient against a real local server speaking the OpenAI protocols."""

from __future__ import annotations

import io
import socket
import wave
from collections.abc import Callable, Iterator

import pytest
from PIL import Image

from reelforge.providers.openai_compat import MAX_RETRIES, OpenAICompatClient, ProviderError
from support.fake_openai import FakeOpenAIServer, speech_duration_for

API_KEY = "sk-test-123"


@pytest.fixture()
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=API_KEY) as srv:
        yield srv


@pytest.fixture()
def client(server: FakeOpenAIServer) -> OpenAICompatClient:
    return OpenAICompatClient(server.base_url, API_KEY, timeout=10)


def test_chat_returns_assistant_text_and_sends_model_and_key(
    server: FakeOpenAIServer, client: OpenAICompatClient
) -> None:
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "Sell my coffee"}]
    reply = client.chat(messages, model="gpt-test", temperature=0.2)
    assert reply == "echo: Sell my coffee"
    request = server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "gpt-test"
    assert request.body["temperature"] == 0.2
    assert request.body["messages"] == messages
    assert "response_format" not in request.body
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"


def test_chat_json_parses_object_and_requests_json_mode(server: FakeOpenAIServer, client: OpenAICompatClient) -> None:
    result = client.chat_json([{"role": "user", "content": "three word prompt"}], model="m")
    assert result == {"echo": "three word prompt", "model": "m", "message_count": 1, "word_count": 3}
    assert server.requests[-1].body["response_format"] == {"type": "json_object"}


def test_chat_json_tolerates_code_fences_and_rejects_prose() -> None:
    replies = iter(['```json\n{"scenes": [1, 2]}\n```', "Sure! Here you go."])
    with FakeOpenAIServer(chat_reply=lambda messages, body: next(replies)) as srv:
        client = OpenAICompatClient(srv.base_url + "/v1/", None)
        assert client.chat_json([{"role": "user", "content": "x"}], model="m") == {"scenes": [1, 2]}
        with pytest.raises(ProviderError, match="not a JSON object"):
            client.chat_json([{"role": "user", "content": "x"}], model="m")
        assert "Authorization" not in srv.requests[-1].headers


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def test_generate_image_b64_returns_real_png_of_requested_size(client: OpenAICompatClient) -> None:
    data = client.generate_image("a red bicycle", model="img-test", size="96x64")
    assert _png_size(data) == (96, 64)
    assert client.generate_image("a red bicycle", model="img-test", size="96x64") == data
    assert client.generate_image("a blue car", model="img-test", size="96x64") != data


def test_generate_image_follows_url_responses() -> None:
    with FakeOpenAIServer(image_response="url") as srv:
        data = OpenAICompatClient(srv.base_url, None).generate_image("sunrise", model="m", size="32x48")
        assert _png_size(data) == (32, 48)
        assert "b64_json" not in str(srv.requests[-1].body)


def test_speech_returns_wav_whose_length_follows_the_text(server: FakeOpenAIServer, client: OpenAICompatClient) -> None:
    text = "Fresh coffee, roasted every morning."
    audio = client.speech(text, model="tts-test", voice="alloy")
    with wave.open(io.BytesIO(audio)) as wav:
        duration = wav.getnframes() / wav.getframerate()
    assert duration == pytest.approx(speech_duration_for(text), abs=1e-3)
    assert server.requests[-1].body == {
        "model": "tts-test",
        "input": text,
        "voice": "alloy",
        "response_format": "wav",
    }


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("/v1/chat/completions", lambda c: c.chat([{"role": "user", "content": "hi"}], model="m")),
        ("/v1/images/generations", lambda c: c.generate_image("p", model="m", size="8x8")),
        ("/v1/audio/speech", lambda c: c.speech("hi", model="m", voice="v")),
    ],
)
def test_http_500_is_retried_then_raises_provider_error(
    server: FakeOpenAIServer, client: OpenAICompatClient, path: str, call: Callable[[OpenAICompatClient], object]
) -> None:
    server.fail(path, status=500)
    call(client)  # a one-off failure is retried by the SDK
    assert [r.path for r in server.requests] == [path, path]
    assert server.requests[-1].headers["x-stainless-retry-count"] == "1"
    server.fail(path, status=500, times=MAX_RETRIES + 1)
    with pytest.raises(ProviderError, match="HTTP 500"):
        call(client)
    assert len(server.requests) == 2 + MAX_RETRIES + 1
    call(client)  # the failures were used up: the next call succeeds


def test_wrong_key_and_unreachable_server_raise_provider_error(server: FakeOpenAIServer) -> None:
    with pytest.raises(ProviderError, match="HTTP 401"):
        OpenAICompatClient(server.base_url, "wrong").chat([{"role": "user", "content": "hi"}], model="m")
    assert len(server.requests) == 1  # a 401 is not retried
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    # No retries: the SDK backs off 0.5 s and more between connection attempts.
    unreachable = OpenAICompatClient(f"http://127.0.0.1:{closed_port}", None, timeout=2, max_retries=0)
    with pytest.raises(ProviderError, match="failed"):
        unreachable.speech("hi", model="m", voice="v")
