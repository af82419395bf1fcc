"""Per-account assistant system prompts: set, clear (None or empty) and read."""

from __future__ import annotations

from reelforge.db.database import Database
from reelforge.db.models import AssistantPrompt

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
