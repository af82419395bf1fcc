"""Input blobs written before the transaction that accepts their request.

A request's media is stored before its charge commits, so that the commit alone makes the
request runnable (pipeline/submit.py). Each blob is first journalled here (own transaction),
then written; the accepting transaction drops the journal rows of its submission, a refused
submission deletes its blobs and rows, and rows a dead process left behind name orphans that
:func:`sweep` deletes once they are older than any submission can take.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reelforge.db.database import Database
from reelforge.db.models import StagedInput, utcnow
from reelforge.storage.blobs import BlobStore

log = logging.getLogger("reelforge.staged_inputs")


def journal(db: Database, submission_id: str, key: str) -> None:
    with db.session() as s:
        s.add(StagedInput(key=key, submission_id=submission_id))


def accept_in(s: Session, submission_id: str) -> None:
    """In the accepting transaction: the submission's blobs now belong to its request."""
    s.execute(delete(StagedInput).where(StagedInput.submission_id == submission_id))


def discard(db: Database, blobs: BlobStore, submission_id: str) -> None:
    """Delete what a submission stored unless it was accepted: driven by the journal, so a
    request whose commit went through (even if its process never heard so) keeps its inputs."""
    with db.session() as s:
        keys = list(s.scalars(select(StagedInput.key).where(StagedInput.submission_id == submission_id)))
    for key in keys:
        blobs.delete(key)
    if keys:
        with db.session() as s:
            s.execute(delete(StagedInput).where(StagedInput.submission_id == submission_id))


def sweep(db: Database, blobs: BlobStore, older_than: timedelta) -> int:
    """Delete blobs journalled longer ago than ``older_than`` and never accepted; returns how many."""
    with db.session() as s:
        keys = list(
            s.scalars(select(StagedInput.key).where(StagedInput.created_at < utcnow() - older_than).limit(500))
        )
    for key in keys:
        try:
            blobs.delete(key)
        except Exception:  # the store is down: the row stays and the next sweep tries again
            log.exception("could not delete orphaned input %s", key)
            continue
        with db.session() as s:
            s.execute(delete(StagedInput).where(StagedInput.key == key))
    return len(keys)
