"""Hostile input against a real server: each request gets a clear JSON 4xx, and the calling
account is charged nothing and has nothing stored (no request row, ledger entry, idempotency
record or file)."""

from __future__ import annotations

import http.client
import json
import sqlite3
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from support import FixtureHTTP, ReelforgeServer
from support.hostile import assert_clear_4xx, jpeg, nothing_charged_or_stored, png, png_declaring
from support.media import data_url

GOOD_PNG = data_url(png(64, 48))

# --- malformed JSON ----------------------------------------------------------------------------

MALFORMED_BODIES: dict[str, bytes] = {
    "truncated": b'{"image_url": ',
    "single quotes": b"{'image_url': 'x'}",
    "trailing garbage": b'{"image_url": "x"} trailing',
    "empty": b"",
    "NaN": b"NaN",
    "array": b"[]",
    "null": b"null",
    "number": b"42",
    "string": b'"image_url"',
    "invalid UTF-8": b'{"prompt": "\xff\xfe\xfa"}',
    # (A UTF-8 BOM before valid JSON is accepted, as RFC 8259 allows parsers to.)
    "nested 100k deep": b"[" * 100_000 + b"]" * 100_000,
    "lone surrogate escape": b'{"prompt": "a\\ud800b", "image_url": "a\\udfffb"}',
}
JSON_ROUTES = ("/v1/image/enhance", "/v1/video/text_to_video", "/v1/image/assign_title", "/v1/video/join_videos")


@pytest.mark.parametrize("route", JSON_ROUTES)
def test_malformed_json_is_400(hostile_server: ReelforgeServer, route: str) -> None:
    with hostile_server.client(hostile_server.new_key()) as c, nothing_charged_or_stored(hostile_server, c):
        for name, raw in MALFORMED_BODIES.items():
            r = c.post(route, content=raw, headers={"content-type": "application/json"})
            assert r.status_code == 400, (name, r.text[:300])
            assert_clear_4xx(r, 400)


# --- wrong types -------------------------------------------------------------------------------

WRONG_TYPES: list[tuple[str, dict[str, Any] | str, str]] = [
    ("/v1/image/enhance", {"image_url": 123}, "image_url"),
    ("/v1/image/enhance", {"image_url": GOOD_PNG, "resolution": ["2k"]}, "resolution"),
    ("/v1/image/enhance", {"image_url": {"url": GOOD_PNG}}, "image_url"),
    ("/v1/video/text_to_video", {"prompt": "x", "duration": "long"}, "duration"),
    ("/v1/video/text_to_video", '{"prompt": "x", "duration": 1e400}', "duration"),  # raw: infinity
    ("/v1/video/text_to_video", '{"prompt": "x", "duration": -Infinity}', "duration"),
    ("/v1/video/text_to_video", '{"prompt": "x", "duration": NaN}', "duration"),
    # NaN where any JSON is allowed: once stored and echoed it made the encoder fail after the charge (a 500).
    ("/v1/image/add_image_set", f'{{"image_urls": ["{GOOD_PNG}"], "metadata": {{"a": [1, NaN]}}}}', "metadata.a.1"),
    ("/v1/video/text_to_video", {"prompt": "x", "duration": 10**400}, "duration"),
    ("/v1/video/text_to_video", {"prompt": "x", "enable_subtitles": "yes"}, "enable_subtitles"),
    ("/v1/video/text_to_video", {"prompt": {"text": "x"}}, "prompt"),
    ("/v1/video/text_to_video", {"prompt": "x", "metadata": [1, 2]}, "metadata"),
    ("/v1/video/text_to_video", {"prompt": "x", "aspect_ratio": {"w": 16}}, "aspect_ratio"),
    ("/v1/video/image_list_to_video", {"image_urls": GOOD_PNG}, "image_urls"),
    ("/v1/video/join_videos", {"session_ids": "vid_a,vid_b"}, "session_ids"),
    ("/v1/video/clone", {"videoSessionId": ["vid_a"]}, "videoSessionId"),
    ("/v1/image/remove_branding", {"image_url": GOOD_PNG, "regions": [[1, 2]]}, "regions.0.2"),
    ("/v1/image/add_image_set", {"image_urls": [GOOD_PNG], "num_images": True}, "num_images"),
    ("/v1/image/create_rollup_banner", {"image_list": [GOOD_PNG], "columns": "three"}, "columns"),
    ("/v1/image/receipt_templates/query", {"template_id": 7, "image_url": GOOD_PNG}, "template_id"),
]


def test_wrong_types_are_400_naming_the_field(hostile_server: ReelforgeServer) -> None:
    with hostile_server.client(hostile_server.new_key()) as c, nothing_charged_or_stored(hostile_server, c):
        for route, body, field in WRONG_TYPES:
            raw = body if isinstance(body, str) else json.dumps(body)
            body_json = assert_clear_4xx(c.post(route, content=raw, headers={"content-type": "application/json"}), 400)
            assert field in (body_json.get("field"), *[d["field"] for d in body_json.get("details", [])]), (
                route,
                body_json,
            )
        for query_route, params in (
            ("/v1/credits/ledger", {"limit": "abc"}),
            ("/v1/credits/ledger", {"limit": str(10**30)}),
            ("/v1/image/list", {"limit": "-1"}),
            ("/v1/video/list_completed_video_sessions", {"limit": "many"}),
        ):
            assert_clear_4xx(c.get(query_route, params=params), 400, "limit")


def test_non_string_aspect_ratio_falls_back_instead_of_500(hostile_server: ReelforgeServer) -> None:
    """Found by schemathesis: ``aspect_ratio: {}`` on image_list_to_video raised TypeError (500)."""
    with hostile_server.client(hostile_server.new_key()) as c:
        r = c.post("/v1/video/image_list_to_video", json={"image_urls": [GOOD_PNG], "aspect_ratio": {"w": 16}})
        assert r.status_code == 200, r.text
        rid = r.json()["request_id"]
        assert c.post("/v1/video/cancel_render", json={"videoSessionId": rid}).json()["cancelled"] is True


# --- huge strings and arrays -------------------------------------------------------------------


def test_huge_strings_and_arrays_are_400(hostile_server: ReelforgeServer) -> None:
    many = [GOOD_PNG] * 5  # short list items; the length is what is hostile
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/v1/video/text_to_video", {"prompt": "x" * 200_000}, "prompt"),
        ("/v1/video/create", {"prompt": "y" * 501}, "prompt"),
        ("/v1/video/text_to_video", {"prompt": "x", "tone": "t" * 10_000}, "tone"),
        ("/v1/image/enhance", {"image_url": "z" * 1_500_000}, "image_url"),
        ("/v1/video/image_list_to_video", {"image_urls": ["https://e.com/a.png"] * 10_000}, "image_urls"),
        ("/v1/video/join_videos", {"session_ids": [f"vid_{i}" for i in range(5_000)]}, "session_ids"),
        ("/v1/image/remove_branding", {"image_url": GOOD_PNG, "regions": [[0, 0, 1, 1]] * 10_000}, "regions"),
        ("/v1/image/add_image_set", {"image_urls": ["https://e.com/a.png"] * 10_000}, "image_urls"),
        ("/v1/image/create_rollup_banner", {"image_list": ["https://e.com/a.png"] * 10_000}, "image_list"),
        ("/v1/video/clone", {"videoSessionId": "v" * 100_000}, "videoSessionId"),
    ]
    with hostile_server.client(hostile_server.new_key()) as c, nothing_charged_or_stored(hostile_server, c):
        for route, body, field in cases:
            assert_clear_4xx(c.post(route, json=body), 400, field)
        assert_clear_4xx(c.post("/v1/image/add_image_set", json={"image_urls": many, "num_images": 10**9}), 400)
        # Over-long header values are refused before any work, too.
        long_key = {"Idempotency-Key": "k" * 10_000}
        assert_clear_4xx(c.post("/v1/image/enhance", json={"image_url": GOOD_PNG}, headers=long_key), 400)
        r = c.get("/v1/status", params={"request_id": "r" * 50_000})
        assert 400 <= r.status_code < 500, r.status_code


# --- unicode edge cases ------------------------------------------------------------------------

RTL_EMOJI = (
    "\u202eevil\u202c "  # right-to-left override ... pop
    "\u200f\u05e9\u05dc\u05d5\u05dd\u200e "  # RLM, Hebrew, LRM
    "\U0001f3ac\U0001f469\u200d\U0001f469\u200d\U0001f467 e\u0301"  # emoji, ZWJ family, combining accent
)


def test_nul_and_lone_surrogates_are_refused_everywhere(hostile_server: ReelforgeServer) -> None:
    bodies: list[tuple[str, str]] = [
        ("/v1/video/text_to_video", '{"prompt": "a\\u0000b"}'),
        ("/v1/video/text_to_video", '{"input": {"prompt": "ok", "metadata": {"k\\u0000": 1}}}'),
        ("/v1/video/text_to_video", '{"prompt": "ok", "footer_metadata": [{"text": "\\u0000"}]}'),
        ("/v1/image/enhance", '{"image_url": "https://e.com/\\u0000.png"}'),
        ("/v1/video/text_to_video", '{"prompt": "\\udc00"}'),
        ("/v1/image/receipt_templates/create", '{"image_url": "x", "template_name": "a\\ud83d"}'),
    ]
    with hostile_server.client(hostile_server.new_key()) as c, nothing_charged_or_stored(hostile_server, c):
        for route, raw in bodies:
            body = assert_clear_4xx(c.post(route, content=raw, headers={"content-type": "application/json"}), 400)
            assert "\x00" not in json.dumps(body, ensure_ascii=False), body  # the bad text is not echoed
        for path in ("/v1/status", "/v1/image/status", "/v1/video/fetch_latest_version"):
            assert_clear_4xx(c.get(path + "?request_id=vid%00x&session_id=vid%00x"), 400, "url")
        assert_clear_4xx(c.get("/v1/status?request_id=%ED%A0%80"), 404)  # invalid UTF-8: decoded as U+FFFD


def test_rtl_marks_and_emoji_are_text_and_round_trip(hostile_server: ReelforgeServer) -> None:
    """Not hostile after all: bidi controls, ZWJ emoji and combining marks are valid text. They
    are accepted where text is (and stored intact), and are just unknown ids where ids are."""
    with hostile_server.client(hostile_server.new_key()) as c:
        for path in ("/v1/status", "/v1/image/status"):
            assert_clear_4xx(c.get(path, params={"request_id": RTL_EMOJI}), 404, "request_id")
        assert_clear_4xx(c.post("/v1/video/clone", json={"videoSessionId": RTL_EMOJI}), 404, "videoSessionId")
        r = c.post("/v1/video/text_to_video", json={"prompt": RTL_EMOJI, "metadata": {RTL_EMOJI: RTL_EMOJI}})
        assert r.status_code == 200, r.text
        rid = r.json()["request_id"]
        with sqlite3.connect(hostile_server.data_dir / "reelforge.db") as db:
            stored = json.loads(db.execute("SELECT input FROM requests WHERE id = ?", (rid,)).fetchone()[0])
        assert stored["prompt"] == RTL_EMOJI and stored["metadata"] == {RTL_EMOJI: RTL_EMOJI}
        c.post("/v1/video/cancel_render", json={"videoSessionId": rid}).raise_for_status()


# --- image bombs, non-images, truncated files, oversized inputs --------------------------------

ImageRoute = Callable[[str], tuple[str, dict[str, Any], str]]
IMAGE_ROUTES: dict[str, ImageRoute] = {
    "enhance": lambda url: ("/v1/image/enhance", {"image_url": url}, "image_url"),
    "remove_branding": lambda url: ("/v1/image/remove_branding", {"image_url": url}, "image_url"),
    "image_set": lambda url: ("/v1/image/add_image_set", {"image_urls": [url]}, "image_urls.0"),
    "image_list_to_video": lambda url: ("/v1/video/image_list_to_video", {"image_urls": [url]}, "image_urls[0]"),
    "rollup": lambda url: ("/v1/image/create_rollup_banner", {"image_list": [url]}, "image_list.0.image_url"),
    "receipt_template": lambda url: ("/v1/image/receipt_templates/create", {"image_url": url}, "image_url"),
    "assign_title": lambda url: ("/v1/image/assign_title", {"image_url": url}, "image_url"),
}


def _bad_images(fixture_http: FixtureHTTP) -> dict[str, tuple[str, int]]:
    """name -> (URL, expected status)."""
    whole_png, whole_jpeg = png(300, 200), jpeg(300, 200)
    return {
        "PNG declaring 100000x100000": (data_url(png_declaring(100_000, 100_000)), 400),
        "PNG declaring 2^31-1 square": (data_url(png_declaring(2**31 - 1, 2**31 - 1)), 400),
        "real 5 MP PNG over the pixel limit": (data_url(png(2500, 2000)), 400),
        "text bytes as PNG": (data_url(b"hello, I am not an image"), 400),
        "PDF bytes": (data_url(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), 400),
        "truncated PNG": (data_url(whole_png[: len(whole_png) // 2]), 400),
        "truncated JPEG": (data_url(whole_jpeg[: len(whole_jpeg) // 2], "image/jpeg"), 400),
        "empty data URL": ("data:image/png;base64,", 400),
        "garbage base64": ("data:image/png;base64,!!!!####", 400),
        "data URL without comma": ("data:image/png;base64", 400),
        "HTML served as image/png": (
            fixture_http.serve_bytes("/hostile/page.png", b"<html><body>hi</body></html>", "image/png"),
            400,
        ),
        "truncated PNG over HTTP": (
            fixture_http.serve_bytes("/hostile/cut.png", whole_png[:100], "image/png"),
            400,
        ),
        "bomb over HTTP": (
            fixture_http.serve_bytes("/hostile/bomb.png", png_declaring(60_000, 60_000), "image/png"),
            400,
        ),
        "1.1 MB over the fetch limit (HTTP)": (
            fixture_http.serve_bytes("/hostile/big.png", png(620, 620, noise=True), "image/png"),
            413,
        ),
        "1.1 MB over the fetch limit (data:)": (data_url(png(620, 620, noise=True)), 413),
        "HTTP 404": (fixture_http.base_url + "/hostile/missing.png", 400),
    }


@pytest.mark.parametrize("route_name", list(IMAGE_ROUTES))
def test_bad_images_are_refused_before_any_charge(
    hostile_server: ReelforgeServer, fixture_http: FixtureHTTP, route_name: str
) -> None:
    with hostile_server.client(hostile_server.new_key()) as c, nothing_charged_or_stored(hostile_server, c):
        for name, (url, status) in _bad_images(fixture_http).items():
            route, body, field = IMAGE_ROUTES[route_name](url)
            r = c.post(route, json=body)
            assert r.status_code == status, (name, r.status_code, r.text[:300])
            assert_clear_4xx(r, status, field)


# --- private addresses, redirects, schemes -----------------------------------------------------


def test_private_addresses_are_refused_also_after_redirects(
    hostile_server: ReelforgeServer, fixture_http: FixtureHTTP
) -> None:
    private = [
        hostile_server.base_url + "/healthz",  # ourselves (loopback, another port)
        "http://localhost:9/x.png",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.0.0.1/x.png",
        "http://192.168.1.1/x.png",
        "http://172.16.0.1/x.png",
        "http://100.64.0.1/x.png",  # carrier-grade NAT
        "http://0.0.0.0/x.png",
        "http://[::1]/x.png",
        "http://[::ffff:127.0.0.1]/x.png",  # IPv4-mapped loopback
        "http://[fd00::1]/x.png",
        "http://2130706433/x.png",  # 127.0.0.1 as a decimal
        "http://0x7f000001/x.png",  # ... as hex
        "http://127.1/x.png",  # ... abbreviated
    ]
    other_schemes = ["file:///etc/passwd", "ftp://e.com/a.png", "gopher://127.0.0.1:70/", "javascript:alert(1)"]
    with hostile_server.client(hostile_server.new_key()) as c, nothing_charged_or_stored(hostile_server, c):
        for i, target in enumerate(private + other_schemes):
            direct = c.post("/v1/image/enhance", json={"image_url": target})
            assert_clear_4xx(direct, 400, "image_url")
            hop = fixture_http.redirect(f"/hostile/redirect-{i}", target)
            two_hops = fixture_http.redirect(f"/hostile/redirect2-{i}", hop)
            for url in (hop, two_hops):
                r = c.post("/v1/image/enhance", json={"image_url": url})
                body = assert_clear_4xx(r, 400, "image_url")
                if target in private:
                    assert "private, loopback or link-local" in body["message"], (target, body)
        loop = fixture_http.redirect("/hostile/loop", fixture_http.base_url + "/hostile/loop")
        assert (
            "too many redirects" in assert_clear_4xx(c.post("/v1/image/enhance", json={"image_url": loop}))["message"]
        )
        # The webhook receiver is checked when used, not trusted blindly: a non-http(s) one is refused.
        bad_hook = {"image_url": GOOD_PNG, "webhookUrl": "file:///etc/passwd"}
        assert_clear_4xx(c.post("/v1/image/enhance", json=bad_hook), 400, "webhookUrl")


# --- path traversal in file URLs ---------------------------------------------------------------

TRAVERSALS = [
    "/files/../reelforge.db",
    "/files/../webhook_secret",
    "/files/%2e%2e/reelforge.db",
    "/files/%2E%2E%2Freelforge.db",
    "/files/..%2freelforge.db",
    "/files/..%5creelforge.db",
    "/files/..\\reelforge.db",
    "/files/%252e%252e%252freelforge.db",
    "/files/inputs/../../reelforge.db",
    "/files/inputs/%2e%2e/%2e%2e/webhook_secret",
    "/files//etc/passwd",
    "/files/%2fetc%2fpasswd",
    "/files/....//reelforge.db",
    "/files/..;/reelforge.db",
    "/files/%c0%ae%c0%ae/reelforge.db",  # overlong UTF-8 dots
    "/files/probe.txt%00.png",
    "/files/../../../../../../etc/passwd",
]


def _raw_get(server: ReelforgeServer, path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (httpx would normalise the dot segments away)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_path_traversal_in_file_urls_is_refused(hostile_server: ReelforgeServer) -> None:
    secret = hostile_server.env()["REELFORGE_WEBHOOK_SECRET"].encode()
    files = hostile_server.data_dir / "files"
    (files / "inputs").mkdir(parents=True, exist_ok=True)
    (files / "probe.txt").write_bytes(b"probe-content")
    status, body = _raw_get(hostile_server, "/files/probe.txt")
    assert (status, body) == (200, b"probe-content")  # the route works: the refusals below mean something
    for path in TRAVERSALS:
        status, body = _raw_get(hostile_server, path)
        assert 400 <= status < 500, (path, status, body[:200])
        assert b"SQLite format" not in body and secret not in body and b"root:" not in body, path


def test_blob_keys_cannot_escape_the_store(tmp_path: Any) -> None:
    """Keys reach the store only from our own code, but the store refuses an escaping key anyway."""
    from reelforge.storage.blobs import LocalBlobStore

    store = LocalBlobStore(tmp_path / "files", "http://x")
    for key in ("../x", "inputs/../../x", "/etc/passwd", "", "."):
        with pytest.raises(ValueError):
            store.path(key)
    assert store.path("inputs/a.png") == (tmp_path / "files" / "inputs" / "a.png").resolve()


def test_client_supplied_blob_keys_are_ignored(hostile_server: ReelforgeServer) -> None:
    """A body naming storage keys (ours are internal) is accepted for its real fields only."""
    with hostile_server.client(hostile_server.new_key()) as c:
        body = {"image_url": GOOD_PNG, "input_key": "../../reelforge.db", "output_key": "../webhook_secret"}
        r = c.post("/v1/image/enhance", json=body)
        assert r.status_code == 200, r.text
        with sqlite3.connect(hostile_server.data_dir / "reelforge.db") as db:
            stored = json.loads(
                db.execute("SELECT input FROM requests WHERE id = ?", (r.json()["request_id"],)).fetchone()[0]
            )
        assert stored["input_key"].startswith("inputs/") and ".." not in stored["input_key"]
        assert "output_key" not in stored
        c.post("/v1/video/cancel_render", json={"videoSessionId": r.json()["request_id"]}).raise_for_status()


# --- another account's ids ---------------------------------------------------------------------


def _owner_resources(server: ReelforgeServer, owner: httpx.Client) -> dict[str, str]:
    image = owner.post("/v1/image/enhance", json={"image_url": GOOD_PNG})
    video = owner.post("/v1/video/text_to_video", json={"prompt": "A lighthouse at dawn", "duration": 5})
    assert image.status_code == video.status_code == 200, (image.text, video.text)
    from reelforge.core import receipt_templates
    from reelforge.core.principals import Owner
    from reelforge.db.database import Database

    account_id = owner.get("/v1/credits").json()["account_id"]
    db = Database(f"sqlite:///{(server.data_dir / 'reelforge.db').resolve()}")
    try:
        built = {
            "template_name": "owner's",
            "template_hash": "0" * 64,
            "normalized_template": {"fields": []},
            "sample_receipt": {},
        }
        template = receipt_templates.save(db, receipt_templates.new_template_id(), Owner(account_id), built, None, None)
    finally:
        db.engine.dispose()
    return {"image": image.json()["request_id"], "video": video.json()["request_id"], "template": template.id}


def test_another_accounts_ids_are_refused_on_every_route(hostile_server: ReelforgeServer) -> None:
    with hostile_server.client(hostile_server.new_key()) as owner:
        ids = _owner_resources(hostile_server, owner)
        owner_before = owner.get("/v1/credits").json()["credits"]
        img, vid, tpl = ids["image"], ids["video"], ids["template"]
        ref = {"videoSessionId": vid}
        posts: list[tuple[str, dict[str, Any], int, str]] = [
            ("/v1/video/cancel_render", ref, 404, "videoSessionId"),
            ("/v1/video/cancel_render", {"videoSessionId": img}, 404, "videoSessionId"),
            ("/v1/video/add_outro_image", {**ref, "outro_image_url": GOOD_PNG}, 404, "videoSessionId"),
            (
                "/v1/video/update_outro_image",
                {**ref, "cta_url": "https://e.com", "generate_outro_image": True},
                404,
                "videoSessionId",
            ),
            ("/v1/video/update_footer_image", {**ref, "remove_footer": True}, 404, "videoSessionId"),
            # translate_video: the docs answer 400 for a session the caller cannot use, as for an unknown one.
            ("/v1/video/translate_video", {**ref, "language": "es"}, 400, "videoSessionId"),
            ("/v1/video/clone", ref, 404, "videoSessionId"),
            ("/v1/video/remove_subtitles", ref, 404, "videoSessionId"),
            ("/v1/video/add_subtitles", ref, 404, "videoSessionId"),
            ("/v1/video/join_videos", {"session_ids": [vid, img]}, 404, "session_ids"),
            ("/v1/image/receipt_templates/query", {"template_id": tpl, "image_url": GOOD_PNG}, 404, "template_id"),
        ]
        gets: list[tuple[str, dict[str, str], int, str]] = [
            ("/v1/status", {"request_id": vid}, 404, "request_id"),
            ("/v1/status", {"session_id": img}, 404, "request_id"),
            ("/v1/image/status", {"request_id": img}, 404, "request_id"),
            ("/v1/video/fetch_latest_version", {"session_id": vid}, 403, "session_id"),
            ("/v1/image/template_json", {"template_id": tpl}, 404, "template_id"),
            ("/v1/image/receipt_templates/template_json", {"template_id": tpl}, 404, "template_id"),
        ]
        with hostile_server.client(hostile_server.new_key()) as other, nothing_charged_or_stored(hostile_server, other):
            for route, body, status, field in posts:
                body_json = assert_clear_4xx(other.post(route, json=body), status, field)
                assert "lighthouse" not in json.dumps(body_json)
            for route, params, status, field in gets:
                assert_clear_4xx(other.get(route, params=params), status, field)
            # Filtering one's own ledger by someone else's request id finds nothing (and leaks nothing).
            assert other.get("/v1/credits/ledger", params={"request_id": vid}).json() == {"entries": []}
        # The owner's jobs were neither cancelled nor touched, and the owner was not charged again.
        for rid in (img, vid):
            assert owner.get("/v1/status", params={"request_id": rid}).json()["status"] == "PENDING"
        assert owner.get("/v1/credits").json()["credits"] == owner_before
        assert owner.get("/v1/image/template_json", params={"template_id": tpl}).status_code == 200
        for rid in (img, vid):
            owner.post("/v1/video/cancel_render", json={"videoSessionId": rid}).raise_for_status()
