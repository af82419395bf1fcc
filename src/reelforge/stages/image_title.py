"""Stage image_title: a short SEO title for an image — a vision model's when an endpoint is
configured, else (or when it fails) the offline titler: metadata first, then the image's printed
text, then its look. Runs on the workers: OCR models stay out of the API process."""

from __future__ import annotations

import logging
from typing import Any

from PIL import Image

from reelforge.imaging.titles import assign_title
from reelforge.providers.ocr import OcrLine, default_ocr
from reelforge.providers.openai_compat import OpenAICompatClient
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
    settings = env.rt.settings
    if settings.openai_base_url:
        client = OpenAICompatClient(settings.openai_base_url, settings.openai_api_key)
        try:
            found = vision_title(client, settings.openai_chat_model, img, metadata)
            if found:
                return Published(result={"content": found, "provider": settings.openai_chat_model})
        except ProviderError as exc:
            log.warning("vision title failed, using the offline titler: %s", exc)
    return Published(result={"content": assign_title(img, metadata, _LazyOcr()), "provider": "LOCAL"})
