"""What an assistant knows about a video session: its prompt, scene titles and narration, subtitles
and result URL, as plain text for a language model's system message."""

from __future__ import annotations

from reelforge.core import requests
from reelforge.core.principals import Owner
from reelforge.runtime import Runtime
from reelforge.sessions.store import latest_document

# The case type of a blank assistant session (jobs/chat.py): a thread with no video behind it.
ASSISTANT_SESSION = "assistant_session"

# A 135M model's 4k context must still hold the thread and the reply: keep the brief short.
MAX_CONTEXT_CHARS = 2400


def session_context(rt: Runtime, owner: Owner, session_id: str) -> str:
    """The session as text; 404 when it does not exist or ``owner`` may not see it (another account,
    or another external user of the same account)."""
    request = requests.get_owned(rt.db, owner, session_id, field="session_id")
    if request.case_type == ASSISTANT_SESSION:
        name = request.input.get("session_name")
        return f"Assistant session {session_id}" + (f" ({name})." if name else ".")
    lines = [f"Video session {session_id} ({request.case_type}, status {request.status})."]
    prompt = request.input.get("prompt")
    if isinstance(prompt, str) and prompt.strip():
        lines.append(f"Brief: {prompt.strip()}")
    found = latest_document(rt, session_id)
    if found is not None:
        doc, _ = found
        lines.append(f"Language: {doc.language}. Duration: {doc.duration:.1f} s.")
        for number, scene in enumerate(doc.scenes, start=1):
            said = scene.narration or " ".join(item.text for item in scene.subtitles)
            lines.append(f"Scene {number}: {scene.title or 'untitled'} - {said}".rstrip(" -"))
    url = request.result.get("result_url") if request.result else None
    if url:
        lines.append(f"Result video: {url}")
    return "\n".join(lines)[:MAX_CONTEXT_CHARS]
