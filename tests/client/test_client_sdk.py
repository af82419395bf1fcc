"""The Python SDK against a real `reelforge serve`: every served method's happy and error path,
through the sync and the async client alike (the `mode` parameter)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from reelforge import standard_webhooks
from reelforge.client import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    Client,
    InsufficientCreditsError,
    JobFailedError,
    NotFoundError,
    ReelforgeConnectionError,
    ReelforgeError,
    SamsarRequestError,
    WaitTimeoutError,
    WebhookVerificationError,
    parse_webhook,
    to_data_url,
    verify_webhook,
)
from support import WEBHOOK_SECRET, FixtureHTTP, ReelforgeServer, free_port, wait_for
from support.client import Api
from support.media import png_bytes

PHOTO = to_data_url(png_bytes(96, 64, seed=3))


def test_enhance_wait_download_status_history_and_ledger(api: Api, tmp_path: Path) -> None:
    accepted = api("enhance_image", image_url=PHOTO, resolution="2k")
    assert accepted.status == 200
    assert accepted.credits_charged == 75 and accepted.credits_remaining == 100_000 - 75
    assert accepted.headers["x-credits-charged"] == "75" and isinstance(accepted.raw, httpx.Response)
    assert accepted.data.credits_charged == accepted.data["creditsCharged"] == 75
    assert accepted.data["aspect_ratio"] == "3:2"  # a field the model does not name is kept
    request_id = accepted.data.request_id

    seen: list[Any] = []
    done = api("wait", request_id, poll_interval=0.1, timeout=60, on_progress=seen.append)
    assert done.is_completed and done.url and done.url.endswith(".png")
    assert "image_enhance" in seen[0].stages and seen[-1].status == "COMPLETED"
    assert len({(s.status, tuple(s.stages.items())) for s in seen}) == len(seen), "a callback without a change"

    saved = api("download", done.url, tmp_path / "enhanced.png")
    with Image.open(saved) as img:
        assert max(img.size) >= 1024, img.size  # 2k output from a 96 px input

    assert api("get_status", request_id).data.result_url == done.url
    assert api("image.status", request_id).data.status == "COMPLETED"
    assert request_id in [s.request_id for s in api("list_image_requests", 10).data.sessions]
    entries = api("credits.ledger", request_id).data.entries
    assert [(e.kind, e.amount) for e in entries] == [("charge", -75)]
    assert api("get_credits_balance").data.credits == 100_000 - 75


VIDEO_SUBMISSIONS = [
    ("create_video_from_text", {"prompt": "A drone shot of a beach at sunrise", "duration": 6}),
    ("video.text_to_video", {"prompt": "A linen shirt for hot days", "duration": 8, "aspect_ratio": "9:16"}),
    (
        "create_video_from_image_list",
        {"image_urls": [PHOTO, {"image_url": PHOTO, "title": "Second look"}], "prompt": "Linen shirt teaser"},
    ),
]


@pytest.mark.parametrize(("method", "body"), VIDEO_SUBMISSIONS, ids=[m for m, _ in VIDEO_SUBMISSIONS])
def test_video_submissions_are_charged_then_cancelled_and_refunded(api: Api, method: str, body: dict[str, Any]) -> None:
    accepted = api(method, body, webhook_url="https://example.com/hook")
    # createVideoFromText posts to the legacy /video/create, which legacy-video-api-v0.md answers 201.
    assert accepted.status in (200, 201) and accepted.credits_charged and accepted.credits_charged > 0
    request_id = accepted.data.request_id
    assert accepted.data.session_id == request_id

    latest = api("fetch_latest_video_version", request_id)
    assert latest.data.session_id == request_id and latest.status in (200, 202)

    cancelled = api("cancel_render", video_session_id=request_id)
    assert cancelled.data.cancelled is True and cancelled.data.status == "CANCELLED"
    final = api("wait", request_id, timeout=30, poll_interval=0.2, raise_on_failure=False)
    assert final.status == "CANCELLED"
    with pytest.raises(JobFailedError) as failed:
        api("wait", request_id, timeout=30)
    assert failed.value.body["status"] == "CANCELLED"
    assert sum(e.amount for e in api("get_credits_ledger", request_id).data.entries) == 0  # refunded


def test_catalogs(server: ReelforgeServer, api: Api, mode: str) -> None:
    models = api("get_supported_text_to_video_models").data
    assert "LOCAL" in [m.value for m in models.video_models] and models["VIDEO_MODELS"]
    fonts = Api(mode, None, server.base_url)("video.supported_fonts").data  # no key needed
    assert "Poppins" in fonts.fonts_by_language["en"]


ERROR_CASES: list[tuple[str, tuple[Any, ...], dict[str, Any], int, str | None]] = [
    ("enhance_image", (), {"image_url": "not a url"}, 400, "image_url"),
    ("enhance_image", (), {"image_url": PHOTO, "resolution": "8k"}, 400, "resolution"),
    ("get_status", ("req_does_not_exist",), {}, 404, "request_id"),
    ("get_image_status", ("img_does_not_exist",), {}, 404, "request_id"),
    ("list_image_requests", (0,), {}, 400, "limit"),
    ("get_credits_ledger", (), {"limit": 0}, 400, "limit"),
    ("create_video_from_text", (), {"prompt": "x" * 501}, 400, "prompt"),
    ("create_text_to_video", (), {"prompt": "long", "duration": 500}, 400, "duration"),
    ("create_video_from_image_list", (), {"image_urls": ["ftp://example.com/a.png"]}, 400, None),
    ("fetch_latest_video_version", ("vid_does_not_exist",), {}, 404, None),
    ("cancel_render", (), {"video_session_id": "vid_does_not_exist"}, 404, "videoSessionId"),
    ("update_video_outro_image", (), {"video_session_id": "vid_nope", "cta_url": "https://example.com"}, 404, None),
    ("update_video_footer_image", (), {"video_session_id": "vid_nope", "cta_url": "https://example.com"}, 404, None),
    ("add_video_outro_image", (), {"video_session_id": "vid_nope", "outro_image_url": PHOTO}, 404, None),
    ("translate_video", (), {"video_session_id": "vid_nope", "language": "es"}, 400, "videoSessionId"),  # per the docs
    ("translate_video", (), {"video_session_id": "vid_nope", "language": "xx"}, 400, "language"),
    ("clone_video", (), {"video_session_id": "vid_nope"}, 404, None),
    ("remove_subtitles", (), {"video_session_id": "vid_nope"}, 404, None),
    ("add_subtitles", (), {"video_session_id": "vid_nope"}, 404, None),
    ("join_videos", (), {"session_ids": ["vid_nope_a", "vid_nope_b"]}, 404, "session_ids"),
    ("join_videos", (), {"session_ids": ["vid_same", "vid_same"]}, 400, "session_ids"),
    ("update_video_footer_image", (), {"video_session_id": "vid_nope", "cta_url": "ftp://example.com"}, 400, None),
    ("update_video_outro_image", (), {"video_session_id": "vid_nope", "cta_url": "ftp://example.com"}, 400, None),
]


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "status", "field"), ERROR_CASES, ids=[f"{c[0]}-{c[3]}" for c in ERROR_CASES]
)
def test_error_paths_raise_the_type_for_their_status(
    api: Api, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], status: int, field: str | None
) -> None:
    with pytest.raises(SamsarRequestError) as caught:
        api(method, *args, **kwargs)
    error = caught.value
    assert isinstance(error, ReelforgeError) and error.status == status, repr(error)
    assert type(error) is {400: BadRequestError, 404: NotFoundError}[status], repr(error)
    assert error.message and error.message in str(error) and isinstance(error.body, dict)
    if field:
        assert error.field == field


def test_auth_and_credit_errors(server: ReelforgeServer, mode: str) -> None:
    for key, error_type in (("rf_live_not_a_key", AuthenticationError), (None, BadRequestError)):
        with pytest.raises(error_type):
            Api(mode, key, server.base_url)("get_credits_balance")
    with pytest.raises(AuthenticationError) as auth:
        Api(mode, "rf_live_not_a_key", server.base_url)("get_supported_text_to_video_models")
    assert auth.value.status == 401
    broke = Api(mode, server.new_key(credits=10), server.base_url)
    with pytest.raises(InsufficientCreditsError) as short:
        broke("enhance_image", image_url=PHOTO)
    assert short.value.status == 402 and short.value.code == "insufficient_credits"


def test_connection_refused_is_a_connection_error(mode: str) -> None:
    api = Api(mode, "key", f"http://127.0.0.1:{free_port()}", max_retries=1)
    with pytest.raises(APIConnectionError) as caught:
        api("video.supported_fonts")
    assert caught.value.status is None and isinstance(caught.value, ReelforgeError)
    assert ReelforgeConnectionError is APIConnectionError  # the earlier name still catches it


def test_wait_gives_up_after_its_timeout(server: ReelforgeServer, api: Api) -> None:
    accepted = api("create_video_from_text", prompt="A slow one", duration=6)
    try:
        with pytest.raises(WaitTimeoutError) as caught:
            api("wait", accepted.data.request_id, timeout=0.3, poll_interval=0.1)
        assert caught.value.body["status"] == "PENDING"
    finally:
        api("cancel_render", video_session_id=accepted.data.request_id)


def test_config_from_environment(server: ReelforgeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    key = server.new_key(credits=123)
    monkeypatch.setenv("REELFORGE_API_KEY", key)
    monkeypatch.setenv("REELFORGE_BASE_URL", server.base_url)  # no /v1: added
    with Client() as client:
        assert client.base_url == server.base_url + "/v1"
        assert client.get_credits_balance().data.credits == 123
    with pytest.raises(ValueError):
        Client(base_url="ftp://example.com")


def test_delivered_webhook_verifies(server: ReelforgeServer, fixture_http: FixtureHTTP) -> None:
    fixture_http.routes["/sdk-hook"] = lambda _h, _b: (200, {}, b"ok")
    with Client(server.new_key(credits=1000), base_url=server.base_url) as client:
        accepted = client.enhance_image(image_url=PHOTO, webhook_url=fixture_http.base_url + "/sdk-hook")
        client.wait(accepted.data.request_id, timeout=60, poll_interval=0.2)

    def delivered() -> list[tuple[str, dict[str, str], bytes]]:
        return [r for r in fixture_http.received if r[0] == "/sdk-hook"]

    wait_for(lambda: bool(delivered()), timeout=30)
    _, headers, body = delivered()[0]
    assert verify_webhook(body, headers, WEBHOOK_SECRET) and Client.verify_webhook(body, headers, WEBHOOK_SECRET)
    status = parse_webhook(body, headers, WEBHOOK_SECRET)
    assert status.request_id == accepted.data.request_id and status.is_completed
    assert not verify_webhook(body + b" ", headers, WEBHOOK_SECRET)
    with pytest.raises(WebhookVerificationError):
        parse_webhook(body, {**headers, "webhook-id": "msg_other"}, WEBHOOK_SECRET)
    stale = standard_webhooks.headers_for(WEBHOOK_SECRET, "msg_1", body, timestamp=1_000_000)
    assert not verify_webhook(body, stale, WEBHOOK_SECRET)


def test_assign_title_binary_upload_is_multipart(fixture_http: FixtureHTTP, tmp_path: Path) -> None:
    """The wire format of a binary assign_title upload (what samsar-js sends), checked on a recorder."""
    fixture_http.routes["/rec/v1/image/assign_title"] = lambda _h, _b: (
        200,
        {"content-type": "application/json"},
        b'{"content": "Linen Travel Shirt"}',
    )
    photo = tmp_path / "shirt.png"
    photo.write_bytes(png_bytes(40, 30))
    with Client("key", base_url=fixture_http.base_url + "/rec/v1") as client:
        result = client.assign_image_title(image=photo, metadata={"product": "linen travel shirt"})
        assert result.data.content == "Linen Travel Shirt"
        with pytest.raises(ValueError):
            client.assign_image_title(image=b"plain text, not an image")
        with pytest.raises(ValueError):
            client.assign_image_title(metadata={"product": "no image"})
    _, headers, body = next(r for r in reversed(fixture_http.received) if r[0] == "/rec/v1/image/assign_title")
    parts = _multipart(headers["Content-Type"], body)
    assert parts["image"] == ("shirt.png", "image/png", photo.read_bytes())
    assert parts["fileName"][2] == b"shirt.png" and parts["mimeType"][2] == b"image/png"
    assert json.loads(parts["metadata"][2]) == {"product": "linen travel shirt"}
    assert headers["Idempotency-Key"].startswith("rf-")


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, str | None, bytes]]:
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = (part.get_filename(), part.get_content_type() if part.get_filename() else None, payload)
    return parts


def test_download_keeps_the_key_at_home(fixture_http: FixtureHTTP, tmp_path: Path) -> None:
    fixture_http.serve_bytes("/cdn/video.bin", b"\x00\x01payload", "application/octet-stream")
    with Client("rf_live_secret", base_url="http://127.0.0.1:9/v1") as client:
        saved = client.download(fixture_http.base_url + "/cdn/video.bin", tmp_path / "deep" / "video.bin")
    assert saved.read_bytes() == b"\x00\x01payload"
    _, headers, _ = next(r for r in reversed(fixture_http.received) if r[0] == "/cdn/video.bin")
    assert "Authorization" not in headers
    assert not list((tmp_path / "deep").glob("*.part"))


def test_image_bytes_to_data_url(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="JPEG")
    path.write_bytes(buf.getvalue())
    assert to_data_url(path).startswith("data:image/jpeg;base64,")
    assert to_data_url("https://example.com/a.png") == "https://example.com/a.png"


def test_clients_share_one_tls_context_and_a_given_http_client_is_used_as_is() -> None:
    """Building a TLS context loads the CA bundle (~15 ms): clients of one process share one."""
    from reelforge.client import AsyncClient

    def context(client: Client | AsyncClient) -> object:
        return client._http._transport._pool._ssl_context  # type: ignore[union-attr]  # httpx 0.28's layout

    first, second, third = Client("k"), Client("k"), AsyncClient("k")
    assert context(first) is context(second) is context(third)
    own = httpx.Client(verify=False)
    assert Client("k", http_client=own)._http is own
