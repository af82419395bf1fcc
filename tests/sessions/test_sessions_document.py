"""The session document builder (stage outputs → first version of a session), in process, no server."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reelforge.sessions.document import (
    AudioLayer,
    Canvas,
    FocusArea,
    Layer,
    OutroOptions,
    SessionDocument,
    TextItem,
    Transition,
)
from reelforge.stages.video_render import MUSIC_GAIN_DB
from support.session_docs import build_document, video_options, video_outputs


def test_scenes_follow_their_narration_then_the_outro() -> None:
    # Narrations of 2 s and 6 s: a scene lasts at least 5 s, else its narration plus 0.6 s.
    doc = build_document(video_options(), video_outputs([2.0, 6.0]))
    assert [(layer.id, layer.kind, layer.start, layer.end) for layer in doc.layers] == [
        ("scene-0", "scene", 0.0, 5.0),
        ("scene-1", "scene", 5.0, 11.6),
        ("outro", "outro", 11.6, 14.6),
    ]
    assert doc.duration == 14.6 and doc.outro is doc.layers[-1]
    first, second, outro = doc.layers
    assert (first.clip, first.camera_motion, first.narration, first.title) == (
        "clips/0",
        "push_in",
        "Narration 0.",
        "Title 0",
    )
    assert (second.clip, second.camera_motion) == ("clips/1", "pan_left")
    assert [layer.footer for layer in doc.layers] == ["footers/0", "footers/1", None]
    # The first scene cuts in; every later layer fades in over the end of the previous one.
    assert first.transition_in is None
    assert second.transition_in == outro.transition_in == Transition(kind="fade", duration=0.5)
    assert outro.clip == "cards/outro" and outro.outro == OutroOptions(animation=False, focus_area=None)


def test_speech_starts_with_its_scene_and_music_spans_the_video() -> None:
    doc = build_document(video_options(), video_outputs([2.0, 6.0]))
    assert doc.audio == [
        AudioLayer(id="speech-0", kind="speech", source="speech/0", start=0.0, layer_id="scene-0"),
        AudioLayer(id="speech-1", kind="speech", source="speech/1", start=5.0, layer_id="scene-1"),
        AudioLayer(
            id="music",
            kind="music",
            source="music/bed",
            start=0.0,
            duration=14.6,
            gain_db=MUSIC_GAIN_DB,
            fade_out=2.0,
            loop=True,
        ),
    ]


def test_requested_duration_stretches_scenes_evenly_but_never_cuts_narration() -> None:
    doc = build_document(video_options(duration=20), video_outputs([1.0, 1.0, 9.0], outro=False))
    # 20 s over three scenes is 6.67 s each; the third needs 9.6 s for its narration.
    assert [(layer.start, layer.end) for layer in doc.layers] == [(0.0, 6.667), (6.667, 13.333), (13.333, 22.933)]
    assert doc.outro is None and doc.duration == 22.933
    music = doc.audio[-1]
    assert music.kind == "music" and music.start + (music.duration or 0) == pytest.approx(doc.duration)


def test_cues_become_subtitles_clipped_to_their_scene() -> None:
    cues = [
        [("Hello", 0.1, 1.2), ("there", 1.2, 9.0), ("late", 5.5, 6.0)],  # the scene lasts 5 s
        [("Second", 0.0, 2.0)],
    ]
    doc = build_document(video_options(), video_outputs([2.0, 3.0], cues=cues))
    assert doc.layers[0].active_items == [
        TextItem(text="Hello", start=0.1, end=1.2),
        TextItem(text="there", start=1.2, end=5.0),  # ends with the scene; "late" starts after it
    ]
    assert doc.layers[1].active_items == [TextItem(text="Second", start=0.0, end=2.0)]
    assert doc.layers[2].active_items == []  # the outro has no narration
    assert doc.subtitles and doc.has_subtitles
    wire = doc.to_json_dict()["layers"][0]["activeItemList"]
    assert wire[1] == {"type": "text", "text": "there", "start": 1.2, "end": 5.0}


def test_no_transcript_and_subtitles_off() -> None:
    doc = build_document(video_options(enable_subtitles=False), video_outputs([2.0]))
    assert not doc.subtitles and not doc.has_subtitles
    assert all(layer.active_items == [] for layer in doc.layers)


def test_canvas_language_font_and_missing_footers() -> None:
    doc = build_document(
        video_options(canvas=(1024, 1792), font_key="fonts/noto-thai"),
        video_outputs([2.0, 2.0, 2.0], footers=1, language="th"),
    )
    assert doc.canvas == Canvas(width=1024, height=1792, fps=30) and doc.aspect_ratio == "9:16"
    assert (doc.language, doc.font_key) == ("th", "fonts/noto-thai")
    assert [layer.footer for layer in doc.scenes] == ["footers/0", None, None]


def test_outro_animation_and_focus_area_only_when_asked() -> None:
    area = {"x": 100, "y": 80, "width": 400, "height": 300}
    animated = build_document(
        video_options(add_outro_animation=True, add_outro_focus_area=True, outro_focus_area=area),
        video_outputs([2.0]),
    )
    assert animated.layers[-1].outro == OutroOptions(animation=True, focus_area=FocusArea(**area))
    # A focus area sent without add_outro_focus_area is not applied.
    plain = build_document(video_options(add_outro_animation=True, outro_focus_area=area), video_outputs([2.0]))
    assert plain.layers[-1].outro == OutroOptions(animation=True, focus_area=None)


def test_built_document_round_trips_through_its_stored_form() -> None:
    doc = build_document(video_options(font_key="f"), video_outputs([2.0, 6.0], cues=[[("Hi", 0, 1)], []]))
    again = SessionDocument.model_validate(doc.to_json_dict())
    assert again == doc and again.to_json_dict() == doc.to_json_dict()


def test_document_model_rejects_broken_timelines() -> None:
    with pytest.raises(ValidationError, match="must start where"):
        SessionDocument(layers=[Layer(id="a", start=0, end=2, clip="x"), Layer(id="b", start=1.5, end=3, clip="y")])
    with pytest.raises(ValidationError, match="must end after it starts"):
        Layer(id="a", start=2, end=2, clip="x")
    with pytest.raises(ValidationError, match="transition is longer"):
        Layer(id="a", start=0, end=0.3, clip="x", transition_in=Transition(duration=0.5))
    with pytest.raises(ValidationError):
        SessionDocument.model_validate({"layers": [], "unknown_field": 1})
    assert SessionDocument().duration == 0.0 and SessionDocument().outro is None
