"""Pure transforms of a :class:`SessionDocument`: each returns a NEW document, the input is untouched.

These are the session operations of issue 4 (outro, footer, subtitles on/off, join) expressed on the
timeline alone; which pipeline stages must re-run follows from which stage inputs changed, and
:func:`reelforge.core.hashing.content_hash` is the cache key for those inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reelforge.sessions.document import (
    OUTRO_FADE_IN_S,
    AudioLayer,
    CarryOver,
    FocusArea,
    Layer,
    OutroOptions,
    SessionDocument,
    TextItem,
    Transition,
)

DEFAULT_OUTRO_S = 3.0
BLEND_CARRY_S = 1.0  # join: the previous outro fades out over the next session's first second
BLEND_MUSIC_S = 0.5  # join: music beds overlap this much on each side of a boundary
_EPS = 1e-6


def _copy(doc: SessionDocument) -> SessionDocument:
    return doc.model_copy(deep=True)


def _validated(doc: SessionDocument) -> SessionDocument:
    """Re-run the model validators on an edited copy (model_copy and attribute edits skip them)."""
    return SessionDocument.model_validate(doc.model_dump(by_alias=True))


def remove_subtitles(doc: SessionDocument) -> SessionDocument:
    """Drop every ``type: "text"`` item and turn subtitles off."""
    new = _copy(doc)
    new.subtitles = False
    for layer in new.layers:
        layer.active_items = [item for item in layer.active_items if item.type != "text"]
    return _validated(new)


def set_subtitles(doc: SessionDocument, cues: Mapping[str, Sequence[TextItem]]) -> SessionDocument:
    """Replace the subtitle items of every layer by ``cues[layer.id]`` (none for absent layers).

    Cue times are relative to the layer start and are clipped to the layer.
    """
    new = _copy(doc)
    new.subtitles = True
    for layer in new.layers:
        clipped = [
            TextItem(text=cue.text, start=min(cue.start, layer.duration), end=min(cue.end, layer.duration))
            for cue in cues.get(layer.id, ())
            if cue.text.strip() and cue.start < layer.duration
        ]
        layer.active_items = [item for item in layer.active_items if item.type != "text"] + clipped
    return _validated(new)


def _validated_outro_options(
    doc: SessionDocument, animation: bool, focus_area: FocusArea | None
) -> OutroOptions:
    if focus_area is not None:
        if not animation:
            raise ValueError("a focus area requires the outro animation")
        if not focus_area.fits(doc.canvas):
            raise ValueError(
                f"focus area {focus_area.model_dump()} is outside the "
                f"{doc.canvas.width}x{doc.canvas.height} canvas"
            )
    return OutroOptions(animation=animation, focus_area=focus_area)


def _extend_music(audio: Iterable[AudioLayer], old_end: float, new_end: float) -> None:
    """Looping music beds that ran to the old end now run to the new end."""
    for track in audio:
        if track.kind != "music" or not track.loop or track.duration is None:
            continue
        if abs(track.start + track.duration - old_end) < 1e-3:
            track.duration = new_end - track.start


def replace_outro(
    doc: SessionDocument,
    image_ref: str,
    *,
    animation: bool = False,
    focus_area: FocusArea | None = None,
    duration: float | None = None,
) -> SessionDocument:
    """Replace the outro (last layer, if it is one) or append one with a 0.5 s fade-in."""
    options = _validated_outro_options(doc, animation, focus_area)
    new = _copy(doc)
    old_end = new.duration
    current = new.outro
    if current is not None:
        current.clip = image_ref
        current.clip_type = "image"
        current.outro = options
        if duration is not None:
            current.end = current.start + duration
    else:
        start = old_end
        new.layers.append(
            Layer(
                id=_unique_id(new, "outro"),
                kind="outro",
                start=start,
                end=start + (duration or DEFAULT_OUTRO_S),
                clip=image_ref,
                transition_in=Transition(duration=OUTRO_FADE_IN_S) if new.layers else None,
                outro=options,
            )
        )
    _extend_music(new.audio, old_end, new.duration)
    return _validated(new)


def _unique_id(doc: SessionDocument, base: str) -> str:
    taken = {layer.id for layer in doc.layers}
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def set_footer(
    doc: SessionDocument, footer_ref: str | None, *, layer_ids: Iterable[str] | None = None
) -> SessionDocument:
    """Put ``footer_ref`` on the scene layers (all, or ``layer_ids``); ``None`` removes the footer."""
    wanted = set(layer_ids) if layer_ids is not None else None
    new = _copy(doc)
    for layer in new.scenes:
        if wanted is None or layer.id in wanted:
            layer.footer = footer_ref
    return _validated(new)


def _check_joinable(docs: Sequence[SessionDocument]) -> None:
    if len(docs) < 2:
        raise ValueError("join needs at least two sessions")
    first = docs[0].canvas
    for doc in docs[1:]:
        if doc.canvas.aspect_ratio != first.aspect_ratio:
            raise ValueError("sessions to join must share the aspect ratio")
        if doc.canvas.fps != first.fps:
            raise ValueError("sessions to join must share the fps")
        if (doc.canvas.width, doc.canvas.height) != (first.width, first.height):
            raise ValueError("sessions to join must share the canvas size")
    if any(not doc.layers for doc in docs):
        raise ValueError("cannot join an empty session")


def _shifted_layer(layer: Layer, prefix: str, offset: float) -> Layer:
    return layer.model_copy(
        deep=True, update={"id": f"{prefix}{layer.id}", "start": layer.start + offset, "end": layer.end + offset}
    )


def _shifted_audio(track: AudioLayer, prefix: str, offset: float) -> AudioLayer:
    update: dict[str, Any] = {"id": f"{prefix}{track.id}", "start": track.start + offset}
    if track.layer_id is not None:
        update["layer_id"] = f"{prefix}{track.layer_id}"
    return track.model_copy(deep=True, update=update)


def _blend_music(audio: list[AudioLayer], boundaries: Sequence[float]) -> None:
    """Around each boundary: a bed ending there runs on 0.5 s and fades out; one starting there
    starts 0.5 s early and fades in, so the two overlap for 1 s instead of cutting."""
    overlap = 2 * BLEND_MUSIC_S
    for track in audio:
        if track.kind != "music":
            continue
        for boundary in boundaries:
            if abs(track.start - boundary) < 1e-3:
                track.start = boundary - BLEND_MUSIC_S
                if track.duration is not None:
                    track.duration += BLEND_MUSIC_S
                track.fade_in = max(track.fade_in, overlap)
            elif track.duration is not None and abs(track.start + track.duration - boundary) < 1e-3:
                track.duration += BLEND_MUSIC_S
                track.fade_out = max(track.fade_out, overlap)


def join(docs: Sequence[SessionDocument], blend_scenes: bool = False) -> SessionDocument:
    """Append timelines in order (ids prefixed ``j<k>-``); language/font/canvas from the first.

    With ``blend_scenes`` the previous session's outro image is carried into the next session's
    first layer with a 1 s fade-out, and music beds overlap ±0.5 s around each boundary.
    """
    _check_joinable(docs)
    first = docs[0]
    layers: list[Layer] = []
    audio: list[AudioLayer] = []
    boundaries: list[float] = []
    offset = 0.0
    for index, doc in enumerate(docs):
        prefix = f"j{index}-"
        shifted = [_shifted_layer(layer, prefix, offset) for layer in doc.layers]
        if blend_scenes and index > 0:
            previous_outro = docs[index - 1].outro
            if previous_outro is not None:
                carry = min(BLEND_CARRY_S, shifted[0].duration)
                shifted[0].carry_over = CarryOver(image=previous_outro.clip, duration=carry)
        if index > 0:
            boundaries.append(offset)
            shifted[0].start = offset  # absorb float drift so layers stay contiguous
        layers.extend(shifted)
        audio.extend(_shifted_audio(track, prefix, offset) for track in doc.audio)
        offset = layers[-1].end
    if blend_scenes:
        _blend_music(audio, boundaries)
    return SessionDocument(
        canvas=first.canvas.model_copy(),
        language=first.language,
        font_key=first.font_key,
        subtitles=any(doc.subtitles for doc in docs),
        layers=layers,
        audio=audio,
    )


MIN_RETOLD_SCENE_S = 2.0
RETOLD_PADDING_S = 0.6


def retell(
    doc: SessionDocument,
    language: str,
    scenes: Sequence[tuple[str, str]],
    speech: Sequence[tuple[str, float]],
) -> SessionDocument:
    """New narration in ``language``: per scene its (narration, title) and (speech ref, seconds).
    A scene keeps its source length as its minimum (a translation never shortens the pictures) and
    grows when the new speech plus padding needs more; the outro and the music bed follow."""
    new = _copy(doc)
    new.language = language
    t = 0.0
    speech_by_layer = {a.layer_id: a for a in new.audio if a.kind == "speech"}
    for layer, (narration, title), (ref, seconds) in zip(new.scenes, scenes, speech, strict=False):
        length = max(seconds + RETOLD_PADDING_S, layer.end - layer.start, MIN_RETOLD_SCENE_S)
        layer.start, layer.end = round(t, 3), round(t + length, 3)
        layer.narration, layer.title = narration, title
        if layer.id in speech_by_layer:
            speech_by_layer[layer.id].source, speech_by_layer[layer.id].start = ref, layer.start
        t += length
    if new.outro is not None:
        length = new.outro.end - new.outro.start
        new.outro.start, new.outro.end = round(t, 3), round(t + length, 3)
    for track in new.audio:
        if track.kind == "music":
            track.duration = new.duration
    return _validated(new)


def replace_clips(doc: SessionDocument, clips: Mapping[str, str]) -> SessionDocument:
    """Show new pictures on the scene layers named by id (``{layer_id: media ref}``); timing,
    camera motion, narration and captions stay, so the render re-encodes only those layers."""
    new = _copy(doc)
    for layer in new.scenes:
        if layer.id in clips:
            layer.clip = clips[layer.id]
            layer.clip_type = "image"
    return _validated(new)
