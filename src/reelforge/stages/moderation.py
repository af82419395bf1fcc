"""The moderation stage: classify texts and publish OpenAI's moderation object, naming who judged."""

from __future__ import annotations

from collections.abc import Sequence

from reelforge.providers.moderation import moderate
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import Published


def moderate_texts(env: StageEnv, texts: Sequence[str], model: str | None) -> Published:
    verdict = moderate(env.rt.settings, texts, model)
    return Published(
        result={
            "id": f"modr-{env.request_id}",
            "model": verdict.model,
            "provider": verdict.provider,
            "results": verdict.results,
        }
    )
