"""Font fallback, right-to-left order, and title cards set in Thai and Japanese."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelforge.providers.image import LocalIllustrator
from reelforge.text.bidi import embedding_levels, visual_order
from reelforge.text.linebreak import break_offsets
from reelforge.text.typography import FontStack, fit_text


def test_font_stack_falls_back_for_other_scripts() -> None:
    stack = FontStack("Poppins", "en", 40)
    runs = stack.runs("Shop ภูเก็ต today")
    assert len({id(run.font) for run in runs}) == 2  # Poppins has no Thai: a Thai font draws it
    assert "".join(run.text for run in runs) == "Shop ภูเก็ต today"


def test_right_to_left_runs_are_in_visual_order() -> None:
    assert visual_order([1, 2, 1]) == [2, 1, 0]
    assert visual_order([0, 1, 1, 0]) == [0, 2, 1, 3]
    assert embedding_levels("abc") == [0, 0, 0]
    stack = FontStack(None, "ar", 40)
    runs = stack.runs("قهوة من Brewmate")
    # An Arabic line reads from the right: the embedded brand name is drawn leftmost.
    assert runs[0].text.strip() == "Brewmate" and runs[0].direction == "ltr"
    assert runs[-1].text.startswith("قهوة") and runs[-1].direction == "rtl"


# The title cards, at the LOCAL illustrator's portrait title box (1024 x 1792).
TITLES = [("ร้านกาแฟใจกลางเมือง", "th"), ("駅前のラーメン店で本格的な味を", "ja"), ("Precise temperature control", "en")]


@pytest.mark.parametrize(("title", "language"), TITLES)
def test_title_lines_are_whole_words(title: str, language: str) -> None:
    allowed = {*break_offsets(title, language), len(title)}
    for width in (300, 500, 860):
        block = fit_text(title, None, language, width, 600, 133, min_size=33, max_lines=4)
        assert block.width <= width
        at = 0
        for line in block.lines:  # every line ends on a break opportunity (before a space or at one)
            at = title.index(line, at) + len(line)
            assert at in allowed or (title[at] == " " and at + 1 in allowed), block.lines


@pytest.mark.parametrize(("title", "language"), TITLES[:2])
def test_title_card_renders_the_title(tmp_path: Path, title: str, language: str) -> None:
    out = LocalIllustrator().generate("ad", 1024, 1792, 3, tmp_path / "card.png", title=title, language=language)
    image = np.asarray(Image.open(out).convert("L"), dtype=np.int16)
    band = image[int(1792 * 0.2): int(1792 * 0.55)]
    assert (band > 235).mean() > 0.01  # white title glyphs in the upper middle
