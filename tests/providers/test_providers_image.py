"""Image providers: the offline LOCAL illustrator and the OpenAI-compatible adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelforge.providers.image import LocalIllustrator, OpenAIImageProvider
from reelforge.providers.openai_compat import MAX_RETRIES, OpenAICompatClient, ProviderError
from support.fake_openai import FakeOpenAIServer


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def distinct_colours(image: np.ndarray, step: int = 32) -> int:
    quantised = (image // step).reshape(-1, 3).astype(np.int32)
    packed = (quantised[:, 0] << 16) | (quantised[:, 1] << 8) | quantised[:, 2]
    return len(np.unique(packed))


@pytest.mark.parametrize(("width", "height"), [(1792, 1024), (1024, 1792)])
def test_local_illustration_is_rich_not_blank(tmp_path: Path, width: int, height: int) -> None:
    out = LocalIllustrator().generate("Linen travel shirt, breathable and light", width, height, seed=7,
                                      out_path=tmp_path / "scene.png", title="Linen Travel Shirt")

    image = pixels(out)
    assert image.shape == (height, width, 3)
    assert image.std() > 20  # not a flat fill
    assert distinct_colours(image) >= 12  # a palette, not two colours
    # the title is drawn in white over the darker backdrop
    assert (image.min(axis=2) > 235).sum() > width * height * 0.003


def test_local_illustration_is_deterministic_per_seed_and_varies_with_text(tmp_path: Path) -> None:
    illustrator = LocalIllustrator()
    args = ("Sunrise over the harbour", 896, 512)
    first = pixels(illustrator.generate(*args, seed=3, out_path=tmp_path / "a.png"))
    again = pixels(illustrator.generate(*args, seed=3, out_path=tmp_path / "b.png"))
    other_text = pixels(illustrator.generate("Night market lanterns", 896, 512, seed=3, out_path=tmp_path / "c.png"))
    other_seed = pixels(illustrator.generate(*args, seed=4, out_path=tmp_path / "d.png"))

    assert np.array_equal(first, again)
    assert np.abs(first - other_text).mean() > 15
    assert np.abs(first - other_seed).mean() > 15


def test_local_illustration_title_is_legible(tmp_path: Path) -> None:
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    out = LocalIllustrator().generate("prompt", 1792, 1024, seed=1, out_path=tmp_path / "t.png",
                                      title="Breathable Linen")
    result, _ = rapidocr.RapidOCR()(str(out))
    text = " ".join(item[1] for item in result or []).lower()
    assert "breathable" in text and "linen" in text


@pytest.mark.parametrize(("title", "language"), [("ผ้าลินินระบายอากาศ เบาสบาย", "th"),
                                                 ("通気性のよいリネンシャツ", "ja")])
def test_local_illustration_draws_thai_and_cjk_titles(tmp_path: Path, title: str, language: str) -> None:
    with_title = pixels(LocalIllustrator().generate("x", 1024, 1792, seed=2, out_path=tmp_path / "a.png",
                                                    title=title, language=language))
    white = (with_title.min(axis=2) > 235).sum()
    assert white > 1024 * 1792 * 0.002  # glyphs were drawn (tofu boxes would be thin outlines)


def test_openai_image_provider_writes_the_requested_canvas(tmp_path: Path) -> None:
    with FakeOpenAIServer(api_key="k") as srv:
        provider = OpenAIImageProvider(OpenAICompatClient(srv.base_url, "k"), model="gpt-image-1")
        out = provider.generate("a red bicycle", 1024, 1792, seed=0, out_path=tmp_path / "img.png")
        body = srv.requests[-1].body
        srv.fail("/v1/images/generations", status=500, times=MAX_RETRIES + 1)
        with pytest.raises(ProviderError):
            provider.generate("a red bicycle", 1024, 1792, seed=0, out_path=tmp_path / "img2.png")

    assert body["model"] == "gpt-image-1" and body["size"] == "1024x1792"
    assert Image.open(out).size == (1024, 1792)
    assert pixels(out).std() > 1  # the server's gradient came through
