"""Each session operation's transform applied to a built session document, in process, no server.

The operations (remove/add subtitles, translate, add/update outro, update/remove footer, join) are
what the session-operation kinds (``jobs/session_ops``) apply before rendering; every one returns a new, valid
document and leaves its input as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelforge.providers.tts import SpeechResult, WordTiming, write_wav_mono16
from reelforge.sessions.document import AudioLayer, FocusArea, OutroOptions, SessionDocument, TextItem, Transition
from reelforge.sessions.transforms import (
    BLEND_CARRY_S,
    DEFAULT_OUTRO_S,
    join,
    remove_subtitles,
    replace_outro,
    retell,
    set_footer,
    set_subtitles,
)
from reelforge.stages.video_speech import MAX_TEMPO, fit_speech
from support.session_docs import build_document, video_options, video_outputs

CUES = [[("Linen", 0.2, 1.4), ("breathes", 1.4, 2.6)], [("Packs", 0.0, 1.0), ("flat", 1.0, 1.8)]]


@pytest.fixture
def doc() -> SessionDocument:
    """Two scenes (0-5 s, 5-11.6 s) with subtitles and footers, an outro (11.6-14.6 s), speech and music."""
    return build_document(video_options(), video_outputs([2.0, 6.0], cues=CUES))


def timing(doc: SessionDocument) -> list[tuple[str, float, float]]:
    return [(layer.id, layer.start, layer.end) for layer in doc.layers]


def texts(doc: SessionDocument) -> list[list[str]]:
    return [[item.text for item in layer.subtitles] for layer in doc.layers]


def test_remove_subtitles_keeps_everything_else(doc: SessionDocument) -> None:
    before = doc.to_json_dict()
    bare = remove_subtitles(doc)
    assert not bare.subtitles and not bare.has_subtitles and texts(bare) == [[], [], []]
    assert timing(bare) == timing(doc) and bare.audio == doc.audio
    assert [layer.footer for layer in bare.layers] == [layer.footer for layer in doc.layers]
    assert doc.to_json_dict() == before  # the input is untouched
    # Nothing but the subtitles changed in the stored form.
    stripped = {**before, "subtitles": False, "layers": [{**layer, "activeItemList": []} for layer in before["layers"]]}
    assert bare.to_json_dict() == stripped


def test_add_subtitles_replaces_cues_per_layer_clipped(doc: SessionDocument) -> None:
    bare = remove_subtitles(doc)
    cues = {
        "scene-0": [TextItem(text="Uno", start=0, end=2), TextItem(text="  ", start=2, end=3)],  # blank: dropped
        "scene-1": [TextItem(text="Dos", start=6, end=9), TextItem(text="tarde", start=7, end=8)],
        "nowhere": [TextItem(text="lost", start=0, end=1)],
    }
    again = set_subtitles(bare, cues)
    assert again.subtitles and again.has_subtitles
    assert again.layers[0].subtitles == [TextItem(text="Uno", start=0, end=2)]
    # scene-1 lasts 6.6 s: "Dos" is clipped to its end, "tarde" starts after it and is dropped.
    assert again.layers[1].subtitles == [TextItem(text="Dos", start=6, end=6.6)]
    assert again.layers[2].subtitles == []
    assert timing(again) == timing(doc) and texts(bare) == [[], [], []]
    # Setting subtitles replaces the old ones rather than adding to them.
    assert texts(set_subtitles(doc, cues)) == [["Uno"], ["Dos"], []]


def test_translate_retells_and_retimes_every_scene(doc: SessionDocument) -> None:
    script = {
        "language": "es",
        "script": {
            "scenes": [{"narration": "Lino fresco.", "title": "Fresco"}, {"narration": "Plano.", "title": "Plano"}]
        },
    }
    speech = {"speech": [{"key": "speech-es/0", "duration_s": 7.4}, {"key": "speech-es/1", "duration_s": 0.5}]}
    told = retell(
        doc,
        script["language"],
        [(scene["narration"], scene["title"]) for scene in script["script"]["scenes"]],
        [(track["key"], track["duration_s"]) for track in speech["speech"]],
    )
    # A scene keeps its source length (5 s, 6.6 s) unless its new narration plus 0.6 s needs more
    # (7.4 + 0.6 = 8 s); the outro keeps its 3 s and follows.
    assert timing(told) == [("scene-0", 0.0, 8.0), ("scene-1", 8.0, 14.6), ("outro", 14.6, 17.6)]
    assert told.language == "es"
    assert [(s.narration, s.title) for s in told.scenes] == [("Lino fresco.", "Fresco"), ("Plano.", "Plano")]
    speech_tracks = [track for track in told.audio if track.kind == "speech"]
    assert [(t.source, t.start, t.layer_id) for t in speech_tracks] == [
        ("speech-es/0", 0.0, "scene-0"),
        ("speech-es/1", 8.0, "scene-1"),
    ]
    music = next(track for track in told.audio if track.kind == "music")
    assert music.duration == told.duration == 17.6
    assert [layer.clip for layer in told.layers] == [layer.clip for layer in doc.layers]  # same pictures
    assert doc.language == "en" and doc.duration == 14.6  # input untouched

    # Then the new cues go on the re-timed scenes (the old, English ones go).
    cues = {"scene-0": [TextItem(text="Lino", start=0, end=3.8)], "scene-1": [TextItem(text="Plano", start=0, end=9)]}
    subtitled = set_subtitles(told, cues)
    assert texts(subtitled) == [["Lino"], ["Plano"], []]
    assert subtitled.layers[1].subtitles[0].end == 6.6  # clipped to the scene


def test_translate_never_shortens_a_scene(doc: SessionDocument) -> None:
    """Short new speech keeps every scene at its source length (no 13.0 -> 8.5 s shrink)."""
    told = retell(doc, "es", [("Uno.", "Uno"), ("Dos.", "Dos")], [("a", 0.4), ("b", 0.3)])
    assert timing(told) == timing(doc) and told.duration == doc.duration


def _tone(path: Path, seconds: float, rate: int = 22050) -> SpeechResult:
    t = np.arange(int(seconds * rate)) / rate
    write_wav_mono16(path, (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16), rate)
    words = [WordTiming("uno", 0.0, seconds / 2), WordTiming("dos", seconds / 2, seconds)]
    return SpeechResult(path=path, duration_s=seconds, words=words, sample_rate=rate)


def test_translated_speech_is_fitted_by_tempo_within_limits(tmp_path: Path) -> None:
    # 4 s of speech for a 3.8 s budget: 5 % faster, and then it fits.
    fitted, factor = fit_speech(_tone(tmp_path / "a.wav", 4.0), tmp_path / "a.wav", 3.8)
    assert factor == pytest.approx(4.0 / 3.8, abs=1e-3)
    assert fitted.duration_s == pytest.approx(3.8, abs=0.03)
    assert fitted.words[-1].end_s == pytest.approx(3.8, abs=0.01)
    # 4 s for 2 s: never more than MAX_TEMPO faster; the scene grows by what is left.
    fitted, factor = fit_speech(_tone(tmp_path / "b.wav", 4.0), tmp_path / "b.wav", 2.0)
    assert factor == MAX_TEMPO
    assert fitted.duration_s == pytest.approx(4.0 / MAX_TEMPO, abs=0.03)
    # Speech that already fits is left as it is.
    fitted, factor = fit_speech(_tone(tmp_path / "c.wav", 1.0), tmp_path / "c.wav", 2.0)
    assert factor == 1.0 and fitted.duration_s == 1.0


def test_update_outro_swaps_the_card_and_keeps_the_timeline(doc: SessionDocument) -> None:
    area = FocusArea(x=600, y=300, width=500, height=400)
    new = replace_outro(doc, "cards/outro-2", animation=True, focus_area=area)
    assert timing(new) == timing(doc) and new.audio == doc.audio
    outro = new.layers[-1]
    assert (outro.id, outro.kind, outro.clip, outro.clip_type) == ("outro", "outro", "cards/outro-2", "image")
    assert outro.outro == OutroOptions(animation=True, focus_area=area)
    assert outro.transition_in == Transition(duration=0.5)
    assert new.layers[:2] == doc.layers[:2]
    assert doc.layers[-1].clip == "cards/outro"


def test_update_outro_with_a_new_length_moves_the_music_end(doc: SessionDocument) -> None:
    new = replace_outro(doc, "cards/outro-2", duration=5.0)
    assert timing(new)[-1] == ("outro", 11.6, 16.6)
    music = next(track for track in new.audio if track.kind == "music")
    assert music.duration == pytest.approx(16.6)


def test_add_outro_appends_a_faded_outro_and_extends_only_looping_beds() -> None:
    doc = build_document(video_options(), video_outputs([2.0, 6.0], outro=False))
    one_shot = AudioLayer(id="sting", kind="music", source="music/sting", start=10.0, duration=1.6)
    audio = [track.model_dump() for track in [*doc.audio, one_shot]]
    doc = SessionDocument.model_validate({**doc.to_json_dict(), "audio": audio})
    new = replace_outro(doc, "cards/new-outro")
    assert timing(new) == [*timing(doc), ("outro", 11.6, 11.6 + DEFAULT_OUTRO_S)]
    outro = new.layers[-1]
    assert outro.transition_in == Transition(kind="fade", duration=0.5) and outro.outro == OutroOptions()
    bed, sting = (next(t for t in new.audio if t.id == name) for name in ("music", "sting"))
    assert bed.duration == pytest.approx(new.duration)  # the looping bed runs to the new end
    assert (sting.start, sting.duration) == (10.0, 1.6)  # a one-shot keeps its own length
    assert doc.outro is None  # input untouched


def test_add_outro_never_reuses_a_layer_id() -> None:
    doc = build_document(video_options(), video_outputs([2.0], outro=False))
    doc = SessionDocument.model_validate(
        {**doc.to_json_dict(), "layers": [{**doc.to_json_dict()["layers"][0], "id": "outro"}], "audio": []}
    )
    assert [layer.id for layer in replace_outro(doc, "cards/o").layers] == ["outro", "outro-2"]


def test_outro_focus_area_must_be_animated_and_inside_the_canvas(doc: SessionDocument) -> None:
    with pytest.raises(ValueError, match="requires the outro animation"):
        replace_outro(doc, "c", focus_area=FocusArea(x=0, y=0, width=10, height=10))
    with pytest.raises(ValueError, match="outside the 1792x1024 canvas"):
        replace_outro(doc, "c", animation=True, focus_area=FocusArea(x=0, y=1000, width=10, height=30))


def test_update_and_remove_footer(doc: SessionDocument) -> None:
    updated = set_footer(doc, "footers/new")
    assert [layer.footer for layer in updated.layers] == ["footers/new", "footers/new", None]  # never the outro
    removed = set_footer(doc, None)
    assert [layer.footer for layer in removed.layers] == [None, None, None]
    # translate with footers: each scene gets its own card.
    per_scene = set_footer(doc, "footers/es-0", layer_ids=["scene-0"])
    per_scene = set_footer(per_scene, "footers/es-1", layer_ids=["scene-1"])
    assert [layer.footer for layer in per_scene.layers] == ["footers/es-0", "footers/es-1", None]
    for new in (updated, removed, per_scene):
        assert timing(new) == timing(doc) and texts(new) == texts(doc) and new.audio == doc.audio
    assert [layer.footer for layer in doc.layers] == ["footers/0", "footers/1", None]


def test_join_three_sessions_end_to_end(doc: SessionDocument) -> None:
    short = build_document(video_options(), video_outputs([1.0], outro=False))
    joined = join([doc, short, doc])
    assert joined.duration == pytest.approx(14.6 + 5.0 + 14.6)
    assert [layer.id for layer in joined.layers] == [
        "j0-scene-0", "j0-scene-1", "j0-outro", "j1-scene-0", "j2-scene-0", "j2-scene-1", "j2-outro",
    ]  # fmt: skip
    for previous, layer in zip(joined.layers, joined.layers[1:], strict=False):
        assert layer.start == previous.end
    assert joined.layers[3].start == 14.6 and joined.layers[4].start == pytest.approx(19.6)
    speech = [(t.id, t.start, t.layer_id) for t in joined.audio if t.kind == "speech"]
    assert speech == [
        ("j0-speech-0", 0.0, "j0-scene-0"),
        ("j0-speech-1", 5.0, "j0-scene-1"),
        ("j1-speech-0", 14.6, "j1-scene-0"),
        ("j2-speech-0", pytest.approx(19.6), "j2-scene-0"),
        ("j2-speech-1", pytest.approx(24.6), "j2-scene-1"),
    ]
    assert texts(joined)[:2] == texts(doc)[:2]  # cues are relative to their layer: unchanged
    assert all(layer.carry_over is None for layer in joined.layers)
    assert (joined.canvas, joined.language, joined.subtitles) == (doc.canvas, "en", True)


def test_join_with_blend_carries_the_outro_only_where_there_is_one(doc: SessionDocument) -> None:
    short = build_document(video_options(), video_outputs([1.0], outro=False))
    joined = join([doc, short, doc], blend_scenes=True)
    carried = [(layer.id, c.image, c.duration) for layer in joined.layers if (c := layer.carry_over)]
    assert carried == [("j1-scene-0", "cards/outro", BLEND_CARRY_S)]  # `short` has no outro to carry on
    beds = [t for t in joined.audio if t.kind == "music"]
    # Each bed after the first starts 0.5 s early and fades in; each before a boundary runs 0.5 s on.
    assert [(t.start, t.fade_in, t.fade_out) for t in beds] == [
        (0.0, 0.0, 2.0),
        (14.1, 1.0, 2.0),
        (pytest.approx(19.1), 1.0, 2.0),
    ]
    assert [t.duration for t in beds] == [pytest.approx(15.1), pytest.approx(6.0), pytest.approx(15.1)]
    assert join([doc, short, doc]).duration == joined.duration  # blending never changes the length


def test_join_rejects_mismatched_or_empty_sessions(doc: SessionDocument) -> None:
    portrait = build_document(video_options(canvas=(1024, 1792)), video_outputs([2.0]))
    with pytest.raises(ValueError, match="aspect ratio"):
        join([doc, portrait])
    wider = build_document(video_options(canvas=(1920, 1080)), video_outputs([2.0]))
    with pytest.raises(ValueError, match="canvas size"):
        join([doc, wider])
    with pytest.raises(ValueError, match="empty session"):
        join([doc, SessionDocument(canvas=doc.canvas)])
    with pytest.raises(ValueError, match="at least two"):
        join([doc])
