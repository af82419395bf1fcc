"""``quote_only`` (alias ``dry_run``) on every paid route answers exactly what the real call then
charges, and charges, stores and enqueues nothing; ``GET /v1/pricing`` is the price table.

Most routes are checked on an API-only server (no workers: the charge is taken at acceptance, so
nothing needs to run); the session operations and template searches need a finished source, made
once on the shared server."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from support import ReelforgeServer, submit
from support.media import product_photo
from support.platform_flows import external_session, identity, login
from support.quotes import quote_then_charge

IMAGES = [product_photo(0), product_photo(1)]
RECORDS = [{"id": "1", "city": "Austin", "description": "modern downtown flat"},
           {"id": "2", "city": "Dallas", "description": "2 bedroom apartment with a garden"}]


def _png(size: tuple[int, int] = (96, 64)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, "#2a9d8f").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.fixture(scope="module")
def api_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReelforgeServer]:
    server = ReelforgeServer(tmp_path_factory.mktemp("quotes"), {"REELFORGE_SYNC_WAIT_S": "0.2",
                                                                 "REELFORGE_INLINE_RESULT_WAIT_S": "0.2"},
                             workers=False).start()
    yield server
    server.stop()


ACCEPTANCE_PRICED = [
    ("/v1/image/enhance", {"image_url": _png()}),
    ("/v1/image/enhance", {"image_url": _png((1800, 1200)), "target": "4k"}),
    ("/v1/image/remove_branding", {"image_url": _png()}),
    ("/v1/image/add_image_set", {"image_urls": [_png()], "num_images": 2}),
    ("/v1/image/create_rollup_banner", {"image_urls": [_png()], "tile_width": 64}),
    ("/v1/image/create_rollup_banner_with_enhance", {"images": [_png()], "tile_width": 64}),
    ("/v1/image/text_to_image", {"prompt": "A lighthouse at dawn", "image_model": "IMAGEN4", "size": "512x512"}),
    ("/v1/image/receipt_templates/create", {"image_url": _png()}),
    ("/v1/video/image_list_to_video", {"image_urls": IMAGES}),
    ("/v1/video/image_list_to_video", {"image_urls": IMAGES, "add_narrator_avatar": True, "cta_url":
                                       "https://shop.example.com/book", "generate_outro_image": True}),
    ("/v1/video/text_to_video", {"prompt": "A boutique hotel launch reel", "duration": 20, "image_model": "HUNYUAN",
                                 "video_model": "SORA2"}),
    ("/v1/video/create", {"prompt": "An astronaut cat", "duration": 30}),
    ("/v1/chat/create_embedding", {"name": "listings", "records": RECORDS}),
    ("/v1/chat/generate_embeddings_from_plain_text", {"name": "notes", "plain_text": [{"text": "Linen shirts"}]}),
    ("/v2/external/embeddings", {"input": ["linen travel shirt", "alpine boots"]}),
    ("/v2/text_to_video", {"prompt": "A bakery's morning rush", "duration": 20}),
    ("/v2/image_list_to_video", {"image_urls": IMAGES, "stepMode": "two_step"}),
    ("/v2/video/step/text_to_video", {"prompt": "A bicycle repair shop"}),
    ("/v2/video/step/image_to_video", {"image_url": IMAGES[0]}),
    ("/v2/external/audio/text_to_speech", {"text": "Fresh bread every morning from six."}),
    ("/v2/external/audio/text_to_music", {"prompt": "A calm piano loop for a bakery"}),
    ("/v2/external/audio/sound_effect", {"prompt": "A shop door bell rings twice"}),
    ("/v1/image/assign_title", {"image_url": _png()}),
    ("/v1/chat/enhance", {"message": "fresh bread daily from six", "maxwords": 40}),
    ("/v1/assistant/completion", {"message": "Name three breads.", "max_output_tokens": 40}),
    ("/v2/external/chat/completions", {"messages": [{"role": "user", "content": "Name three breads."}],
                                       "max_tokens": 40, "async": True}),
    ("/v2/external/narrative/create_single", {"prompt": "A baker's first morning", "duration": 20}),
    ("/v2/text_to_interactive_video", {"prompt": "A baker's first morning", "duration": 20,
                                       "image_model": "SEEDREAM", "video_model": "RUNWAYML", "num_levels": 2}),
]


@pytest.mark.parametrize(("route", "body"), ACCEPTANCE_PRICED, ids=[r for r, _ in ACCEPTANCE_PRICED])
def test_quote_equals_charge(api_only: ReelforgeServer, route: str, body: dict[str, Any]) -> None:
    with api_only.client(api_only.new_key(credits=1_000_000)) as c:
        quoted, charged, _ = quote_then_charge(c, route, body)
    assert quoted == charged


def test_dry_run_alias_and_pricing_table(api_only: ReelforgeServer) -> None:
    with api_only.client(api_only.new_key(credits=1_000)) as c:
        quoted, charged, _ = quote_then_charge(c, "/v1/image/enhance", {"image_url": _png()}, flag="dry_run")
        assert quoted == charged == c.get("/v1/pricing").json()["routes"]["image_enhance"]["1k"]
        wrapped = c.post("/v1/image/enhance", json={"input": {"image_url": _png()}, "quote_only": True}).json()
        assert wrapped["status"] == "quote"
    with api_only.client(api_only.new_key(credits=10)) as poor:  # a quote is free and says it would not go through
        quote = poor.post("/v1/image/enhance", json={"image_url": _png(), "quote_only": True}).json()
        assert quote["sufficient"] is False and quote["remainingCredits"] == 10


def test_quote_of_a_utility_usage_charge(api_only: ReelforgeServer) -> None:
    """The one paid route that is no job: a platform passing a cost on to its user (their own wallet)."""
    key = api_only.new_key(credits=1_000)
    user = identity("quoted-usage")
    with api_only.client(key) as c:
        external_session(c, user, grant=1_000)
        auth = login(c, user)["authToken"]
    with api_only.client(auth) as c:  # the user's own credential: /v1/credits and the ledger are theirs
        body = {"utility_type": "transcription", "cost_usd": 0.25, "pricingMultiplier": 2}
        quoted, charged, _ = quote_then_charge(c, "/v1/external_users/utils/usage_charge", body)
    assert quoted == charged == 50


def test_quotes_of_operations_on_finished_work(server: ReelforgeServer) -> None:
    key = server.new_key(credits=100_000)
    source = submit(server, key, "/v1/video/image_list_to_video", {"image_urls": IMAGES[:1], "language": "en"})
    assert source["status"] == "COMPLETED", source
    sid = source["request_id"]
    with server.client(key, timeout=120) as c:
        template = c.post("/v1/chat/create_embedding", json={"name": "t", "records": RECORDS})
        assert template.status_code == 200, template.text
        tid = template.json()["template_id"]
        routes: list[tuple[str, dict[str, Any]]] = [
            ("/v1/video/translate_video", {"videoSessionId": sid, "language": "es"}),
            ("/v1/video/add_outro_image", {"videoSessionId": sid, "outro_image_url": IMAGES[1]}),
            ("/v1/video/update_outro_image", {"videoSessionId": sid, "cta_url": "https://shop.example.com/x",
                                              "generate_outro_image": True}),
            ("/v1/video/update_footer_image", {"videoSessionId": sid, "cta_url": "https://shop.example.com/f"}),
            ("/v1/video/add_subtitles", {"videoSessionId": sid}),
            ("/v1/chat/search_against_embedding", {"template_id": tid, "search_term": "apartment in Dallas"}),
            ("/v1/chat/similar_to_embedding", {"template_id": tid, "search_json": {"description": "loft"}}),
            ("/v1/chat/update_embedding", {"template_id": tid, "records": [{"id": "3", "description": "barn"}]}),
            ("/v2/translate_video", {"videoSessionId": sid, "language": "fr"}),
            ("/v1/video/remove_subtitles", {"videoSessionId": sid}),  # free: quoted as 0, charged 0
            ("/v1/video/clone", {"videoSessionId": sid}),
        ]
        for route, body in routes:
            quoted, charged, answer = quote_then_charge(c, route, {"input": body})
            assert quoted == charged, route
            request_id = answer.get("request_id")
            if "video" in route and request_id:  # the operation need not render here
                c.post("/v1/video/cancel_render", json={"session_id": request_id})
    copy = submit(server, key, "/v1/video/clone", {"videoSessionId": sid})
    assert copy["status"] == "COMPLETED", copy
    with server.client(key, timeout=120) as c:
        quoted, charged, _ = quote_then_charge(c, "/v1/video/join_videos",
                                               {"input": {"session_ids": [sid, copy["request_id"]]}})
        assert quoted == charged
