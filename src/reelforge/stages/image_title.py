"""Stage image_title: a short SEO title for an image — a vision model's when the language model's
endpoint is configured, else (or when it fails) the offline titler: metadata first, then the image's printed
text, then its look. Runs on the workers: OCR models stay out of the API process."""

from __future__ import annotations

import logging
from typing import Any

from PIL import Image

from reelforge.imaging.titles import assign_title
from reelforge.providers.llm import chat_endpoint
from reelforge.providers.ocr import OcrLine, default_ocr
from reelforge.providers.vision_title import ProviderError, vision_title
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import open_input
from reelforge.stages.outputs import Published

log = logging.getLogger("reelforge.stages.title")


class _LazyOcr:
    """Loads the OCR model only when the title actually needs the image's text."""

    name = "lazy"

    def read(self, image: Image.Image) -> list[OcrLine]:
        return default_ocr().read(image)


def title_image(env: StageEnv, input_key: str, metadata: dict[str, Any]) -> Published:
    img = open_input(env, input_key)
    # The language model's one setting (llm_*, else openai_*), as for every other text task; a model
    # that takes no images fails the call and the offline titler answers.
    endpoint = chat_endpoint(env.rt.settings)
    if endpoint is not None:
        client, model = endpoint
        try:
            found = vision_title(client, model, img, metadata)
            if found:
                return Published(result={"content": found, "provider": model})
        except ProviderError as exc:
            log.warning("vision title failed, using the offline titler: %s", exc)
    return Published(result={"content": assign_title(img, metadata, _LazyOcr()), "provider": "LOCAL"})
