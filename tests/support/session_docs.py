"""What the session document builder is given: the request's options and its stages' outputs.

``video_outputs`` writes the outputs of the stages before ``video_generation`` in the shapes those
stages store, with media keys that name what they are (``clips/1``, ``speech/0``...), so tests of
the builder and of the session operations read their documents at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reelforge.jobs.video.job import VideoJob
from reelforge.providers.script import Script
from reelforge.sessions.document import SessionDocument
from reelforge.stages import video_render
from reelforge.stages.outputs import (
    CardsOutput,
    ClipsOutput,
    MusicOutput,
    ScriptOutput,
    SpeechOutput,
    TranscriptOutput,
)

Cue = tuple[str, float, float]  # text, start, end (seconds from the scene's start)


def video_options(canvas: tuple[int, int] = (1792, 1024), **options: Any) -> dict[str, Any]:
    """A video request's input as the builder reads it (``canvas`` is resolved at submission)."""
    return {"canvas": canvas, **options}


def video_outputs(
    speech_s: Sequence[float],
    *,
    cues: Sequence[Sequence[Cue]] = (),
    footers: int | None = None,
    outro: bool = True,
    language: str = "en",
    motions: Sequence[str] = ("push_in", "pan_left", "push_out", "pan_right"),
) -> dict[str, dict[str, Any]]:
    """Stage outputs for one scene per entry of ``speech_s`` (its narration's length); ``footers``
    footer cards for the first scenes (default: every scene), an outro card unless ``outro`` is False."""
    n = len(speech_s)
    return {
        "prompt_generation": {
            "language": language,
            "script": {"scenes": [{"narration": f"Narration {i}.", "title": f"Title {i}"} for i in range(n)]},
        },
        "speech_generation": {"speech": [{"key": f"speech/{i}", "duration_s": s} for i, s in enumerate(speech_s)]},
        "ai_video_generation": {
            "clips": [{"source": f"clips/{i}", "motion": motions[i % len(motions)]} for i in range(n)]
        },
        "frame_generation": {
            "footer_keys": [f"footers/{i}" for i in range(n if footers is None else footers)],
            "outro_key": "cards/outro" if outro else None,
        },
        "transcript_generation": {
            "cues": [[{"text": t, "start": s, "end": e} for t, s, e in scene] for scene in cues],
        },
        "music_generation": {"music_key": "music/bed"},
    }


def build_document(options: dict[str, Any], outputs: dict[str, dict[str, Any]]) -> SessionDocument:
    """The video stage's document builder, given options and outputs in their stored (JSON) shapes."""
    script = outputs["prompt_generation"]
    scenes = [{"facts": {}, **scene} for scene in script["script"]["scenes"]]
    return video_render.build_document(
        VideoJob(language=script["language"], **options),
        ScriptOutput(language=script["language"], script=Script(language=script["language"], scenes=scenes)),
        SpeechOutput(speech=[{"words": [], **t} for t in outputs["speech_generation"]["speech"]]),
        ClipsOutput.model_validate(outputs["ai_video_generation"]),
        CardsOutput.model_validate(outputs["frame_generation"]),
        TranscriptOutput.model_validate(outputs["transcript_generation"]),
        MusicOutput(duration_s=0.0, **outputs["music_generation"]),
    )
