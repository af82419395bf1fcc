"""Session document model and the pure transforms of issue 4."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from reelforge.core.hashing import content_hash
from reelforge.sessions.document import (
    AudioLayer,
    Canvas,
    FocusArea,
    Layer,
    OutroOptions,
    SessionDocument,
    TextItem,
    Transition,
    canvas_size_for,
)
from reelforge.sessions.transforms import (
    join,
    remove_subtitles,
    replace_outro,
    set_footer,
    set_subtitles,
)


def make_doc(with_outro: bool = True, aspect: str = "16:9", fps: int = 30) -> SessionDocument:
    layers = [
        Layer(id="s0", start=0, end=3, clip="img/0", camera_motion="push_in", narration="One",
              active_items=[TextItem(text="One", start=0.1, end=1.0)], footer="card/f"),
        Layer(id="s1", start=3, end=6, clip="img/1", camera_motion="pan_left",
              active_items=[TextItem(text="Two", start=0.0, end=2.0)], transition_in=Transition(duration=0.5)),
    ]
    if with_outro:
        layers.append(Layer(id="outro", kind="outro", start=6, end=8, clip="img/outro",
                            transition_in=Transition(duration=0.5), outro=OutroOptions(animation=True)))
    end = layers[-1].end
    audio = [
        AudioLayer(id="v0", kind="speech", source="tts/0", start=0.1, layer_id="s0"),
        AudioLayer(id="m", kind="music", source="music/bed", start=0, duration=end, loop=True, gain_db=-10),
    ]
    return SessionDocument(canvas=Canvas.for_aspect_ratio(aspect, fps=fps), language="en", layers=layers,
                           audio=audio)


def test_canvas_sizes_and_fallback() -> None:
    assert canvas_size_for("16:9") == (1792, 1024)
    assert canvas_size_for("9:16") == (1024, 1792)
    assert canvas_size_for("4:3") == (1792, 1024)  # the spec's fallback
    assert Canvas.for_aspect_ratio("9:16").aspect_ratio == "9:16"
    assert Canvas.for_aspect_ratio("16:9").fps == 30


def test_document_round_trips_with_wire_names() -> None:
    doc = make_doc()
    wire = doc.to_json_dict()
    assert wire["layers"][0]["activeItemList"] == [{"type": "text", "text": "One", "start": 0.1, "end": 1.0}]
    again = SessionDocument.model_validate(json.loads(json.dumps(wire)))
    assert again == doc
    assert again.duration == 8 and again.outro is not None and again.has_subtitles
    assert [layer.id for layer in again.scenes] == ["s0", "s1"]


def test_document_rejects_gaps_and_bad_items() -> None:
    with pytest.raises(ValidationError):
        SessionDocument(layers=[Layer(id="a", start=0, end=2, clip="x"), Layer(id="b", start=2.5, end=3, clip="y")])
    with pytest.raises(ValidationError):
        TextItem(text="x", start=2, end=1)
    with pytest.raises(ValidationError):
        Layer(id="a", start=0, end=0.3, clip="x", transition_in=Transition(duration=0.5))


def test_remove_and_set_subtitles_return_new_documents() -> None:
    doc = make_doc()
    bare = remove_subtitles(doc)
    assert not bare.subtitles and not bare.has_subtitles
    assert all(not layer.active_items for layer in bare.layers)
    assert doc.has_subtitles  # input untouched

    cues = {"s0": [TextItem(text="Uno", start=0, end=1)], "s1": [TextItem(text="Dos", start=2, end=9)]}
    again = set_subtitles(bare, cues)
    assert again.has_subtitles
    assert [i.text for i in again.layers[0].active_items] == ["Uno"]
    assert again.layers[1].active_items[0].end == 3  # clipped to the layer
    assert again.layers[2].active_items == []


def test_replace_outro_replaces_the_last_outro_layer() -> None:
    doc = make_doc()
    new = replace_outro(doc, "img/new-outro", animation=True, focus_area=FocusArea(x=10, y=10, width=100, height=80))
    assert len(new.layers) == 3 and new.duration == doc.duration
    assert new.layers[-1].clip == "img/new-outro"
    assert new.layers[-1].outro == OutroOptions(animation=True, focus_area=FocusArea(x=10, y=10, width=100, height=80))
    assert doc.layers[-1].clip == "img/outro"


def test_replace_outro_appends_with_half_second_fade_and_longer_music() -> None:
    doc = make_doc(with_outro=False)
    new = replace_outro(doc, "img/outro", duration=2.5)
    outro = new.layers[-1]
    assert outro.kind == "outro" and outro.start == 6 and outro.end == 8.5
    assert outro.transition_in == Transition(kind="fade", duration=0.5)
    music = next(t for t in new.audio if t.kind == "music")
    assert music.duration == 8.5


def test_replace_outro_validates_focus_area() -> None:
    doc = make_doc()
    with pytest.raises(ValueError, match="requires the outro animation"):
        replace_outro(doc, "x", focus_area=FocusArea(x=0, y=0, width=10, height=10))
    with pytest.raises(ValueError, match="outside"):
        replace_outro(doc, "x", animation=True, focus_area=FocusArea(x=1700, y=0, width=200, height=10))


def test_set_footer_all_some_and_remove() -> None:
    doc = make_doc()
    everywhere = set_footer(doc, "card/new")
    assert [layer.footer for layer in everywhere.layers] == ["card/new", "card/new", None]  # not on the outro
    one = set_footer(doc, "card/x", layer_ids=["s1"])
    assert [layer.footer for layer in one.layers] == ["card/f", "card/x", None]
    removed = set_footer(doc, None)
    assert all(layer.footer is None for layer in removed.layers)


def test_join_appends_timelines() -> None:
    a, b = make_doc(), make_doc()
    joined = join([a, b])
    assert joined.duration == a.duration + b.duration
    assert len(joined.layers) == 6
    assert len({layer.id for layer in joined.layers}) == 6
    assert joined.layers[3].start == 8 and joined.layers[3].carry_over is None
    speech = [t for t in joined.audio if t.kind == "speech"]
    assert [t.start for t in speech] == [0.1, 8.1]
    assert speech[1].layer_id == joined.layers[3].id


def test_join_with_blend_carries_outro_and_overlaps_music() -> None:
    a, b = make_doc(), make_doc()
    joined = join([a, b], blend_scenes=True)
    assert joined.duration == 16
    first_of_b = joined.layers[3]
    assert first_of_b.carry_over is not None
    assert first_of_b.carry_over.image == "img/outro" and first_of_b.carry_over.duration == 1.0
    music = [t for t in joined.audio if t.kind == "music"]
    assert (music[0].start, music[0].duration, music[0].fade_out) == (0, 8.5, 1.0)
    assert (music[1].start, music[1].duration, music[1].fade_in) == (7.5, 8.5, 1.0)


def test_join_rejects_incompatible_sessions() -> None:
    with pytest.raises(ValueError, match="aspect ratio"):
        join([make_doc(), make_doc(aspect="9:16")])
    with pytest.raises(ValueError, match="fps"):
        join([make_doc(), make_doc(fps=25)])
    with pytest.raises(ValueError, match="at least two"):
        join([make_doc()])


def test_content_hash_is_stable_and_sensitive() -> None:
    doc = make_doc()
    same = SessionDocument.model_validate(doc.to_json_dict())
    assert content_hash(doc) == content_hash(same)
    assert content_hash({"b": 1, "a": [1, 2]}) == content_hash({"a": [1, 2], "b": 1})
    assert content_hash(doc) != content_hash(remove_subtitles(doc))
    assert len(content_hash("x")) == 64
    with pytest.raises(TypeError):
        content_hash(object())
