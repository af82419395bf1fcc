"""``POST /v2/credits/grant`` (samsar-js ``grantV2Credits``): an account gives some of its own credits to one of
its external users (a platform's user, or a programmatic v2 user made with ``/v2/user/create_external_user``).

The credits move: the account's wallet is debited and the user's credited in one transaction
(``core.external_users.transfer_in``), so the account can never grant more than it has (402, nothing moved)
and the two balances always add up. Only the account's own credentials grant (an external user's credential
spends its wallet, never fills it: 403), and only to a user of the same account that already exists (404
otherwise: a grant never creates a user, and another account's users are not there to find).

samsar-js sends ``{"input": {"credits": n, ...}}`` with the recipient beside ``input``: flattened
(``unique_key``, ``external_user_id``) when the identity has no provider, else nested as ``external_user``.
The recipient may also be given inside ``input``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from reelforge.api.deps import IdempotencyKeyDep, PrincipalDep, RuntimeDep
from reelforge.api.routers.external_users import summary
from reelforge.core import external_users, idempotency, payments
from reelforge.core.errors import BadRequest, Forbidden
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.embeddings import ExternalUser as ExternalUserRef
from reelforge.pipeline.submit import credit_headers

router = APIRouter(tags=["payments"])

# The recipient's fields as samsar-js may place them beside ``input`` (``withV2ExternalUser``).
_RECIPIENT_KEYS = ("external_user", "externalUser", "provider", "external_user_id", "externalUserId", "unique_key",
                   "uniqueKey")


class GrantBody(RequestBody):
    credits: int = Field(..., gt=0, le=payments.MAX_CREDITS,
                         validation_alias=aliases("credits", "credits_to_grant", "creditsToGrant"))
    note: str | None = Field(None, max_length=200, description="Kept on both ledger entries")
    external_user: ExternalUserRef | None = Field(None, validation_alias=aliases("external_user", "externalUser"))
    provider: str | None = Field(None, max_length=100)
    external_user_id: str | None = Field(None, max_length=300,
                                         validation_alias=aliases("external_user_id", "externalUserId"))
    unique_key: str | None = Field(None, max_length=300, validation_alias=aliases("unique_key", "uniqueKey"))

    @model_validator(mode="before")
    @classmethod
    def _recipient_beside_input(cls, data: Any) -> Any:
        # Runs before RequestBody's unwrapping of ``input``, which keeps only envelope fields beside it.
        if isinstance(data, dict) and isinstance(data.get("input"), dict):
            beside = {k: v for k, v in data.items() if k in _RECIPIENT_KEYS}
            return {**data, "input": {**beside, **data["input"]}}
        return data

    def recipient(self) -> external_users.Identity | None:
        named = self.external_user or self
        return external_users.identity_from(
            {"provider": named.provider, "external_user_id": named.external_user_id, "unique_key": named.unique_key})


GRANT_PATH = "/v2/credits/grant"


@router.post(
    GRANT_PATH,
    summary="Move credits from the account's wallet to one of its external users (free; 402 over the balance)",
    responses={403: {"description": "An external user's credential: only the account grants",
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}},
)
def grant(body: GrantBody, rt: RuntimeDep, principal: PrincipalDep, key: IdempotencyKeyDep) -> JSONResponse:
    if principal.external_user is not None:
        raise Forbidden("An external user's credential cannot grant credits; the account's own credential grants.",
                        field="Authorization")
    ident = body.recipient()
    if ident is None:
        raise BadRequest("external_user (unique_key or external_user_id) names who receives the credits.",
                         field="external_user")
    user = external_users.resolve(rt.db, principal.account_id, ident, create=False)
    claimed: idempotency.Claim | None = None
    if key:  # a retried grant with the same key answers the first one again instead of moving credits twice
        found = idempotency.claim(rt.db, principal.account_id, key,
                                  idempotency.fingerprint(GRANT_PATH, body.fingerprint_payload()))
        if isinstance(found, idempotency.Replay):
            return JSONResponse(found.body, found.status_code, {**found.headers, "idempotent-replayed": "true"})
        claimed = found
    profile = summary(rt, user)
    try:
        with rt.db.session() as s:
            account_left, user_has = external_users.transfer_in(s, user, body.credits, body.note or "")
            info = {**profile, "credits": user_has, "remainingCredits": user_has, "generation_credits": user_has}
            answer = {"creditsGranted": body.credits, "remainingCredits": user_has,
                      "internalRemainingCredits": account_left, "external_user": info, "externalUser": info}
            # The caller's wallet is the account's: the headers show its balance after the move, which is not
            # a charge (no fee), so x-credits-charged is 0.
            headers = credit_headers(0, account_left)
            if claimed:  # recorded in the transaction that moves the credits: both or neither
                idempotency.record_in(s, principal.account_id, claimed, 200, answer, headers)
    except Exception:
        if claimed:
            idempotency.release(rt.db, principal.account_id, claimed)
        raise
    return JSONResponse(answer, headers=headers)
