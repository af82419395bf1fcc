"""Language-model routes: enhance message, the assistant, and the OpenAI-compatible chat gateway
with its v2 companions (status, moderation, capabilities, key and provider validation)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field

from reelforge.api.deps import AccountDep, ActingDep, JobCallDep, PrincipalDep, RuntimeDep
from reelforge.api.job_routes import SYNC_JOB_RESPONSES, JobRoute, add_job_routes
from reelforge.api.sync_jobs import failure_error, wait_terminal
from reelforge.core import accounts, assistant_prompts, external_users, ledger, requests
from reelforge.core.errors import Unauthorized
from reelforge.db.models import Request as RequestRow
from reelforge.db.models import wire_time
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.chat import (
    ASSISTANT_COMPLETION,
    ASSISTANT_SESSION_KIND,
    CHAT_COMPLETION,
    ENHANCE_MESSAGE,
    AssistantCompletionRequest,
    AssistantSessionRequest,
    ChatCompletionRequest,
    EnhanceMessageRequest,
    LLMJob,
    run_streamed,
)
from reelforge.jobs.moderation import MODERATION, ModerationRequest
from reelforge.pipeline.submit import Accepted, credit_headers
from reelforge.providers import registry
from reelforge.providers.llm import OFFLINE_MODEL, Done, configured_model

router = APIRouter(tags=["chat"])

CHAT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A chat.completion object, or with stream: true server-sent chat.completion.chunk events",
        "content": {"application/json": {}, "text/event-stream": {"schema": {"type": "string"}}},
    },
    **SYNC_JOB_RESPONSES,
}


# Answered with the result once a worker ran the model (202 with the request id if it takes longer).
add_job_routes(
    router,
    [
        JobRoute(
            "/v1/chat/enhance",
            ENHANCE_MESSAGE,
            EnhanceMessageRequest,
            "Rewrite a message with the language model (token-priced)",
            answer="when_done",
            input_fields=(),
        ),
        JobRoute(
            "/v1/assistant/completion",
            ASSISTANT_COMPLETION,
            AssistantCompletionRequest,
            "An assistant turn in the OpenAI Responses shape (token-priced, x2.5)",
            answer="when_done",
            input_fields=(),
        ),
        JobRoute(
            "/v1/external_users/assistant/completion",
            ASSISTANT_COMPLETION,
            AssistantCompletionRequest,
            "/v1/assistant/completion for an external user (their credits, their system prompt)",
            answer="when_done",
            input_fields=(),
            external=True,
        ),
        JobRoute(
            "/v1/external_users/utils/assistant_session",
            ASSISTANT_SESSION_KIND,
            AssistantSessionRequest,
            "A blank assistant session for an external user: its session_id threads later completions (free)",
            answer="now",
            input_fields=(),
            external=True,
        ),
        # Run in this process: the offline classifier answers in milliseconds.
        JobRoute(
            "/v2/external/moderation",
            MODERATION,
            ModerationRequest,
            "Moderate texts: the configured endpoint's model or the packaged offline classifier (per text)",
            answer="now",
            input_fields=(),
        ),
        # OpenAI's path too, so another reelforge (or any OpenAI SDK) can use this server's moderation.
        JobRoute(
            "/v1/moderations",
            MODERATION,
            ModerationRequest,
            "Moderation at OpenAI's own path",
            answer="now",
            input_fields=(),
        ),
    ],
)


class SystemPromptRequest(RequestBody):
    system_prompt: str | None = Field(
        None, max_length=8000, validation_alias=aliases("system_prompt", "systemPrompt", "prompt", "value")
    )


@router.post("/v1/assistant/set_system_prompt", summary="Set or clear the caller's assistant system prompt")
def set_system_prompt(body: SystemPromptRequest, rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    """The account's prompt; an external user's own (their credential, or the platform naming them) when
    the caller acts for one: the same store as ``/v1/external_users/assistant/set_system_prompt``."""
    if principal.external_user is not None:
        external_users.set_system_prompt(rt.db, principal.external_user, body.system_prompt)
        stored = external_users.get(rt.db, principal.account_id, principal.external_user.id).system_prompt
    else:
        stored = assistant_prompts.set_prompt(rt.db, principal.account_id, body.system_prompt)
    return {
        "system_prompt": stored,
        "model": _model_name(rt.settings),
        "selected_assistant_model": _model_name(rt.settings),
    }


# -- the OpenAI-compatible gateway --------------------------------------------------------------


@router.post(
    "/v2/external/chat/completions",
    summary="OpenAI Chat Completions: sync, async (polling) or SSE stream",
    responses=CHAT_RESPONSES,
)
# samsar-js's createExternalChat / createV2ExternalChat send the same body to /v2/external/chat.
@router.post("/v2/external/chat", summary="Alias of /v2/external/chat/completions", responses=CHAT_RESPONSES)
# The OpenAI path too, so any OpenAI SDK (and another reelforge's llm_base_url) can use this server as is.
@router.post("/v1/chat/completions", summary="OpenAI Chat Completions at OpenAI's own path", responses=CHAT_RESPONSES)
async def chat_completions(body: ChatCompletionRequest, call: JobCallDep) -> Any:
    if body.stream:
        return await run_in_threadpool(_stream, body, call)
    if body.queued:
        return await run_in_threadpool(call.answer, CHAT_COMPLETION, body, _queued_answer)
    return await run_in_threadpool(call.answer, CHAT_COMPLETION, body, lambda accepted: _sync_chat(accepted, call))


def _queued_answer(accepted: Accepted) -> JSONResponse:
    request_id = str(accepted.body["request_id"])
    answer = {**_queued(request_id, "PENDING"), "creditsCharged": accepted.body["creditsCharged"]}
    return JSONResponse(answer, status_code=202, headers=accepted.headers)


def _sync_chat(accepted: Accepted, call: Any) -> JSONResponse:
    request_id = str(accepted.body["request_id"])
    row = wait_terminal(call.rt, request_id, call.rt.settings.sync_wait_s)
    if row.status == "PENDING":
        return JSONResponse(_queued(request_id, "PROCESSING"), status_code=202, headers=accepted.headers)
    if row.status != "COMPLETED":
        raise failure_error(row, ())
    return JSONResponse(row.result["response"], headers=_settled_headers(call.rt, row))


def _queued(request_id: str, status: str) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "requestId": request_id,
        "status": status,
        "poll_url": f"/v2/external/chat/status?request_id={request_id}",
    }


def _settled_headers(rt: Any, row: RequestRow) -> dict[str, str]:
    """The settled charge of ``row`` and the balance of the wallet it was charged to (an external user's)."""
    return credit_headers(row.credits_charged, ledger.balance(rt.db, row.account_id, row.external_user_id))


def _stream(body: ChatCompletionRequest, call: Any) -> StreamingResponse | JSONResponse:
    return call.answer(CHAT_COMPLETION, body, lambda accepted: _stream_accepted(body, call, accepted), enqueue=False)


def _stream_accepted(body: ChatCompletionRequest, call: Any, accepted: Accepted) -> StreamingResponse:
    request_id = str(accepted.body["request_id"])
    job: LLMJob = CHAT_COMPLETION.load_input(requests.get(call.rt.db, request_id))
    model = _model_name(call.rt.settings)
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None, model: str, extra: dict[str, Any] | None = None) -> str:
        payload = {
            "id": f"chatcmpl-{request_id}",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **(extra or {}),
        }
        return f"data: {json.dumps(payload)}\n\n"

    def events() -> Iterator[str]:
        first = True
        for event in run_streamed(call.rt, request_id, job):
            if isinstance(event, Done):
                usage = {
                    "prompt_tokens": event.usage.input_tokens,
                    "completion_tokens": event.usage.output_tokens,
                    "total_tokens": event.usage.total_tokens,
                }
                yield chunk({}, event.finish_reason, event.model, {"provider": event.provider})
                # stream_options.include_usage's shape: a last chunk with no choices and the usage.
                tail = {
                    "id": f"chatcmpl-{request_id}",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": event.model,
                    "provider": event.provider,
                    "choices": [],
                    "usage": usage,
                }
                yield f"data: {json.dumps(tail)}\n\n"
            else:
                delta = {"role": "assistant", "content": event.text} if first else {"content": event.text}
                first = False
                yield chunk(delta, None, model)
        yield "data: [DONE]\n\n"

    # The charge settles after the body is sent, so the headers carry the hold (the estimate);
    # the status route and the ledger show the settled amount.
    return StreamingResponse(
        events(), media_type="text/event-stream", headers={**accepted.headers, "x-request-id": request_id}
    )


@router.get("/v2/external/chat/status", summary="State of a queued chat completion")
def chat_status(
    rt: RuntimeDep, principal: PrincipalDep, request_id: str = Query(..., min_length=1, max_length=64)
) -> JSONResponse:
    row = requests.get_owned(rt.db, principal.owner, request_id)
    created = wire_time(row.created_at)
    body: dict[str, Any] = {
        **_queued(row.id, {"PENDING": "PROCESSING"}.get(row.status, row.status)),
        "created_at": created,
        "updated_at": wire_time(row.updated_at),
    }
    if row.status == "COMPLETED":
        body["response"] = row.result.get("response")
    elif row.status in ("FAILED", "CANCELLED"):
        body["error"] = {"message": row.error or "failed", "code": row.status.lower(), "status": 500}
    return JSONResponse(body, headers=_settled_headers(rt, row))


def _model_name(settings: Any) -> str:
    configured = configured_model(settings)
    return configured.model if configured else OFFLINE_MODEL


@router.get("/v2/external/providers/capabilities", summary="Providers, models and actions this deployment serves")
def capabilities(rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    actions = [
        "chat.completions", "assistant.completion", "chat.enhance", "moderation", "image.generate", "video.create"
    ]
    providers: dict[str, Any] = {
        "reelforge": {
            "label": "reelforge (offline)",
            "models": [OFFLINE_MODEL, *registry.image_models(rt.settings), *registry.video_models(rt.settings)],
            "actions": actions,
        }
    }
    configured = configured_model(rt.settings)
    if configured is not None:
        providers["openai-compatible"] = {
            "label": "OpenAI-compatible endpoint",
            "models": [configured.model],
            "actions": ["chat.completions", "assistant.completion", "chat.enhance", "moderation"],
        }
    return {"providers": providers, "moderation": True}


class ProvidersValidateRequest(RequestBody):
    samsar_api_key: str | None = Field(None, validation_alias=aliases("samsarApiKey", "samsar_api_key"))
    openai_api_key: str | None = Field(None, validation_alias=aliases("openaiApiKey", "openai_api_key"))


@router.post(
    "/v2/external/providers/validate", summary="Check deployment credentials (reelforge keys are checked here)"
)
def providers_validate(body: ProvidersValidateRequest, rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if body.samsar_api_key is not None:
        try:
            other = accounts.authenticate(rt.db, f"Bearer {body.samsar_api_key}")
            results["samsar"] = {
                "provider": "samsar",
                "status": "valid",
                "ok": True,
                "remainingCredits": ledger.balance(rt.db, other.id),
            }
        except Unauthorized:
            results["samsar"] = {"provider": "samsar", "status": "invalid", "ok": False, "message": "unknown API key"}
    if body.openai_api_key is not None:
        # This deployment reaches no outside host to test a key; it says so rather than guessing.
        results["openai"] = {
            "provider": "openai",
            "status": "unverified",
            "ok": False,
            "message": "not checked: set REELFORGE_LLM_BASE_URL / REELFORGE_OPENAI_BASE_URL instead",
        }
    caps = capabilities(rt, account)
    available = {
        "providers": sorted(caps["providers"]),
        "models": sorted({m for p in caps["providers"].values() for m in p["models"]}),
        "actions": sorted({a for p in caps["providers"].values() for a in p["actions"]}),
    }
    return {"providers": results, "available": available}


@router.get("/v2/external/api_key/validate", summary="Validate the calling API key")
def api_key_validate(rt: RuntimeDep, principal: PrincipalDep) -> JSONResponse:
    account = principal.account
    remaining = ledger.balance(rt.db, account.id, principal.external_user_id)  # the caller's own wallet
    body = {
        "valid": True,
        "authType": principal.credential,
        "displayName": account.name,
        "username": account.name,
        "email": None,
        "remainingCredits": remaining,
    }
    return JSONResponse(body, headers=credit_headers(0, remaining))
