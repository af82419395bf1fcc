"""Authentication, ownership and OpenAPI surface."""

from __future__ import annotations

import httpx

from support import ReelforgeServer


def test_missing_or_empty_key_is_400_and_unknown_key_is_401(server: ReelforgeServer) -> None:
    for headers in ({}, {"Authorization": ""}, {"Authorization": "Basic abc"}):
        r = httpx.get(server.base_url + "/v1/credits", headers=headers)
        assert r.status_code == 400, (headers, r.text)
        assert r.json()["field"] == "Authorization"
    r = httpx.get(server.base_url + "/v1/credits", headers={"Authorization": "Bearer rf_live_nope"})
    assert r.status_code == 401 and "Invalid API key" in r.json()["message"]


def test_keys_are_stored_hashed(server: ReelforgeServer) -> None:
    key = server.new_key()
    db = (server.data_dir / "reelforge.db").read_bytes()
    assert key.encode() not in db


def test_other_accounts_ids_are_404_everywhere(server: ReelforgeServer, sample_png: bytes) -> None:
    import base64

    owner, other = server.new_key(), server.new_key()
    with server.client(owner) as c:
        rid = c.post(
            "/v1/image/enhance", json={"image_url": "data:image/png;base64," + base64.b64encode(sample_png).decode()}
        ).json()["request_id"]
    with server.client(other) as c:
        for path in ("/v1/status", "/v1/image/status"):
            assert c.get(path, params={"request_id": rid}).status_code == 404
            assert c.get(path, params={"session_id": rid}).status_code == 404
            assert c.get(path, params={"request_id": "img_enh_doesnotexist"}).status_code == 404
            assert c.get(path).status_code == 400


def test_health_docs_and_openapi(server: ReelforgeServer) -> None:
    assert httpx.get(server.base_url + "/healthz").json()["status"] == "ok"
    assert httpx.get(server.base_url + "/docs").status_code == 200
    spec = httpx.get(server.base_url + "/openapi.json").json()
    assert "/v1/image/enhance" in spec["paths"] and "/v1/status" in spec["paths"]


def test_unknown_route_is_json_404(server: ReelforgeServer) -> None:
    r = httpx.get(server.base_url + "/v1/nope")
    assert r.status_code == 404 and r.json()["message"]
