"""What a stage function receives besides its typed arguments: the runtime and the request it
works for (its id names the files it writes), a scratch directory, and cancellation."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from reelforge.core import requests
from reelforge.db.models import Request, StageRun
from reelforge.db.retry import is_transient
from reelforge.render.chunks import ChunkRunner
from reelforge.runtime import Runtime
from reelforge.stages.outputs import StageOutput

OutT = TypeVar("OutT", bound=StageOutput)


@dataclass
class StageEnv:
    rt: Runtime
    request: Request
    # Where a render may hand its chunks to other workers (pipeline/render_chunks.py); None: render here.
    chunk_runner: ChunkRunner | None = None

    @property
    def request_id(self) -> str:
        return self.request.id

    def is_cancelled(self) -> bool:
        try:
            return requests.get(self.rt.db, self.request.id).status == "CANCELLED"
        except Exception as exc:
            if is_transient(exc):  # the database is restarting: keep working, ask again next poll
                return False
            raise

    def work_dir(self) -> Path:
        path = self.rt.settings.data_dir.resolve() / "work" / self.request.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def clean_work_dir(self) -> None:
        shutil.rmtree(self.rt.settings.data_dir.resolve() / "work" / self.request.id, ignore_errors=True)

    def session_file(self, name: str) -> str:
        """The blob key of a file this request's session owns."""
        return f"sessions/{self.request.id}/{name}"

    def earlier_output(self, request_id: str, model: type[OutT]) -> OutT:
        """The output another request's stage recorded (an operation re-uses its source's script
        or narration)."""
        with self.rt.db.session() as s:
            out = s.execute(
                select(StageRun.output)
                .where(
                    StageRun.request_id == request_id,
                    StageRun.stage == model.STAGE,
                    StageRun.status.in_(("COMPLETED", "REUSED")),
                )
                .order_by(StageRun.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        if out is None:
            raise ValueError(f"no {model.STAGE} output recorded for {request_id}")
        return model.model_validate(out)
