"""Accounts and API keys. Keys are shown once and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from reelforge.core import ledger
from reelforge.core.errors import BadRequest, NotFound, Unauthorized
from reelforge.core.ids import new_id
from reelforge.db.database import Database
from reelforge.db.models import Account, ApiKey, utcnow

KEY_PREFIX = "rf_live_"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    account_id: str
    key_id: str
    plaintext: str


def create_account(db: Database, name: str, credits: int = 0) -> Account:
    with db.session() as s:
        account = Account(id=new_id("acct", 8), name=name, balance=0)
        s.add(account)
    if credits:
        ledger.post(db, account.id, "grant", credits, note="starting credits")
    return account


def create_api_key(db: Database, account_id: str) -> NewKey:
    plaintext = KEY_PREFIX + secrets.token_urlsafe(24)
    with db.session() as s:
        if s.get(Account, account_id) is None:
            raise NotFound(f"account {account_id} does not exist", field="account_id")
        key = ApiKey(id=new_id("key", 8), account_id=account_id, key_hash=hash_key(plaintext), prefix=plaintext[:12])
        s.add(key)
    return NewKey(account_id=account_id, key_id=key.id, plaintext=plaintext)


def bearer_token(authorization: str | None) -> str:
    """The key in ``Authorization: Bearer <key>``; 400 when absent, empty or another scheme."""
    if authorization is None or not authorization.strip():
        raise BadRequest("Missing API key: send 'Authorization: Bearer <key>'.", field="Authorization")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadRequest("Malformed Authorization header: expected 'Bearer <key>'.", field="Authorization")
    return token.strip()


def authenticate(db: Database, authorization: str | None) -> Account:
    """Resolve ``Authorization: Bearer <key>``: 400 when absent or empty, 401 when unknown."""
    token = bearer_token(authorization)
    with db.session() as s:
        account = s.execute(
            select(Account)
            .join(ApiKey, ApiKey.account_id == Account.id)
            .where(ApiKey.key_hash == hash_key(token), ApiKey.revoked_at.is_(None))
        ).scalar_one_or_none()
    if account is None:
        raise Unauthorized("Invalid API key.", field="Authorization")
    return account


def list_api_keys(db: Database, account_id: str) -> list[ApiKey]:
    """The account's keys, oldest first, revoked ones included (their prefix and dates only)."""
    with db.session() as s:
        rows = s.execute(select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.created_at, ApiKey.id))
        return list(rows.scalars())


def revoke_api_key(db: Database, account_id: str, key_id: str) -> ApiKey:
    """Revoke one of the account's keys (idempotent: a revoked key keeps its first revocation time).
    Another account's key is a 404, as an unknown one: ids never leak across accounts."""
    with db.session() as s:
        key = s.get(ApiKey, key_id)
        if key is None or key.account_id != account_id:
            raise NotFound(f"No API key with id {key_id!r}.", field="key_id")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
    return key
