"""Credentials beside API keys (core/credentials.py), on samsar-js's paths: login tokens
(``/v1/create_login_token``), their exchange at the server root (``/users/verify_token``: samsar-js's
``verifyClientSession`` strips the version prefix), refresh-token rotation (``/v2/user/refresh_token``),
app keys (``/v2/users/app_key``, ``…/refresh``), and the v2 programmatic-user routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import Field, field_validator

from reelforge.api.deps import ActingDep, PrincipalDep, RuntimeDep, authenticate
from reelforge.api.routers.external_users import summary
from reelforge.api.studio import login_redirect
from reelforge.core import credentials, external_users, ledger, requests
from reelforge.core.errors import BadRequest, Unauthorized
from reelforge.core.principals import Principal
from reelforge.db.models import Credential, wire_time
from reelforge.jobs.body import RequestBody, aliases
from reelforge.pipeline.submit import credit_headers
from reelforge.runtime import Runtime

router = APIRouter(tags=["credentials"])


def _iso(issued: credentials.Issued) -> str:
    return wire_time(issued.expires_at)


def _who(rt: Runtime, principal: Principal) -> dict[str, Any]:
    """VerifiedClientSessionResponse's user fields."""
    user = principal.external_user
    if user is None:
        remaining = ledger.balance(rt.db, principal.account_id)
        return {"isExternalUser": False, "_id": principal.account_id, "username": principal.account.name,
                "generationCredits": remaining, "remainingCredits": remaining}
    info = summary(rt, user)
    return {"isExternalUser": True, "_id": user.id, "provider": info["provider"],
            "externalUserId": user.external_user_id, "uniqueKey": user.unique_key,
            "email": info.get("email"), "username": info.get("username"), "displayName": info.get("display_name"),
            "avatarUrl": info.get("avatar_url"), "externalAppId": info.get("external_app_id"),
            "generationCredits": info["credits"], "remainingCredits": info["credits"], "external_user": info}


def _pair_body(pair: credentials.TokenPair) -> dict[str, Any]:
    return {"authToken": pair.auth.token, "refreshToken": pair.refresh.token, "expiryDate": _iso(pair.auth),
            "refreshTokenExpiryDate": _iso(pair.refresh), "tokenType": "Bearer"}


@router.post("/v1/create_login_token", summary="A short-lived, single-use login token for the caller")
@router.post("/v2/create_login_token", summary="Alias of /v1/create_login_token")
def create_login_token(rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    issued = credentials.issue(rt.db, "login", principal.account_id, principal.external_user_id)
    return {"loginToken": issued.token, "expiresAt": _iso(issued),
            "expiresInSeconds": int(credentials.LIFETIMES["login"].total_seconds())}


@router.get("/users/verify_token", summary="Exchange a login token (once) for an auth + refresh token, or "
            "verify an auth token; a browser opening a login link is sent on to the Studio",
            response_model=None, responses={303: {"description": "A browser's navigation: on to the Studio, "
                                                                 "which redeems the login token"}})
def verify_token(
    request: Request,
    rt: RuntimeDep,
    login_token: Annotated[str | None, Query(alias="loginToken")] = None,
    auth_token: Annotated[str | None, Query(alias="authToken")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any] | RedirectResponse:
    if login_token and (to_studio := login_redirect(request, login_token.strip())):
        return to_studio
    if login_token:
        pair = credentials.redeem_login(rt.db, login_token.strip())
        principal = authenticate(rt.db, f"Bearer {pair.auth.token}")
        return {**_who(rt, principal), **_pair_body(pair)}
    if auth_token:
        authorization = f"Bearer {auth_token.strip()}"
    if not authorization:
        raise BadRequest("loginToken or authToken is required.", field="loginToken")
    principal = authenticate(rt.db, authorization)
    return {**_who(rt, principal), "valid": True}


class RefreshBody(RequestBody):
    refresh_token: str = Field(..., min_length=1, max_length=200, validation_alias=aliases(
        "refreshToken", "refresh_token"))


@router.post("/v2/user/refresh_token", summary="Rotate a refresh token: a new auth + refresh pair; a reused "
             "refresh token revokes its whole family")
def refresh_token(body: RefreshBody, rt: RuntimeDep) -> dict[str, Any]:
    return _pair_body(credentials.rotate_refresh(rt.db, body.refresh_token))


# -- app keys --------------------------------------------------------------------------------------------------------


class AppKeyBody(RequestBody):
    secret: str = Field(..., max_length=500, validation_alias=aliases("secret", "appSecret", "app_secret"))

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value) < credentials.MIN_APP_SECRET:
            raise ValueError(f"secret must be at least {credentials.MIN_APP_SECRET} characters")
        return value


class AppKeyRefreshBody(AppKeyBody):
    app_key: str | None = Field(None, max_length=200, validation_alias=aliases("app_key", "appKey"))


def _record(row: Credential) -> dict[str, Any]:
    return {"id": row.id, "appKeyPrefix": row.prefix, "status": "revoked" if row.revoked_at else "active",
            "expiresAt": wire_time(row.expires_at), "createdAt": wire_time(row.created_at),
            "revokedAt": wire_time(row.revoked_at),
            "authScheme": "AppKey", "authHeader": "Authorization", "secretHeader": "x-app-secret"}


def _issued_app_key(rt: Runtime, principal: Principal, secret: str) -> dict[str, Any]:
    with rt.db.session() as s:
        issued = credentials.issue_in(s, "app_key", principal.account_id, principal.external_user_id,
                                      secret_hash=credentials.hash_secret(secret))
        row = s.get(Credential, issued.credential_id)
        assert row is not None
        record = _record(row)
    return {"app_key": issued.token, "appKey": issued.token, "token_type": "AppKey", "tokenType": "AppKey",
            "expires_at": _iso(issued), "expiresAt": _iso(issued), "app_key_record": record, "appKeyRecord": record}


@router.post("/v2/users/app_key", summary="Create an app key for unattended use; the secret (≥ 32 chars) is "
             "stored only as a scrypt hash")
def create_app_key(body: AppKeyBody, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    if principal.credential == "app_key":
        raise Unauthorized("An app key cannot create app keys; refresh it instead.", field="Authorization")
    return _issued_app_key(rt, principal, body.secret)


@router.get("/v2/users/app_key", summary="The caller's live app keys (never their secrets)")
def list_app_keys(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    rows = credentials.live_of(rt.db, account_id=principal.account_id, external_user_id=principal.external_user_id,
                               kind="app_key")
    records = [_record(r) for r in rows]
    return {"app_keys": records, "appKeys": records, "app_key_record": records[-1] if records else None}


@router.post("/v2/users/app_key/refresh", summary="Rotate an app key: a new key with the same secret, the old "
             "one revoked at once")
def refresh_app_key(body: AppKeyRefreshBody, rt: RuntimeDep,
                    authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    key = body.app_key
    if key is None and authorization and authorization.strip().lower().startswith("appkey "):
        key = authorization.strip()[7:].strip()
    if not key:
        raise BadRequest("app_key is required.", field="app_key")
    cred = credentials.authenticate_app_key(rt.db, key, body.secret)
    principal = authenticate(rt.db, f"AppKey {key}", app_secret=body.secret)
    credentials.revoke(rt.db, account_id=cred.account_id, external_user_id=cred.external_user_id, kind="app_key",
                       credential_id=cred.id)
    return _issued_app_key(rt, principal, body.secret)


@router.delete("/v2/users/app_key", summary="Revoke app keys: the calling one, or all of the caller's")
def revoke_app_key(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    only = principal.credential_id if principal.credential == "app_key" else None
    count = credentials.revoke(rt.db, account_id=principal.account_id, external_user_id=principal.external_user_id,
                               kind="app_key", credential_id=only)
    return {"revoked": count, "status": "revoked"}


# -- v2 programmatic users --------------------------------------------------------------------------------------------


@router.post("/v2/user/create_external_user", summary="Create (or find) an external user of the account")
def create_external_user(rt: RuntimeDep, principal: PrincipalDep,
                         body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
    if principal.external_user is not None:
        raise Unauthorized("Only the platform's own credentials may create external users.", field="Authorization")
    # samsar-js sends the identity flat in the body, the provider (when given) nested under external_user.
    nested = body.get("external_user") or body.get("externalUser")
    ident = external_users.identity_from({**body, **nested} if isinstance(nested, dict) else body)
    if ident is None:
        raise BadRequest("unique_key or external_user_id is required.", field="unique_key")
    user = external_users.resolve(rt.db, principal.account_id, ident)
    info = summary(rt, user)
    reference = {"provider": info["provider"], "unique_key": user.unique_key,
                 "external_user_id": user.external_user_id, "external_app_id": info.get("external_app_id")}
    return JSONResponse({**reference, "external_user": info, "externalUser": info, "reference": reference},
                        headers=credit_headers(0, info["credits"]))


@router.get("/v2/user/credits", summary="The caller's balance (an external user's own)")
@router.get("/v2/credits", summary="Alias of /v2/user/credits")
def v2_credits(rt: RuntimeDep, principal: ActingDep) -> JSONResponse:
    remaining = ledger.balance(rt.db, principal.account_id, principal.external_user_id)
    body: dict[str, Any] = {"remainingCredits": remaining, "credits": remaining, "lastTopUp": None}
    if principal.external_user is not None:
        body["external_user"] = summary(rt, principal.external_user)
    return JSONResponse(body, headers=credit_headers(0, remaining))




def _pagination(page: int, size: int, total: int) -> dict[str, Any]:
    pages = max(1, -(-total // size))
    return {"page": page, "pageSize": size, "totalItems": total, "totalPages": pages,
            "hasNextPage": page < pages, "hasPreviousPage": page > 1}


Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=200)]


@router.get("/v2/user/usage/logs", summary="The caller's ledger entries (an external user's own), newest first")
def usage_logs(rt: RuntimeDep, principal: ActingDep, page: Page = 1, page_size: PageSize = 50,
               limit: Annotated[int | None, Query(ge=1, le=200)] = None) -> dict[str, Any]:
    size = limit or page_size
    rows, total = ledger.page(rt.db, principal.account_id, principal.external_user_id, (page - 1) * size, size)
    items = [{"id": str(e.id), "source": e.kind, "credits": e.amount, "balanceAfter": e.balance_after,
              "direction": "debit" if e.amount < 0 else "credit",
              "metadata": {"request_id": e.request_id, "note": e.note},
              "createdAt": wire_time(e.created_at)} for e in rows]
    return {"items": items, "pagination": _pagination(page, size, total)}


@router.get("/v2/requests", summary="The caller's requests (an external user's own), newest first")
def v2_requests(rt: RuntimeDep, principal: ActingDep, page: Page = 1, page_size: PageSize = 50,
                limit: Annotated[int | None, Query(ge=1, le=200)] = None) -> dict[str, Any]:
    size = limit or page_size
    rows, total = requests.page_for(rt.db, principal.owner, (page - 1) * size, size)
    return {"requests": [{**requests.status_payload(r), "created_at": wire_time(r.created_at),
                          "archived": r.archived} for r in rows],
            "pagination": _pagination(page, size, total)}
