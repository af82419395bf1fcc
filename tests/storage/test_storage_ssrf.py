"""Input URLs that point inside the network are refused, also through redirects."""

from __future__ import annotations

import pytest

from support import FixtureHTTP, ReelforgeServer


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x.png",
        "http://localhost:8080/x.png",
        "http://[::1]/x.png",
        "http://192.168.1.5/x.png",
        "http://0.0.0.0/x.png",
    ],
)
def test_private_addresses_are_refused(server: ReelforgeServer, url: str) -> None:
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json={"image_url": url})
        assert r.status_code == 400, r.text
        assert r.json()["field"] == "image_url"
        assert c.get("/v1/credits").json()["remainingCredits"] == 100


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:9/x.png", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x.png"]
)
def test_redirects_to_private_addresses_are_refused(
    server: ReelforgeServer, fixture_http: FixtureHTTP, target: str
) -> None:
    url = fixture_http.redirect(f"/hop-{abs(hash(target))}", target)
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json={"image_url": url})
        assert r.status_code == 400, r.text
        assert "private" in r.json()["message"]
        assert c.get("/v1/credits").json()["remainingCredits"] == 100
