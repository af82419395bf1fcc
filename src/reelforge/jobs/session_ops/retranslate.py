"""``retranslate``: translate a session's translation again, from the same source (2 credits per
second of the source, as translate_video).

The open-source Samsar processor answers ``/v1/video/retranslate_video`` as translate_video; here,
given a translated session, the translation is re-run from *its* source session (not a translation
of the translation), in its language and with its subtitle choice unless the body says otherwise.
Given any other session it is translate_video, ``language`` required.
"""

from __future__ import annotations

from pydantic import StrictBool, field_validator

from reelforge.core import requests
from reelforge.core.errors import BadRequest, NotFound
from reelforge.jobs.base import Prepared, PrepareEnv
from reelforge.jobs.catalog import kind as kind_of
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionRef
from reelforge.jobs.session_ops.translate import Translate, TranslateJob, Translation, supported_language


class Retranslate(SessionRef):
    language: str | None = None  # default: the translated session's
    outro_image_url: str | None = None
    enable_subtitles: StrictBool | None = None  # default: the translated session's
    translate_outro: StrictBool = True
    translate_footer: StrictBool = True

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str | None) -> str | None:
        return supported_language(value) if value else None


class RetranslateVideo(Translation[Retranslate], case_type="retranslate", id_prefix="vid_rtr"):
    def prepare(self, body: Retranslate, env: PrepareEnv) -> Prepared[TranslateJob]:
        try:
            named = requests.get_owned(env.rt.db, env.owner, body.session_id, field="videoSessionId")
        except NotFound as exc:  # as translate_video: an unknown session id is a 400 (video-api.txt)
            raise BadRequest(exc.message, field=exc.field) from exc
        stored = kind_of(named.case_type).load_input(named)
        previous = stored if isinstance(stored, TranslateJob) else None
        language = body.language or (previous.language if previous else None)
        if language is None:
            raise BadRequest(
                f"language is required: {body.session_id} is not a translated session.", field="language"
            )
        enable_subtitles = body.enable_subtitles
        if enable_subtitles is None:
            enable_subtitles = previous.enable_subtitles if previous else True
        source = previous.source_session_ids[0] if previous else named.id
        prepared = self.translation(
            Translate(
                session_id=source,
                language=language,
                outro_image_url=body.outro_image_url,
                enable_subtitles=enable_subtitles,
                translate_outro=body.translate_outro,
                translate_footer=body.translate_footer,
            ),
            env,
        )
        prepared.response_extra = {"source_session_id": source, "retranslated_session_id": named.id}
        return prepared


RETRANSLATE = register(RetranslateVideo())
