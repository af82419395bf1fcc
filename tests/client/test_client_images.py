"""Image, title, receipt and banner methods of the SDK against the real server, sync and async."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from imaging.receipt_fixtures import english_sample, english_second, render_receipt
from reelforge.client import ReelforgeError, to_data_url
from support.client import Api
from support.media import png_of


def product_photo() -> bytes:
    img = Image.new("RGB", (360, 240), "#e9c46a")
    draw = ImageDraw.Draw(img)
    draw.ellipse((90, 40, 270, 200), fill="#264653")
    draw.text((250, 215), "SAMPLE", fill="white")
    return png_of(img)


PHOTO = to_data_url(product_photo())
RECEIPT = to_data_url(png_of(render_receipt(english_sample())))
SECOND_RECEIPT = to_data_url(png_of(render_receipt(english_second())))


def _saved_image(api: Api, request_id: str, path: Path) -> Image.Image:
    done = api("wait", request_id, timeout=120, poll_interval=0.2)
    return Image.open(api("download", done.url, path))


def test_remove_and_replace_branding(api: Api, tmp_path: Path) -> None:
    removed = api("remove_branding_from_image", image_url=PHOTO, regions=[[240, 205, 330, 235]])
    assert removed.credits_charged == 75
    assert _saved_image(api, removed.data.request_id, tmp_path / "clean.png").size == (360, 240)
    replaced = api("image.replace_branding", image_urls=[PHOTO, to_data_url(png_of(Image.new("RGB", (40, 20), "red")))])
    assert replaced.data["image_urls"][1].startswith("data:image/png")
    try:
        api("cancel_render", video_session_id=replaced.data.request_id)
    except ReelforgeError as error:  # it raced the job and lost: a clear 400 naming why, not a failure
        assert error.status == 400 and "already COMPLETED" in str(error), error
    with pytest.raises(ReelforgeError) as caught:
        api("remove_branding_from_image", image_url=PHOTO, regions=[[900, 900, 950, 950]])
    assert caught.value.status == 400 and caught.value.field == "regions.0"


def test_extend_image_list(api: Api, tmp_path: Path) -> None:
    accepted = api("extend_image_list", image_urls=[PHOTO], num_images=2, aspect_ratio="1:1", prompt="Summer set")
    assert accepted.credits_charged == 150
    done = api("wait", accepted.data.request_id, timeout=120, poll_interval=0.2)
    assert len(done.result_urls or []) == 2
    with pytest.raises(ReelforgeError) as caught:
        api("extend_image_list", image_urls=[])
    assert caught.value.status == 400 and caught.value.field == "image_urls"


def test_assign_title_from_url_and_binary_upload(api: Api, tmp_path: Path) -> None:
    meta = {"product": "linen travel shirt"}
    assert api("assign_image_title", image_url=PHOTO, metadata=meta).data.content == "Linen Travel Shirt"
    path = tmp_path / "shirt.png"
    path.write_bytes(product_photo())
    binary = api("image.assign_title", image=path, metadata=meta)
    assert binary.status == 200 and binary.data.content == "Linen Travel Shirt"
    assert api("assign_title_to_image", image=path.read_bytes(), file_name="x.png", metadata=meta).data.content
    with pytest.raises(ReelforgeError) as caught:
        api("assign_image_title", image_url="not a url")
    assert caught.value.status == 400


def test_receipt_template_create_json_and_query(api: Api) -> None:
    created = api("create_receipt_template", image_url=RECEIPT, template_name="harbour")
    template_id = created.data.template_id
    assert template_id and created.credits_charged == 0
    assert api("receipts.template_json", template_id).data.template_json
    queried = api("receipts.query", image_url=SECOND_RECEIPT, template_id=template_id)
    assert queried.credits_charged == 50 and queried.data.receipt_json
    with pytest.raises(ReelforgeError) as caught:
        api("get_receipt_template_json", "rtpl_does_not_exist")
    assert caught.value.status == 404
    with pytest.raises(ReelforgeError) as caught:
        api("query_receipt_template", image_url=SECOND_RECEIPT, template_id="rtpl_does_not_exist")
    assert caught.value.status == 404
    with pytest.raises(ValueError):  # refused before sending, like samsar-js
        api("query_receipt_template", image_url=SECOND_RECEIPT)


def test_rollup_banners(api: Api, tmp_path: Path) -> None:
    tiles = [{"image_url": PHOTO, "image_text": "Rooftop Bar", "overlay": {"top_left": "2 hours"}}]
    banner = api("create_rollup_banner", images=tiles, columns=2, max_tiles=4, tile_width=128)
    assert banner.credits_charged == 30
    with _saved_image(api, banner.data.request_id, tmp_path / "banner.png") as img:
        assert img.height > img.width  # a roll-up banner is portrait
    # A tile already at print size needs no upscaling: the enhance variant then costs the banner's 30.
    print_size = to_data_url(png_of(Image.new("RGB", (2020, 2526), "#2a9d8f")))
    enhanced = api(
        "image.enhance_and_generate_rollup_banner", images=[{"image_url": print_size}], max_tiles=2, tile_width=128
    )
    assert enhanced.credits_charged == 30 and enhanced.data["enhanced_tiles"] == 0
    assert enhanced.data["input_image_urls"] and api("wait", enhanced.data.request_id, timeout=120).url
    with pytest.raises(ReelforgeError) as caught:
        api("create_rollup_banner", images=tiles, columns=9)
    assert caught.value.status == 400 and caught.value.field == "columns"
