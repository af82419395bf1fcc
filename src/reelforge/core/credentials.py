"""Credentials beside account API keys: login tokens, auth tokens, refresh tokens, app keys and external-user
API keys (one ``credentials`` table, ``db.models.Credential``).

Every token is opaque — a prefix naming its kind plus 32 random bytes from :mod:`secrets` — and stored only
as its SHA-256 (a brute-force-proof preimage at that entropy, and an indexable lookup key). App-key secrets
are chosen by the client, so they are stored as salted ``hashlib.scrypt`` hashes and compared with
:func:`hmac.compare_digest`. Every credential names its account (and optionally one external user), expires
and can be revoked; a revoked or expired credential fails on its next use, since every request reads its row.

Refresh tokens rotate: each use marks the token used and issues a new auth + refresh pair in the same
*family*; presenting a used refresh token again (a stolen copy racing its owner) revokes the whole family,
the auth tokens it issued included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reelforge.core.errors import BadRequest, Unauthorized
from reelforge.core.ids import new_id
from reelforge.db.database import Database
from reelforge.db.models import Credential, utcnow

Kind = Literal["login", "auth", "refresh", "app_key", "external_key"]

PREFIXES: dict[Kind, str] = {
    "login": "rf_login_",
    "auth": "rf_auth_",
    "refresh": "rf_refresh_",
    "app_key": "rf_app_",
    "external_key": "rf_xkey_",
}
LIFETIMES: dict[Kind, timedelta] = {
    "login": timedelta(minutes=10),  # a login link is opened at once or not at all
    "auth": timedelta(hours=1),
    "refresh": timedelta(days=30),
    "app_key": timedelta(days=365),
    "external_key": timedelta(days=365),
}
MIN_APP_SECRET = 32
# scrypt cost: n=2**14, r=8 is the interactive-login setting of the scrypt paper (~16 MiB, ~50 ms).
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def kind_of(token: str) -> Kind | None:
    """The credential kind a token's prefix names, or None (an account API key or garbage)."""
    return next((k for k, p in PREFIXES.items() if token.startswith(p)), None)


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt_b64), n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


@dataclass(frozen=True)
class Issued:
    token: str
    credential_id: str
    expires_at: datetime


def issue_in(
    s: Session,
    kind: Kind,
    account_id: str,
    external_user_id: str | None = None,
    *,
    family_id: str | None = None,
    secret_hash: str | None = None,
) -> Issued:
    token = PREFIXES[kind] + secrets.token_urlsafe(32)
    expires = utcnow() + LIFETIMES[kind]
    row = Credential(
        id=new_id("cred", 8), kind=kind, token_hash=token_hash(token), account_id=account_id,
        external_user_id=external_user_id, family_id=family_id, secret_hash=secret_hash,
        prefix=token[: len(PREFIXES[kind]) + 4], expires_at=expires,
    )
    s.add(row)
    return Issued(token, row.id, expires)


def issue(db: Database, kind: Kind, account_id: str, external_user_id: str | None = None) -> Issued:
    with db.session() as s:
        return issue_in(s, kind, account_id, external_user_id)


def _live(s: Session, token: str, kinds: tuple[Kind, ...]) -> Credential | None:
    """The unrevoked, unexpired credential ``token`` names, if of one of ``kinds``."""
    hashed = token_hash(token)
    row = s.execute(select(Credential).where(Credential.token_hash == hashed)).scalar_one_or_none()
    # The lookup is by hash; the compare re-checks it in constant time so no timing difference
    # depends on how much of a guessed token matched.
    if row is None or not hmac.compare_digest(row.token_hash, hashed):
        return None
    if row.kind not in kinds or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def authenticate(db: Database, token: str, kinds: tuple[Kind, ...] = ("auth", "external_key")) -> Credential:
    with db.session() as s:
        row = _live(s, token, kinds)
    if row is None:
        raise Unauthorized("Invalid or expired token.", field="Authorization")
    return row


def authenticate_app_key(db: Database, app_key: str, secret: str | None) -> Credential:
    with db.session() as s:
        row = _live(s, app_key, ("app_key",))
    # Verify the secret even for an unknown key, so both failures take the same time.
    ok = verify_secret(secret or "", row.secret_hash if row and row.secret_hash else _DUMMY_HASH)
    if row is None or not ok:
        raise Unauthorized("Invalid app key or secret.", field="Authorization")
    return row


_DUMMY_HASH = hash_secret("not a secret anyone holds: evens out the timing of unknown app keys")


@dataclass(frozen=True)
class TokenPair:
    """An auth token with the refresh token that renews it."""

    auth: Issued
    refresh: Issued
    account_id: str
    external_user_id: str | None


def _pair(s: Session, account_id: str, external_user_id: str | None, family_id: str) -> TokenPair:
    return TokenPair(
        issue_in(s, "auth", account_id, external_user_id, family_id=family_id),
        issue_in(s, "refresh", account_id, external_user_id, family_id=family_id),
        account_id,
        external_user_id,
    )


def _spend(s: Session, row: Credential) -> bool:
    """Mark a single-use credential used; False when someone used it first (a guarded update)."""
    changed: int = s.execute(  # type: ignore[attr-defined]
        update(Credential).where(Credential.id == row.id, Credential.used_at.is_(None)).values(used_at=utcnow())
    ).rowcount
    return changed == 1


def redeem_login(db: Database, login_token: str) -> TokenPair:
    """Exchange a login token (once) for an auth + refresh token pair of a new family."""
    with db.session() as s:
        row = _live(s, login_token, ("login",))
        if row is None or not _spend(s, row):
            raise Unauthorized("Invalid, expired or already used login token.", field="loginToken")
        return _pair(s, row.account_id, row.external_user_id, new_id("fam", 8))


def rotate_refresh(db: Database, refresh_token: str) -> TokenPair:
    """A new pair for a refresh token, used once; a second use revokes its whole family."""
    if not refresh_token:
        raise BadRequest("refreshToken is required.", field="refreshToken")
    with db.session() as s:
        row = _live(s, refresh_token, ("refresh",))
        if row is not None and row.family_id and _spend(s, row):
            return _pair(s, row.account_id, row.external_user_id, row.family_id)
    if row is not None and row.family_id:
        revoke_family(db, row.family_id)
    raise Unauthorized("Invalid, expired or already used refresh token.", field="refreshToken")


def revoke_family(db: Database, family_id: str) -> None:
    with db.session() as s:
        s.execute(
            update(Credential)
            .where(Credential.family_id == family_id, Credential.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def revoke(db: Database, *, account_id: str, external_user_id: str | None, kind: Kind,
           credential_id: str | None = None) -> int:
    """Revoke the owner's live credentials of ``kind`` (one of them when ``credential_id`` is given)."""
    q = update(Credential).where(
        Credential.account_id == account_id, Credential.kind == kind, Credential.revoked_at.is_(None),
        Credential.external_user_id.is_(None) if external_user_id is None
        else Credential.external_user_id == external_user_id,
    )
    if credential_id is not None:
        q = q.where(Credential.id == credential_id)
    with db.session() as s:
        count: int = s.execute(q.values(revoked_at=utcnow())).rowcount  # type: ignore[attr-defined]
    return count


def live_of(db: Database, *, account_id: str, external_user_id: str | None, kind: Kind) -> list[Credential]:
    q = select(Credential).where(
        Credential.account_id == account_id, Credential.kind == kind, Credential.revoked_at.is_(None),
        Credential.expires_at > utcnow(),
        Credential.external_user_id.is_(None) if external_user_id is None
        else Credential.external_user_id == external_user_id,
    )
    with db.session() as s:
        return list(s.execute(q.order_by(Credential.created_at)).scalars())
