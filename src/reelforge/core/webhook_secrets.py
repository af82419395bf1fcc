"""Per-account webhook signing secrets (``whsec_…``), encrypted at rest.

An account creates or rotates its secret with ``POST /v1/webhooks/secret`` and sees it once;
the database keeps only a Fernet token (key: ``settings.resolved_webhook_encryption_key``).
Rotation keeps the previous secrets signing for ``overlap`` — deliveries then carry one
``v1,…`` signature per secret, space-separated, as Standard Webhooks allows — so a receiver
can switch without dropping deliveries. Accounts that never created one are signed with the
deployment-wide secret (``REELFORGE_WEBHOOK_SECRET``).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography.fernet import Fernet
from sqlalchemy import Select, or_, select, update

from reelforge.core.ids import new_id
from reelforge.db.database import Database
from reelforge.db.models import WebhookSecret, utcnow
from reelforge.settings import Settings


@dataclass(frozen=True)
class SecretInfo:
    id: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


@lru_cache(maxsize=8)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def _cipher(settings: Settings) -> Fernet:
    return _fernet(settings.resolved_webhook_encryption_key)


def _active(account_id: str) -> Select[WebhookSecret]:
    now = utcnow()
    return select(WebhookSecret).where(
        WebhookSecret.account_id == account_id,
        or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > now),
    )


def rotate(db: Database, settings: Settings, account_id: str, overlap: timedelta) -> tuple[SecretInfo, str]:
    """A new secret for the account (returned in plain text, the only time it is); the ones it
    replaces keep signing until ``overlap`` from now."""
    # Standard base64 of 24 random bytes, as the Standard Webhooks libraries expect.
    plain = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    until = utcnow() + overlap
    with db.session() as s:
        s.execute(
            update(WebhookSecret)
            .where(
                WebhookSecret.account_id == account_id,
                or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > until),
            )
            .values(expires_at=until)
        )
        row = WebhookSecret(
            id=new_id("whs"),
            account_id=account_id,
            encrypted=_cipher(settings).encrypt(plain.encode()).decode(),
            prefix=plain[:12],
        )
        s.add(row)
        s.flush()
        info = SecretInfo(row.id, row.prefix, row.created_at, row.expires_at)
    return info, plain


def listed(db: Database, account_id: str) -> list[SecretInfo]:
    """The account's secrets that still sign, newest first, without the secrets themselves."""
    with db.session() as s:
        rows = s.scalars(_active(account_id).order_by(WebhookSecret.created_at.desc()))
        return [SecretInfo(r.id, r.prefix, r.created_at, r.expires_at) for r in rows]


def signing_secrets(db: Database, settings: Settings, account_id: str) -> list[str]:
    """The secrets a delivery for ``account_id`` is signed with: its own (newest first), else the
    deployment-wide one."""
    with db.session() as s:
        tokens = list(
            s.scalars(
                _active(account_id)
                .with_only_columns(WebhookSecret.encrypted)
                .order_by(WebhookSecret.created_at.desc())
            )
        )
    if not tokens:
        return [settings.resolved_webhook_secret]
    cipher = _cipher(settings)
    return [cipher.decrypt(token.encode()).decode() for token in tokens]
