"""External users of an account (samsar-js "External users"): found by identity, created on first use.

An identity is what the SDK sends as ``external_user`` (``normalizeExternalUserIdentity``) or, for the v2
routes, flattened into the body or query: ``provider``, ``external_user_id``, ``unique_key`` and profile
fields. ``unique_key`` is the key within the account; when a caller gives none, the user is found by
``provider`` + ``external_user_id`` and a new one takes ``external_user_id`` as its key (the README's rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reelforge.core import ledger
from reelforge.core.errors import BadRequest, NotFound
from reelforge.core.ids import new_id
from reelforge.db.database import Database
from reelforge.db.models import ExternalUser, wire_time

PROFILE_FIELDS = {
    "email": ("email",),
    "username": ("username",),
    "display_name": ("display_name", "displayName"),
    "avatar_url": ("avatar_url", "avatarUrl"),
    "external_app_id": ("external_app_id", "externalAppId"),
    "external_company_id": ("external_company_id", "externalCompanyId"),
    "external_account_id": ("external_account_id", "externalAccountId"),
    "user_type": ("user_type", "userType"),
}
_MAX = 300


def _text(data: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, str | int) and str(value).strip():
            text = str(value).strip()
            if len(text) > _MAX:
                raise BadRequest(f"external_user.{names[0]} is longer than {_MAX} characters.",
                                 field=f"external_user.{names[0]}")
            return text
    return None


@dataclass(frozen=True)
class Identity:
    provider: str
    external_user_id: str | None
    unique_key: str | None
    profile: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.unique_key or self.external_user_id or ""


def identity_from(data: Mapping[str, Any] | None) -> Identity | None:
    """The identity in ``data`` (snake or camel case), or None when it names nobody."""
    if not data:
        return None
    uid = _text(data, "external_user_id", "externalUserId")
    key = _text(data, "unique_key", "uniqueKey")
    if not (uid or key):
        return None
    profile = {name: v for name, spellings in PROFILE_FIELDS.items() if (v := _text(data, *spellings))}
    return Identity(_text(data, "provider") or "", uid, key, profile)


def find(db: Database, account_id: str, ident: Identity) -> ExternalUser | None:
    with db.session() as s:
        by = ExternalUser.account_id == account_id
        if ident.unique_key:
            row = s.execute(select(ExternalUser).where(by, ExternalUser.unique_key == ident.unique_key)).scalar()
            if row is not None:
                return row
        if ident.external_user_id:
            q = select(ExternalUser).where(by, ExternalUser.external_user_id == ident.external_user_id)
            if ident.provider:
                q = q.where(ExternalUser.provider == ident.provider)
            row = s.execute(q.order_by(ExternalUser.created_at)).scalars().first()
            if row is not None:
                return row
            return s.execute(select(ExternalUser).where(by, ExternalUser.unique_key == ident.external_user_id)).scalar()
    return None


def resolve(db: Database, account_id: str, ident: Identity, *, create: bool = True) -> ExternalUser:
    """The account's external user with this identity, created on first use; its profile follows the
    latest values sent."""
    row = find(db, account_id, ident)
    if row is None:
        if not create:
            raise NotFound("No such external user.", field="external_user")
        try:
            with db.session() as s:
                row = ExternalUser(
                    id=new_id("xu", 6), account_id=account_id, provider=ident.provider,
                    external_user_id=ident.external_user_id or ident.key, unique_key=ident.key,
                    profile=dict(ident.profile), balance=0,
                )
                s.add(row)
            return row
        except IntegrityError:  # created by a concurrent request with the same identity
            row = find(db, account_id, ident)
            assert row is not None
            return row
    if ident.profile and {**row.profile, **ident.profile} != row.profile:
        with db.session() as s:
            stored = s.get(ExternalUser, row.id)
            assert stored is not None
            stored.profile = {**stored.profile, **ident.profile}
            row = stored
    return row


def get(db: Database, account_id: str, external_user_id: str) -> ExternalUser:
    with db.session() as s:
        row = s.get(ExternalUser, external_user_id)
    if row is None or row.account_id != account_id:
        raise NotFound("No such external user.", field="external_user")
    return row


def newest(db: Database, account_id: str, limit: int) -> list[ExternalUser]:
    """The account's external users, newest first (the Studio's list for the account)."""
    with db.session() as s:
        q = select(ExternalUser).where(ExternalUser.account_id == account_id)
        return list(s.execute(q.order_by(ExternalUser.created_at.desc()).limit(limit)).scalars())


def set_system_prompt(db: Database, user: ExternalUser, prompt: str | None) -> None:
    with db.session() as s:
        stored = s.get(ExternalUser, user.id)
        assert stored is not None
        stored.system_prompt = prompt or None


def payload(user: ExternalUser, balance: int | None = None) -> dict[str, Any]:
    """An external user as the API answers it."""
    remaining = user.balance if balance is None else balance
    return {
        "id": user.id,
        "provider": user.provider or None,
        "external_user_id": user.external_user_id,
        "unique_key": user.unique_key,
        **user.profile,
        "system_prompt": user.system_prompt,
        "credits": remaining,
        "remainingCredits": remaining,
        "created_at": wire_time(user.created_at),
    }


def grant(db: Database, user: ExternalUser, credits: int, note: str = "grant") -> int:
    if credits <= 0:
        raise BadRequest("credits must be a positive integer.", field="credits")
    return ledger.post(db, user.account_id, "grant", credits, note=note, external_user_id=user.id)


def transfer_in(s: Session, user: ExternalUser, credits: int, note: str = "") -> tuple[int, int]:
    """Move ``credits`` from the account's own wallet to its external user's inside the caller's transaction:
    both entries or neither (a 402 when the account has too few). Returns (account balance, user balance)."""
    if credits <= 0:
        raise BadRequest("credits must be a positive integer.", field="credits")
    suffix = f": {note}" if note else ""
    # The debit goes first: its guarded UPDATE refuses an over-balance grant before anything is credited.
    account_left = ledger.post_in(s, user.account_id, "adjustment", -credits,
                                  note=f"granted to external user {user.id}{suffix}"[:300])
    user_has = ledger.post_in(s, user.account_id, "grant", credits, note=f"granted by the account{suffix}"[:300],
                              external_user_id=user.id)
    return account_left, user_has
