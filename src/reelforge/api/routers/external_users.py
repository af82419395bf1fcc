"""``/v1/external_users/*``: a platform acting for one of its users (samsar-js "External users").

The caller is a :class:`~reelforge.core.principals.Principal` narrowed to one external user: the platform's
API key plus the body's ``external_user`` (created on first use), the user's ``x-external-user-api-key``, or
the user's own auth token. Job routes are the ordinary kinds, charged to the external user's wallet, with
``extreq_…`` ids. Status routes resolve an ``extreq_…`` id from the platform key alone (samsar-js's
``getExternalStatus`` sends no external user).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from reelforge.api.deps import AccountAdminDep, ExternalDep, PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.core import credentials, external_users, ledger, requests
from reelforge.core.errors import BadRequest, NotFound, Unauthorized
from reelforge.core.principals import Principal
from reelforge.db.models import ExternalUser, wire_time
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.session_ops.footer import UPDATE_FOOTER_IMAGE, FooterUpdate
from reelforge.jobs.session_ops.outro import ADD_OUTRO_IMAGE, UPDATE_OUTRO_IMAGE, AddOutro, OutroUpdate
from reelforge.jobs.video.kinds import IMAGE_LIST_TO_VIDEO, TEXT_TO_VIDEO
from reelforge.jobs.video.options import ImageListToVideoRequest, TextToVideoRequest
from reelforge.pipeline.submit import credit_headers
from reelforge.runtime import Runtime

router = APIRouter(prefix="/v1/external_users", tags=["external users"])


def _user(principal: Principal) -> ExternalUser:
    assert principal.external_user is not None  # ExternalDep guarantees it
    return principal.external_user


def summary(rt: Runtime, user: ExternalUser) -> dict[str, Any]:
    """An external user with their live balance (samsar-js ``ExternalUserSummary``)."""
    body = external_users.payload(user, ledger.balance(rt.db, user.account_id, user.id))
    body["generation_credits"] = body["credits"]
    body["has_external_api_key"] = bool(
        credentials.live_of(rt.db, account_id=user.account_id, external_user_id=user.id, kind="external_key"))
    return body


def _with_user(rt: Runtime, user: ExternalUser, body: dict[str, Any], charged: int = 0) -> JSONResponse:
    info = summary(rt, user)
    answer = {**body, "remainingCredits": info["credits"], "external_user": info, "externalUser": info}
    return JSONResponse(answer, headers=credit_headers(charged, info["credits"]))


# -- the user's session, credits and key ---------------------------------------------------------------------------


@router.post("/session", summary="Create or refresh an external user; answers their new external API key")
def session(rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    user = _user(principal)
    if not principal.is_platform:
        raise Unauthorized("Only the platform's own credentials may issue external API keys.", field="Authorization")
    # A session call rotates the key: the earlier one stops working now.
    credentials.revoke(rt.db, account_id=user.account_id, external_user_id=user.id, kind="external_key")
    issued = credentials.issue(rt.db, "external_key", user.account_id, user.id)
    return _with_user(rt, user, {"external_api_key": issued.token, "external_api_key_expires_at":
                                 wire_time(issued.expires_at)})


@router.get("/credits", summary="The external user's own balance (free)")
def credits(rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    return _with_user(rt, _user(principal), {"lastTopUp": None})


class GrantBody(RequestBody):
    credits: int = Field(..., gt=0, le=10_000_000, validation_alias=aliases("credits", "credits_to_grant"))


@router.post("/credits/grant", summary="Grant credits to an external user (platform credentials only)")
def grant(body: GrantBody, rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    user = _user(principal)
    if not principal.is_platform:
        raise Unauthorized("An external user cannot grant credits to itself.", field="Authorization")
    external_users.grant(rt.db, user, body.credits, note="granted by the platform")
    return _with_user(rt, user, {"creditsGranted": body.credits,
                                 "internalRemainingCredits": ledger.balance(rt.db, user.account_id)})


class UsageCharge(RequestBody):
    """A third-party cost the platform passes on to one user (samsar-js ``chargeExternalUserUtilityUsage``):
    ``credits`` directly, or ``cost_usd`` at 100 credits per dollar times the multiplier."""

    utility_type: str = Field("utility", max_length=100, validation_alias=aliases("utility_type", "utilityType",
                                                                                   "type"))
    credits: int | None = Field(None, gt=0, le=1_000_000)
    cost_usd: float | None = Field(None, gt=0, le=10_000, validation_alias=aliases("cost_usd", "costUsd"))
    multiplier: float = Field(1.0, gt=0, le=100, validation_alias=aliases("pricing_multiplier", "pricingMultiplier",
                                                                          "multiplier"))
    provider: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=200)


@router.post("/utils/usage_charge", summary="Charge an external user for utility usage (credits or cost_usd)")
def usage_charge(body: UsageCharge, rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    user = _user(principal)
    if body.credits is not None:
        amount = body.credits
    elif body.cost_usd is not None:
        amount = max(1, round(body.cost_usd * 100 * body.multiplier))
    else:
        raise BadRequest("credits or cost_usd is required.", field="credits")
    if body.quote_only:  # as on every paid route: the price, nothing charged
        balance = ledger.balance(rt.db, user.account_id, user.id)
        return _with_user(rt, user, {"status": "quote", "quote_only": True, "utilityType": body.utility_type,
                                     "credits": amount, "creditsCharged": 0, "sufficient": balance >= amount,
                                     "breakdown": [{"item": f"utility: {body.utility_type}", "credits": amount}]})
    ledger.post(rt.db, user.account_id, "charge", amount, note=f"utility: {body.utility_type}"[:300],
                external_user_id=user.id)
    return _with_user(rt, user, {"utilityType": body.utility_type, "provider": body.provider, "model": body.model,
                                 "creditsCharged": amount,
                                 "pricing": {"pricingMultiplier": body.multiplier, "creditsPerDollar": 100}}, amount)


class SystemPrompt(RequestBody):
    system_prompt: str | None = Field(None, max_length=20_000, validation_alias=aliases("system_prompt",
                                                                                         "systemPrompt"))


@router.post("/assistant/set_system_prompt", summary="Store or clear the external user's assistant prompt (free)")
def set_system_prompt(body: SystemPrompt, rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    user = _user(principal)
    external_users.set_system_prompt(rt.db, user, body.system_prompt)
    stored = external_users.get(rt.db, user.account_id, user.id)
    return _with_user(rt, stored, {"system_prompt": stored.system_prompt, "systemPrompt": stored.system_prompt})


class LoginTokenBody(RequestBody):
    redirect: str | None = Field(None, max_length=500, pattern=r"^/[^/\\]")  # a path on this server, not a URL


@router.post("/create_login_token", summary="A short-lived, single-use login token and URL for the external user")
def create_login_token(body: LoginTokenBody, rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    user = _user(principal)
    issued = credentials.issue(rt.db, "login", user.account_id, user.id)
    url = f"{rt.settings.public_base_url.rstrip('/')}/users/verify_token?loginToken={issued.token}"
    if body.redirect:
        url += f"&redirect={body.redirect}"
    return _with_user(rt, user, {"loginToken": issued.token, "loginUrl": url,
                                 "expiresInSeconds": int(credentials.LIFETIMES["login"].total_seconds()),
                                 "expiresAt": wire_time(issued.expires_at)})


@router.get("/list", summary="The account's external users with their balances, newest first (account credentials "
            "only; free)")
def list_users(rt: RuntimeDep, account: AccountAdminDep,
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    return {"external_users": [summary(rt, u) for u in external_users.newest(rt.db, account.id, limit)]}


# -- the user's library --------------------------------------------------------------------------------------------


def _summary_of(req: RequestRow) -> dict[str, Any]:
    return {**requests.status_payload(req), "external_request_id": req.id, "archived": req.archived,
            "created_at": wire_time(req.created_at), "updated_at": wire_time(req.updated_at)}


@router.get("/requests", summary="The external user's requests, newest first, archived ones left out (free)")
def list_requests(rt: RuntimeDep, principal: ExternalDep,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> JSONResponse:
    user = _user(principal)
    rows = requests.list_for(rt.db, principal.owner, None, limit, include_archived=False)
    return _with_user(rt, user, {"requests": [_summary_of(r) for r in rows]})


class RequestRef(RequestBody):
    request_id: str = Field(..., min_length=1, max_length=100, validation_alias=aliases(
        "request_id", "requestId", "session_id", "sessionId"))


@router.post("/archive", summary="Hide a request from the external user's library (free)")
def archive(body: RequestRef, rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    req = requests.get_owned(rt.db, principal.owner, body.request_id)
    requests.set_archived(rt.db, req.id, True)
    return _with_user(rt, _user(principal), {"request": {**_summary_of(req), "archived": True}})


@router.get("/status", summary="Status of an external user's request (the platform key alone resolves extreq_ ids)")
@router.get("/status_detailed", summary="Alias of /v1/external_users/status")
def status(rt: RuntimeDep, principal: PrincipalDep, request_id: str | None = None,
           session_id: str | None = None) -> dict[str, Any]:
    req = requests.get_owned(rt.db, principal.owner, request_id or session_id)
    if req.external_user_id is None:  # the account's own requests are not external requests
        raise NotFound(f"No external request with id {req.id!r}.", field="request_id")
    return {**requests.status_body(rt.db, req), "external_request_id": req.id, "external_session_id": req.id}


# -- video jobs, charged to the external user ------------------------------------------------------------------------


add_job_routes(
    router,
    [
        JobRoute("/text_to_video", TEXT_TO_VIDEO, TextToVideoRequest,
                 "/v1/video/text_to_video for an external user (their credits)", external=True),
        JobRoute("/image_list_to_video", IMAGE_LIST_TO_VIDEO, ImageListToVideoRequest,
                 "/v1/video/image_list_to_video for an external user (their credits)", external=True),
        JobRoute("/update_outro_image", UPDATE_OUTRO_IMAGE, OutroUpdate,
                 "/v1/video/update_outro_image on an external user's session", external=True),
        JobRoute("/add_outro_image", ADD_OUTRO_IMAGE, AddOutro,
                 "/v1/video/add_outro_image on an external user's session", external=True),
        JobRoute("/update_footer_image", UPDATE_FOOTER_IMAGE, FooterUpdate,
                 "/v1/video/update_footer_image on an external user's session", external=True),
    ],
)
