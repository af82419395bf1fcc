"""reelforge's own tools for the assistant: make a video from images, update a video's outro,
search a template. A tool call is a request of the tool's kind, made for the assistant's caller:
the same body validation, ``prepare`` (media fetch, ownership), price, 402 and ledger as the
kind's own route (``pipeline.submit``); the assistant only reports the request id it started.

A client offers them in ``tools`` as ``{"type": "function", "name": "create_video_from_images"}``
(or the Chat Completions form ``{"type": "function", "function": {"name": ...}}``); their
parameters are reelforge's, not the client's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from reelforge.core import external_users, idempotency
from reelforge.core.errors import ApiError, BadRequest
from reelforge.core.principals import Principal
from reelforge.db.models import Account
from reelforge.jobs.base import JobKind, PrepareEnv
from reelforge.jobs.body import RequestBody
from reelforge.jobs.embeddings import SEARCH_EMBEDDING, ExternalUser, OwnedBody, SearchEmbeddingRequest
from reelforge.jobs.media import StagedMedia
from reelforge.jobs.session_ops.outro import UPDATE_OUTRO_IMAGE, OutroUpdate
from reelforge.jobs.video.kinds import IMAGE_LIST_TO_VIDEO
from reelforge.jobs.video.options import ImageListToVideoRequest
from reelforge.pipeline.submit import submit
from reelforge.providers.llm_tools import ToolCall, ToolSpec
from reelforge.stages.context import StageEnv

_URI = {"type": "string", "format": "uri"}
# Ids the offline model may only copy from the conversation (providers/llm_tools.py).
_ID = {"type": "string", "format": "id"}


@dataclass(frozen=True)
class AssistantTool:
    spec: ToolSpec
    kind: JobKind[Any, Any]
    body: type[RequestBody]


TOOLS: dict[str, AssistantTool] = {
    t.spec.name: t
    for t in (
        AssistantTool(
            ToolSpec(
                "create_video_from_images",
                "video",
                "the user wants a new video made from images or photos",
                {
                    "type": "object",
                    "properties": {
                        "image_urls": {"type": "array", "items": _URI, "minItems": 1, "maxItems": 40},
                        "prompt": {"type": "string", "description": "what the video is about"},
                    },
                    "required": ["image_urls"],
                },
            ),
            IMAGE_LIST_TO_VIDEO,
            ImageListToVideoRequest,
        ),
        AssistantTool(
            ToolSpec(
                "update_outro",
                "outro",
                "the user wants to change the outro, end card or ending of an existing video (names a video id)",
                {
                    "type": "object",
                    "properties": {"session_id": _ID, "outro_image_url": _URI},
                    "required": ["session_id", "outro_image_url"],
                },
            ),
            UPDATE_OUTRO_IMAGE,
            OutroUpdate,
        ),
        AssistantTool(
            ToolSpec(
                "search_template",
                "search",
                "the user wants to search the records of a template",
                {
                    "type": "object",
                    "properties": {"template_id": _ID, "search_term": {"type": "string"}},
                    "required": ["template_id", "search_term"],
                },
            ),
            SEARCH_EMBEDDING,
            SearchEmbeddingRequest,
        ),
    )
}


def _function_name(tool: dict[str, Any]) -> str | None:
    if tool.get("type") != "function":
        return None
    function = tool.get("function")
    name = function.get("name") if isinstance(function, dict) else tool.get("name")
    return name if isinstance(name, str) else None


def offered(tools: list[dict[str, Any]], tool_choice: Any) -> tuple[list[str], str | None]:
    """The reelforge tools a request offers, and the one ``tool_choice`` forces (None: the model decides)."""
    names: list[str] = []
    for i, tool in enumerate(tools):
        name = _function_name(tool)
        if name is None:
            continue  # image_generation and the like: handled by the assistant itself
        if name not in TOOLS:
            raise BadRequest(f"tools[{i}]: unknown function {name!r}; reelforge offers {sorted(TOOLS)}.", field="tools")
        names.append(name)
    if tool_choice == "none":
        return [], None
    forced = _function_name(tool_choice) if isinstance(tool_choice, dict) else None
    if forced is None and tool_choice == "required" and len(names) == 1:
        forced = names[0]
    if forced is not None and forced not in names:
        raise BadRequest(f"tool_choice names {forced!r}, which tools does not offer.", field="tool_choice")
    return names, forced


def _principal(env: StageEnv) -> Principal:
    """The assistant request's own caller: its account and, if it was made for one, its external user."""
    row = env.request
    with env.rt.db.session() as s:
        account = s.get(Account, row.account_id)
    if account is None:
        raise BadRequest("the account of this request is gone", field="account")
    user = external_users.get(env.rt.db, account.id, row.external_user_id) if row.external_user_id else None
    return Principal(account, user, "assistant", None, delegated=user is not None)


def run_tool(env: StageEnv, call: ToolCall, index: int) -> dict[str, Any]:
    """Start the call's request for the assistant's caller; its accepted answer, or why it was refused
    (bad arguments, an unknown or foreign session, no credits: nothing charged then)."""
    tool = TOOLS[call.name]
    try:
        body = tool.body.model_validate(call.arguments)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "arguments"
        return {"status": "rejected", "error": "invalid_request", "field": field, "message": first["msg"]}
    principal = _principal(env)
    user = principal.external_user
    if user is not None and isinstance(body, OwnedBody):  # an external user's templates are theirs
        body.external_user = ExternalUser(provider=user.provider or None, external_user_id=user.external_user_id)
    media = StagedMedia(env.rt, principal.account_id)
    try:
        prepared = tool.kind.prepare(body, PrepareEnv(env.rt, principal.account_id, media, principal.external_user_id))
        accepted = submit(
            env.rt,
            principal,
            tool.kind,
            prepared,
            media.submission_id,
            webhook_url=None,
            # A retried assistant step replays this answer instead of starting (and charging) a second job.
            idempotency_key=f"assistant:{env.request_id}:{index}",
            request_fingerprint=idempotency.fingerprint(f"assistant-tool:{call.name}", body.fingerprint_payload()),
        )
    except ApiError as exc:
        return {"status": "rejected", **exc.body()}
    finally:
        media.discard_unaccepted()
    answer = accepted.body
    return {
        "request_id": accepted.request_id,
        "case_type": answer.get("case_type", tool.kind.case_type),
        "status": answer.get("status"),
        "creditsCharged": answer.get("creditsCharged"),
        "remainingCredits": answer.get("remainingCredits"),
    }


def specs(names: list[str]) -> list[ToolSpec]:
    return [TOOLS[name].spec for name in names]


__all__ = ["TOOLS", "AssistantTool", "offered", "run_tool", "specs"]
