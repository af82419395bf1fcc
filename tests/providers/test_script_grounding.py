"""Narration grounded in the inputs: what each image prints (real OCR of real photos with text
drawn on them), its title, the metadata and the prompt's facts; never a stock filler sentence,
never the prompt's request echoed back, and a call to action that fits what is sold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from reelforge.providers.ocr import default_ocr
from reelforge.providers.script import ScriptRequest, TemplateScriptWriter
from reelforge.providers.script_grounding import ad_subject, printed_text
from reelforge.text.typography import load_font

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"

# The sentences the offline writer used to fill scenes with whatever the images showed (the
# English template pools "benefit", "proof", "extra" and "moment" before grounding).
FILLER = [
    "Made to fit the way you live.",
    "Less hassle, more of what you love.",
    "Quality you can see and feel.",
    "People who try it keep coming back.",
    "Loved by customers everywhere.",
    "Once you try it, you will see why everyone talks about it.",
    "Simple, thoughtful and built to last.",
    "It is the kind of detail you notice right away.",
    "Designed with care from start to finish.",
    "Every moment tells its own story.",
    "Take a breath and look a little closer.",
    "The light changes, and everything feels new.",
    "Some details only reveal themselves slowly.",
]
FILLER_WITH_SUBJECT = [r"every day feels a little easier", r"Everything comes together in"]


def stamped(photo: str, lines: list[str], crop: tuple[int, int, int, int] | None = None) -> Image.Image:
    """A real photo (optionally cropped and enlarged) with print on it, dark band behind each line."""
    img = Image.open(PHOTOS / photo).convert("RGB")
    if crop:
        img = img.crop(crop)
    img = img.resize((960, int(960 * img.height / img.width)))
    draw = ImageDraw.Draw(img)
    font = load_font(None, "en", 54)
    y = 30
    for line in lines:
        box = draw.textbbox((40, y), line, font=font)
        draw.rectangle((box[0] - 12, box[1] - 10, box[2] + 12, box[3] + 10), fill=(20, 20, 20))
        draw.text((40, y), line, font=font, fill=(255, 255, 255))
        y = box[3] + 40
    return img


def read(img: Image.Image) -> list[str]:
    return [line.text for line in sorted(default_ocr().read(img), key=lambda line: line.box[1])]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


@pytest.fixture(scope="module")
def four_images() -> list[list[str]]:
    return [
        read(stamped("coffee.png", ["SINGLE ORIGIN ESPRESSO"])),
        read(stamped("coffee.png", ["OAT MILK LATTE", "$4.50"], crop=(100, 50, 500, 350))),
        read(stamped("chelsea.png", ["CAT FRIENDLY TERRACE"])),
        read(stamped("chelsea.png", ["OPEN DAILY FROM 7AM"], crop=(60, 20, 400, 280))),
    ]


def test_four_image_ad_says_what_each_image_prints(four_images: list[list[str]]) -> None:
    assert all(four_images), four_images  # OCR read every photo's print
    req = ScriptRequest(
        prompt="A 20-second ad for Pikolo, a neighbourhood espresso bar",
        metadata={"brand": "Pikolo", "location": "Old Town"},
        image_texts=four_images,
        n_scenes=4,
        duration_s=20,
        language="en",
        cta_url="https://pikolo.example/menu",
    )
    script = TemplateScriptWriter().write(req)
    facts = {"pikolo", "old town", "$4.50"}
    for scene, lines in zip(script.scenes, four_images, strict=True):
        said = scene.narration.lower()
        printed = {w.lower() for line in lines for w in re.findall(r"[A-Za-z]{4,}", line)}
        assert any(word in said for word in printed) or any(f in said for f in facts), (scene.narration, lines)
    narration = " ".join(scene.narration for scene in script.scenes)
    for sentence in sentences(narration):
        assert sentence not in FILLER, sentence
        assert len(sentence.split()) >= 2, sentence  # no orphan cue like "Northwind."
    assert not any(re.search(p, narration) for p in FILLER_WITH_SUBJECT), narration
    assert "20-second" not in narration and "Picture this" not in narration and " ad for" not in narration
    assert "$4.50" in narration  # the printed price is said
    assert "order" in script.scenes[-1].narration.lower()  # a menu link: order, not shop or book
    assert script.scenes[0].narration.count("Pikolo") >= 1


@pytest.mark.parametrize(
    ("prompt", "url", "cta_title"),
    [
        ("Launch of the linen travel shirt", "https://northwind.example/new", "Shop now"),
        ("A ramen shop in Osaka", "https://ramen.example/", "Order now"),
        ("Weekend stays at a seaside hotel", "https://stay.example/", "Book now"),
        ("A newsletter for indie developers", "https://dev.example/join", "Join now"),
    ],
)
def test_the_call_to_action_fits_what_is_offered(prompt: str, url: str, cta_title: str) -> None:
    req = ScriptRequest(prompt=prompt, metadata={}, n_scenes=3, duration_s=15, language="en", cta_url=url)
    script = TemplateScriptWriter().write(req)
    assert script.scenes[-1].title == cta_title, script.scenes[-1]


def test_request_for_an_ad_is_not_read_aloud() -> None:
    assert ad_subject("A 20-second ad for Brewmate, the smart kettle") == "Brewmate"
    assert ad_subject("make a short promo video about Northwind shirts") == "Northwind shirts"
    assert ad_subject("Clouds over a city at dawn") is None
    req = ScriptRequest(prompt="A 20-second ad for Brewmate, the smart kettle with a 1.7 l jug", n_scenes=4,
                        duration_s=20, language="en")
    narration = " ".join(scene.narration for scene in TemplateScriptWriter().write(req).scenes)
    assert "Brewmate" in narration and "20-second" not in narration and "ad for" not in narration


def test_printed_text_separates_headline_price_and_links() -> None:
    found = printed_text(["LINEN TRAVEL SHIRT", "€49.90", "northwind.example"])
    assert found.headline == "Linen Travel Shirt" and found.price == "€49.90"
    assert "northwind" not in found.words
