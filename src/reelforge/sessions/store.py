"""Persistence of session documents: one row per version."""

from __future__ import annotations

from sqlalchemy import func, select

from reelforge.db.models import Request, SessionVersion
from reelforge.runtime import Runtime
from reelforge.sessions.document import SessionDocument


def save_version(rt: Runtime, request: Request, doc: SessionDocument) -> int:
    """Store ``doc`` as the next version of the request's session; idempotent per request so a
    re-run stage after a crash does not add a second version."""
    session_id = request.session_id or request.id
    with rt.db.session() as s:
        existing = s.execute(select(SessionVersion).where(SessionVersion.request_id == request.id)).scalar_one_or_none()
        if existing is not None:
            existing.document = doc.to_json_dict()
            return existing.version
        latest = (
            s.execute(
                select(func.max(SessionVersion.version)).where(SessionVersion.session_id == session_id)
            ).scalar_one_or_none()
            or 0
        )
        s.add(
            SessionVersion(
                session_id=session_id,
                account_id=request.account_id,
                request_id=request.id,
                version=latest + 1,
                document=doc.to_json_dict(),
            )
        )
        return latest + 1


def latest_document(rt: Runtime, session_id: str) -> tuple[SessionDocument, SessionVersion] | None:
    with rt.db.session() as s:
        row = s.execute(
            select(SessionVersion)
            .where(SessionVersion.session_id == session_id)
            .order_by(SessionVersion.version.desc())
            .limit(1)
        ).scalar_one_or_none()
    if row is None:
        return None
    return SessionDocument.model_validate(row.document), row
