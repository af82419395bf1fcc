"""Which optional parts of reelforge are installed.

``pip install reelforge`` is the client: the Python SDK and the CLI's client commands, on httpx,
pydantic, typer and rich. ``pip install 'reelforge[server]'`` adds the server (FastAPI, DBOS,
SQLAlchemy, OpenCV, ONNX OCR, ffmpeg, fonts …). Code that needs the server imports it inside
:func:`server_imports`, so a client-only install gets a sentence saying what to install instead of a
traceback about some module three imports deep.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterator
from contextlib import contextmanager

SERVER_INSTALL_HINT = "pip install 'reelforge[server]'"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SERVER_MARKER = re.compile(r"""extra\s*==\s*["']server["']""")


class ServerNotInstalledError(ImportError):
    """A server feature was used where only the client distribution is installed."""


def missing_server_requirements() -> list[str]:
    """The distributions of the ``server`` extra that are not installed (by the package's metadata);
    empty when all are, or when reelforge runs from a source tree without metadata."""
    try:
        requires = importlib.metadata.requires("reelforge") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    missing = []
    for spec in requires:
        name = _NAME.match(spec)
        if name is None or not _SERVER_MARKER.search(spec):
            continue
        try:
            importlib.metadata.version(name.group(0))
        except importlib.metadata.PackageNotFoundError:
            missing.append(name.group(0))
    return missing


@contextmanager
def server_imports(feature: str) -> Iterator[None]:
    """Turn a module missing because the ``server`` extra is not installed into ``ServerNotInstalledError``.

    Any other missing module (one of ours, or one the installed server still lacks) propagates as is."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] == "reelforge":
            raise
        missing = missing_server_requirements()
        if not missing:
            raise
        shown = ", ".join(missing[:4]) + (", …" if len(missing) > 4 else "")
        raise ServerNotInstalledError(
            f"{feature} needs the reelforge server, which is not installed here (missing {shown}): "
            f"{SERVER_INSTALL_HINT}",
            name=exc.name,
        ) from exc
