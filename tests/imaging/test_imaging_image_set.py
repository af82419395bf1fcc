"""make_image_set: new images (not the inputs again) of the requested aspect, each with its kind;
banners carry the prompt's text."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from photo_fixtures import landscape_photo
from pydantic import ValidationError

from reelforge.imaging.image_set import ImageSetOptions, banner_text, make_image_set, wants_banner
from reelforge.imaging.saliency import crop_window, parse_aspect_ratio, saliency_map
from reelforge.providers.ocr import rapid_engine


@pytest.mark.parametrize(("aspect", "count"), [("16:9", 5), ("1:1", 4), ("9:16", 3)])
def test_image_set_is_distinct_and_has_the_aspect(aspect: str, count: int) -> None:
    sources = [landscape_photo(480, 320, seed=1), landscape_photo(400, 400, seed=2)]
    out = [item.image for item in make_image_set(sources, count, prompt=None, metadata={}, aspect_ratio=aspect)]
    assert len(out) == count
    ratio = parse_aspect_ratio(aspect).value
    for img in out:
        assert abs(img.width / img.height - ratio) < 0.01
        assert img.mode == "RGB"
    digests = {hashlib.sha256(img.tobytes()).hexdigest() for img in out}
    assert len(digests) == count
    small = [np.asarray(img.resize((48, 48)), float) for img in out]
    for i in range(count):
        for j in range(i + 1, count):
            assert np.abs(small[i] - small[j]).mean() > 2.0


def test_more_variants_than_sources_without_aspect_keeps_source_aspect() -> None:
    src = landscape_photo(300, 200, seed=4)
    out = [item.image for item in make_image_set([src], 8, None, {}, None)]
    assert len(out) == 8
    assert all(abs(img.width / img.height - 1.5) < 0.01 for img in out)


def test_banner_prompt_puts_text_on_the_images() -> None:
    prompt = 'Create a travel header banner saying "Summer Escape"'
    assert wants_banner(prompt)
    made = make_image_set([landscape_photo(640, 427)], 2, prompt, {"campaign": "spring"}, "16:9")
    out = [item.image for item in made]
    text = " ".join(line.text for line in rapid_engine().read(out[0])).lower().replace(" ", "")
    assert "summerescape" in text


def test_banner_text_sources() -> None:
    assert banner_text("Create a cinematic travel header banner") == "Cinematic Travel"
    assert banner_text("banner reading big spring sale") == "Big Spring Sale"
    assert banner_text("make a banner", {"product": "linen travel shirt"}) == "Linen Travel Shirt"
    assert not wants_banner("warm colour variations")


def test_saliency_crop_follows_the_subject() -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (400, 200), (200, 200, 200))
    ImageDraw.Draw(img).ellipse((320, 70, 380, 130), fill=(200, 30, 30))
    x0, _y0, x1, _y1 = crop_window(img.size, 1.0, saliency_map(img))
    assert x0 <= 320 and x1 >= 380


def test_options_model_validates_fields() -> None:
    opts = ImageSetOptions.model_validate({"image_urls": ["https://a/x.png", "https://a/y.png"]})
    assert opts.requested_images == 2
    assert ImageSetOptions.model_validate({"image_urls": ["u"], "num_images": 4.0}).requested_images == 4
    for bad, field in (
        ({"image_urls": []}, "image_urls"),
        ({"image_urls": [""]}, "image_urls"),
        ({"image_urls": ["u"], "num_images": 0}, "num_images"),
        ({"image_urls": ["u"], "num_images": "many"}, "num_images"),
        ({"image_urls": ["u"], "aspect_ratio": "wide"}, "aspect_ratio"),
    ):
        with pytest.raises(ValidationError) as info:
            ImageSetOptions.model_validate(bad)
        assert field in str(info.value)


def test_every_output_is_a_new_image_of_the_real_photos() -> None:
    """Real photos (tests/data/photos, CC0): no output is nearly identical to any input (SSIM
    below 0.9 at the output's size), and the set mixes new compositions."""
    from pathlib import Path

    from PIL import Image

    from reelforge.imaging.compositions import similarity

    photos = Path(__file__).resolve().parents[1] / "data" / "photos"
    sources = [Image.open(photos / name).convert("RGB") for name in ("coffee.png", "chelsea.png")]
    out = make_image_set(sources, 6, None, {}, "4:5")
    assert len(out) == 6
    for item in out:
        assert all(similarity(item.image, src) < 0.9 for src in sources), item.kind
        assert abs(item.image.width / item.image.height - 0.8) < 0.01
    assert {"cutout", "detail", "collage"} <= {item.kind for item in out}
    # The measure itself: an input against itself, re-graded, is "the same image".
    assert similarity(sources[0], sources[0]) > 0.99


def test_a_cut_out_is_kept_by_content_and_handed_out_as_a_copy() -> None:
    from reelforge.imaging import compositions

    photo = landscape_photo(seed=11)
    first = compositions.cut_out(photo)
    kept = len(compositions._cutouts)
    again = compositions.cut_out(photo.copy())
    assert again is not first and np.array_equal(np.asarray(again), np.asarray(first))
    assert len(compositions._cutouts) == kept  # the same pixels: not cut out again
    again.paste((1, 2, 3, 4), (0, 0, again.width, again.height))
    assert np.array_equal(np.asarray(compositions.cut_out(photo)), np.asarray(first))  # the kept one is untouched
    compositions.cut_out(landscape_photo(seed=12))
    assert len(compositions._cutouts) == kept + 1
