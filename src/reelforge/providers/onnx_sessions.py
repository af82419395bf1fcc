"""onnxruntime session options shared by the local models (OCR, the Piper voice).

onnxruntime's thread pool spins after each operator, waiting for the next one. On a busy host that
burns the cores other work needs: OCR of a 1792x1024 frame took 4.5 s of CPU per 2.3 s with
spinning, 3.7 s per 2.1 s without (5 calls, 2 cores); six Piper sentences next to one busy core,
1.79 s of CPU with it, 1.28 s without (the same wall time). So every session is built without it;
the pool keeps its threads, so an idle machine still runs one model on all its cores."""

from __future__ import annotations

from typing import Any

NO_SPINNING = {"session.intra_op.allow_spinning": "0", "session.inter_op.allow_spinning": "0"}


def without_spinning(options: Any) -> Any:
    """``options`` (an ``onnxruntime.SessionOptions``) with NO_SPINNING set; returned for chaining."""
    for key, value in NO_SPINNING.items():
        options.add_session_config_entry(key, value)
    return options
