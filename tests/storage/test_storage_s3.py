"""The S3 blob store against a real S3-compatible server (moto_server subprocess), and a reelforge
server whose every blob — inputs, stage outputs, results — lives in that object store."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from reelforge.storage import s3 as s3_module
from reelforge.storage.s3 import S3BlobStore, parse_s3_url
from support import ReelforgeServer, wait_status
from support.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = S3Server(tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


def make_store(s3: S3Server, cache: Path, bucket: str, *, presign: bool = False) -> S3BlobStore:
    return S3BlobStore(
        f"s3://{bucket}/media/v1",
        cache,
        "http://api.example:8000/",
        endpoint_url=s3.endpoint_url,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        presign=presign,
        presign_expiry_s=600,
    )


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, format="PNG")
    return buf.getvalue()


def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://media") == ("media", "")
    assert parse_s3_url("s3://media/a/b/") == ("media", "a/b/")
    with pytest.raises(ValueError):
        parse_s3_url("https://media/a")


def test_put_read_and_overwrite_across_workers(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.create_bucket("unit-rw")
    worker_a = make_store(s3, tmp_path / "a", bucket)
    worker_b = make_store(s3, tmp_path / "b", bucket)
    red = png(40, 20, (255, 0, 0))

    assert not worker_a.exists("images/x.png")
    assert worker_a.put_bytes("images/x.png", red) == "images/x.png"
    # The object is really in the bucket, under the configured prefix, with a content type.
    head = s3.client().head_object(Bucket=bucket, Key="media/v1/images/x.png")
    assert head["ContentLength"] == len(red) and head["ContentType"] == "image/png"

    # Another worker (own cache) downloads it; the writer reads its write-through copy.
    assert worker_b.exists("images/x.png")
    local_b = worker_b.path("images/x.png")
    assert local_b.read_bytes() == red and local_b.is_relative_to(tmp_path / "b")
    assert Image.open(worker_a.path("images/x.png")).getpixel((0, 0)) == (255, 0, 0)

    # Worker B overwrites the key from a file: worker A's next path() sees the new version and the
    # path it handed out before still holds the old bytes (a reader mid-way is never disturbed).
    old_a = worker_a.path("images/x.png")
    blue_file = tmp_path / "blue.png"
    blue_file.write_bytes(png(10, 10, (0, 0, 255)))
    worker_b.put_file("images/x.png", blue_file)
    new_a = worker_a.path("images/x.png")
    assert new_a != old_a and Image.open(new_a).size == (10, 10)
    assert old_a.read_bytes() == red


def test_large_file_goes_multipart(s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3_module, "MULTIPART_THRESHOLD_BYTES", 1024)
    store = make_store(s3, tmp_path / "cache", s3.create_bucket("unit-big"))
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 40_000)  # 10 MB: above boto3's 8 MB multipart threshold
    store.put_file("videos/big.mp4", big)
    etag = s3.client().head_object(Bucket="unit-big", Key="media/v1/videos/big.mp4")["ETag"]
    assert "-" in etag  # a multipart upload's ETag is "<md5 of part md5s>-<parts>"
    assert store.path("videos/big.mp4").read_bytes() == big.read_bytes()


def test_missing_and_invalid_keys(s3: S3Server, tmp_path: Path) -> None:
    store = make_store(s3, tmp_path / "cache", s3.create_bucket("unit-missing"))
    assert not store.exists("nope.png")
    assert store.open("nope.png") is None
    with pytest.raises(FileNotFoundError):
        store.path("nope.png")
    for bad in ("../escape.png", "/abs.png", "a//b.png", "a/./b.png", "", "a\\b.png"):
        with pytest.raises(ValueError):
            store.put_bytes(bad, b"x")


def test_served_and_presigned_urls(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.create_bucket("unit-urls")
    served = make_store(s3, tmp_path / "s", bucket)
    presigned = make_store(s3, tmp_path / "p", bucket, presign=True)
    data = png(64, 32, (0, 200, 0))
    served.put_bytes("images/g.png", data)

    assert served.url("images/g.png") == "http://api.example:8000/files/images/g.png"
    url = presigned.url("images/g.png")
    assert url.startswith(f"{s3.endpoint_url}/{bucket}/media/v1/images/g.png?")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url
    r = httpx.get(url)
    assert r.status_code == 200 and r.content == data

    # What GET /files/{key} streams in served mode, including a byte range.
    whole = served.open("images/g.png")
    assert whole is not None and whole.status_code == 200
    assert b"".join(whole.chunks) == data and whole.headers["content-type"] == "image/png"
    part = served.open("images/g.png", "bytes=1-3")
    assert part is not None and part.status_code == 206
    assert b"".join(part.chunks) == data[1:4]
    assert part.headers["content-range"] == f"bytes 1-3/{len(data)}"


@pytest.mark.parametrize("mode", ["served", "presigned"])
def test_enhance_end_to_end_on_object_store(s3: S3Server, tmp_path: Path, mode: str) -> None:
    bucket = s3.create_bucket(f"e2e-{mode}")
    srv = ReelforgeServer(tmp_path / "rf", s3.reelforge_env(bucket, "prod", mode)).start()
    try:
        key = srv.new_key(credits=500)
        image = "data:image/png;base64," + base64.b64encode(png(320, 200, (30, 90, 160))).decode()
        with srv.client(key) as c:
            r = c.post("/v1/image/enhance", json={"image_url": image, "resolution": "1k"})
            assert r.status_code == 200, r.text
            done = wait_status(c, r.json()["request_id"], timeout=60)
        assert done["status"] == "COMPLETED", done
        url = done["result_url"]
        if mode == "served":
            assert url == f"{srv.base_url}/files/images/{done['request_id']}.png"
        else:
            assert url.startswith(f"{s3.endpoint_url}/{bucket}/prod/images/") and "X-Amz-Signature=" in url
        got = httpx.get(url)
        assert got.status_code == 200, got.text
        img = Image.open(io.BytesIO(got.content))
        assert img.size == (1024, 640) and img.getpixel((512, 320))[2] > 120

        # Input and result live in the bucket; nothing was written to the local blob directory.
        keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=bucket)["Contents"]}
        assert f"prod/images/{done['request_id']}.png" in keys
        assert any(k.startswith("prod/inputs/") for k in keys)
        assert not any((tmp_path / "rf" / "files").rglob("*.*"))
        assert httpx.get(f"{srv.base_url}/files/images/%2e%2e/%2e%2e/x.png").status_code == 404
        assert httpx.get(f"{srv.base_url}/files/images/missing.png").status_code == 404
    finally:
        srv.stop()
