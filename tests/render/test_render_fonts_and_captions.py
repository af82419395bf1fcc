"""Font registry, caption files, the frame plan and graph text; plus one CJK caption render (OCR)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageFont

from reelforge.render.graph import escape_value, frame_ranges_expr, mixer_commands
from reelforge.render.plan import build_plan
from reelforge.render.subtitles import write_ass
from reelforge.sessions.document import Canvas, CarryOver, Layer, SessionDocument, TextItem, Transition
from reelforge.text.fonts import UnsupportedFont, fonts_by_language, is_font_supported, resolve_font
from reelforge.text.languages import SUPPORTED_LANGUAGES


def test_every_supported_language_has_an_installed_font() -> None:
    table = fonts_by_language()
    assert set(SUPPORTED_LANGUAGES) <= set(table)
    assert table["default"]
    for language in SUPPORTED_LANGUAGES:
        assert table[language], language
        for family in table[language]:
            choice = resolve_font(family, language)
            assert choice.path.is_file() and choice.fonts_dir.is_dir()
            assert any(p.resolve() == choice.path.resolve() for p in choice.fonts_dir.iterdir())
            loaded = ImageFont.truetype(str(choice.path), 20, index=choice.face_index)
            assert loaded.getname()[0] == family


@pytest.mark.parametrize(
    ("language", "sample"),
    [("ja", "日本語の字幕"), ("ko", "한국어 자막"), ("zh", "中文字幕"), ("th", "คำบรรยายภาษาไทย"),
     ("ar", "ترجمة عربية"), ("hi", "हिंदी उपशीर्षक"), ("ru", "Русские субтитры")],
)
def test_default_font_has_glyphs_for_the_script(language: str, sample: str) -> None:
    choice = resolve_font(None, language)
    font = ImageFont.truetype(str(choice.path), 32, index=choice.face_index)
    notdef = bytes(font.getmask("\ue000"))  # a private-use code point: drawn as the .notdef box
    missing = [ch for ch in sample if not ch.isspace() and bytes(font.getmask(ch)) == notdef]
    assert not missing, (choice.family, missing)


def test_font_key_validation() -> None:
    assert is_font_supported("Poppins", "en")
    assert is_font_supported("poppins", "es")  # case-insensitive
    assert not is_font_supported("Poppins", "ja")
    assert not is_font_supported("Comic Sans", "en")
    assert resolve_font("montserrat", "ru").family == "Montserrat"
    assert resolve_font("Noto Sans JP", "ja").family == "Noto Sans CJK JP"  # Samsar's key for the face
    assert resolve_font(None, "auto").family == fonts_by_language()["default"][0]
    with pytest.raises(UnsupportedFont):
        resolve_font("Poppins", "th")
    assert issubclass(UnsupportedFont, ValueError)


def _doc(**kwargs: object) -> SessionDocument:
    layers = [
        Layer(id="a", start=0, end=2, clip="a", active_items=[TextItem(text="Hello {world}", start=0.2, end=1.5)]),
        Layer(id="b", start=2, end=4, clip="b", transition_in=Transition(duration=0.5),
              active_items=[TextItem(text="Second\nline", start=0, end=9)]),
        Layer(id="o", kind="outro", start=4, end=6, clip="o", carry_over=CarryOver(image="b", duration=1.0)),
    ]
    return SessionDocument(canvas=Canvas(width=640, height=360, fps=25), layers=layers, **kwargs)


def test_ass_file_uses_font_and_absolute_times(tmp_path: Path) -> None:
    ass = write_ass(_doc(), resolve_font("Noto Sans CJK JP", "ja"), tmp_path / "c.ass", {"b": 80}).read_text()
    assert "Style: Caption,Noto Sans CJK JP," in ass
    assert "Dialogue: 0,0:00:00.20,0:00:01.50,Caption,,0,0,0,,Hello (world)" in ass
    # clipped to the layer end; hard line break; lifted above an 80 px footer
    assert "Dialogue: 0,0:00:02.00,0:00:04.00,Caption,,0,0,102,,Second\\Nline" in ass


def test_ass_file_is_empty_of_events_when_subtitles_off(tmp_path: Path) -> None:
    ass = write_ass(_doc(subtitles=False), resolve_font("Poppins", "en"), tmp_path / "c.ass").read_text()
    assert "Dialogue:" not in ass


def test_plan_places_transitions_before_and_carry_after_the_boundary() -> None:
    plan = build_plan(_doc())
    assert plan.total_frames == 150
    assert [(lf.start, lf.end, lf.lane) for lf in plan.layers] == [(0, 50, 0), (50, 100, 1), (100, 150, 0)]
    # fade into b: the last 0.5 s of a; carry into the outro: its first second
    assert [(cf.start, cf.end, cf.incoming_lane) for cf in plan.crossfades] == [(38, 50, 1), (100, 125, 0)]
    assert plan.switches == ((0, 0), (50, 1), (125, 0))
    lane0 = [(e.kind, e.begin) for e in plan.lanes[0]]
    lane1 = [(e.kind, e.begin) for e in plan.lanes[1]]
    assert lane0 == [("scene", 0), ("outro", 50)]
    assert lane1 == [("scene", 0), ("carry", 100)]


def test_mixer_commands_ramp_and_switch() -> None:
    script = mixer_commands(build_plan(_doc()))
    lines = script.strip().splitlines()
    assert lines[0].startswith("1.500000 blend@mix all_opacity 0.92")
    assert any("streamselect@cur map 1, streamselect@oth map 0" in line for line in lines)
    assert frame_ranges_expr([(38, 50), (45, 60), (100, 125)]) == "between(n\\,38\\,59)+between(n\\,100\\,124)"
    assert frame_ranges_expr([]) == "0"


def test_escape_value_for_filter_scripts() -> None:
    # level 1 (option list) escapes ':' and "'", level 2 (graph) then escapes those backslashes and ','
    assert escape_value("/tmp/a:b,c'd") == "/tmp/a\\\\:b\\,c\\\\\\'d"


def test_cjk_captions_render_with_the_cjk_font(tmp_path: Path) -> None:
    from demo_ad import outro_card, scene_image

    from reelforge.render import render_timeline
    from support.media import frame_at, ocr_text

    canvas = Canvas(width=768, height=432, fps=24)
    media = {"s": scene_image(tmp_path / "s.png", (768, 432), 0),
             "o": outro_card(tmp_path / "o.png", "https://example.com/zh", (768, 432))}
    caption = "欢迎来到上海"
    doc = SessionDocument(canvas=canvas, language="zh", layers=[
        Layer(id="s", start=0, end=1.5, clip="s", active_items=[TextItem(text=caption, start=0, end=1.5)]),
        Layer(id="o", kind="outro", start=1.5, end=2.0, clip="o", transition_in=Transition(duration=0.25)),
    ])
    video = render_timeline(doc, tmp_path / "zh.mp4", media.__getitem__, preset="ultrafast").path
    seen = ocr_text(frame_at(video, 0.8))
    assert sum(ch in seen for ch in caption) >= 4, seen


def test_hold_chain_repeats_each_still_from_its_begin_frame() -> None:
    """One frame per still in, each held exactly from its begin frame (pins ffmpeg's loop semantics)."""
    from reelforge.render.ffmpeg import run_ffmpeg
    from reelforge.render.graph import hold_chain

    source = "color=c=black:r=1:d=4:s=16x16,format=gray,geq=lum='N*40+10'"
    chain = hold_chain([0, 3, 4, 7], total_frames=10, fps=30)
    run = run_ffmpeg(["-filter_complex", f"{source},{chain},showinfo", "-f", "null", "-"], what="hold chain")
    means = [int(m) for m in __import__("re").findall(r"mean:\[(\d+)", run.stderr)]
    assert means == [10, 10, 10, 50, 90, 90, 90, 130, 130, 130]
