"""Who a request acts for: an account, or one external user of it.

Every ownership check goes through :class:`Owner`: an account-level caller (its API key) sees all of its
account's requests, external users' included (so ``extreq_…`` ids resolve from the platform key alone);
an external-user caller sees only that external user's. Everything else is a 404, never a 403, so ids
don't leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelforge.db.models import Account, ExternalUser


@dataclass(frozen=True)
class Owner:
    account_id: str
    external_user_id: str | None = None

    def owns(self, account_id: str, external_user_id: str | None) -> bool:
        if account_id != self.account_id:
            return False
        return self.external_user_id is None or self.external_user_id == external_user_id


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. ``credential`` names how it authenticated (``api_key``, ``auth``,
    ``app_key``, ``external_key``); ``credential_id`` the credential row (None for API keys)."""

    # An external user's own credential may spend and read their wallet, never grant to it: only the
    # account (``external_user is None``, or ``delegated``) may.

    account: Account
    external_user: ExternalUser | None = None
    credential: str = "api_key"
    credential_id: str | None = None
    delegated: bool = False  # a platform caller acting for one of its external users (not their own credential)

    @property
    def account_id(self) -> str:
        return self.account.id

    @property
    def external_user_id(self) -> str | None:
        return self.external_user.id if self.external_user else None

    @property
    def owner(self) -> Owner:
        return Owner(self.account.id, self.external_user_id)

    def acting_for(self, user: ExternalUser) -> Principal:
        """The same caller narrowed to one external user of its account."""
        return Principal(self.account, user, self.credential, self.credential_id, delegated=True)

    @property
    def is_platform(self) -> bool:
        """Whether the caller speaks for the whole account (its API key, or an account-level token)."""
        return self.external_user is None or self.delegated
