"""Stage transcript_generation: subtitle cues timed to the narration's word events."""

from __future__ import annotations

from typing import Any

from reelforge.pipeline.registry import StageContext, stage

MAX_WORDS = 6
MAX_CUE_S = 2.8
MAX_CHARS = 42


def cues_from_words(words: list[list[Any]], joiner: str = " ") -> list[dict[str, Any]]:
    """Group timed words into short cues (relative to the scene start)."""
    cues: list[dict[str, Any]] = []
    current: list[list[Any]] = []

    def flush() -> None:
        if current:
            text = joiner.join(str(w[0]) for w in current).strip()
            cues.append({"type": "text", "text": text, "start": float(current[0][1]), "end": float(current[-1][2])})
            current.clear()

    for word in words:
        if current and (
            len(current) >= MAX_WORDS
            or float(word[2]) - float(current[0][1]) > MAX_CUE_S
            or sum(len(str(w[0])) + 1 for w in current) + len(str(word[0])) > MAX_CHARS
        ):
            flush()
        current.append(word)
        if str(word[0]).endswith((".", "!", "?", "。", "！", "？")):
            flush()
    flush()
    # Close gaps so captions don't flicker off between cues of one sentence.
    for a, b in zip(cues, cues[1:], strict=False):
        if b["start"] - a["end"] < 0.35:
            a["end"] = b["start"]
    return cues


@stage("transcript_generation", queue="cpu")
def run(ctx: StageContext) -> dict[str, Any]:
    if "operation" in ctx.input:
        from reelforge.stages import session_ops

        return session_ops.transcript(ctx)
    if not ctx.input.get("enable_subtitles", True):
        return {"cues": []}
    language = ctx.outputs["prompt_generation"]["language"]
    joiner = "" if language in ("ja", "zh", "th") else " "
    return {"cues": [cues_from_words(t["words"], joiner) for t in ctx.outputs["speech_generation"]["speech"]]}
