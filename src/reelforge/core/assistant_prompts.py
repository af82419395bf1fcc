"""Assistant system prompts: per account (set, clear with None or empty, read) and, through
:func:`prompt_for`, the one an owner's assistant turn starts with (an external user's own prompt first,
then their account's, then the default)."""

from __future__ import annotations

from reelforge.core.principals import Owner
from reelforge.db.database import Database
from reelforge.db.models import AssistantPrompt, ExternalUser

DEFAULT_PROMPT = (
    "You are the reelforge assistant for short marketing videos. Answer briefly and concretely, "
    "using the video session's details when they are given."
)


def set_prompt(db: Database, account_id: str, prompt: str | None) -> str | None:
    with db.session() as s:
        row = s.get(AssistantPrompt, account_id)
        if not prompt or not prompt.strip():
            if row is not None:
                s.delete(row)
            return None
        if row is None:
            s.add(AssistantPrompt(account_id=account_id, system_prompt=prompt.strip()))
        else:
            row.system_prompt = prompt.strip()
        return prompt.strip()


def get_prompt(db: Database, account_id: str) -> str | None:
    with db.session() as s:
        row = s.get(AssistantPrompt, account_id)
        return row.system_prompt if row else None


def prompt_for(db: Database, owner: Owner) -> str:
    """The system prompt of ``owner``'s assistant: an external user's own
    (``/v1/external_users/assistant/set_system_prompt``), else the account's, else :data:`DEFAULT_PROMPT`.
    The account's prompt is the platform's default for users who set none."""
    if owner.external_user_id is not None:
        with db.session() as s:
            user = s.get(ExternalUser, owner.external_user_id)
            own = user.system_prompt if user is not None and user.account_id == owner.account_id else None
        if own:
            return own
    return get_prompt(db, owner.account_id) or DEFAULT_PROMPT
