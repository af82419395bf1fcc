"""The Studio: a browser UI at ``/studio``, plain HTML + ES modules + CSS shipped in the package
(``reelforge/studio/static``), so running it needs no Node build. It calls the same HTTP API as
any client, with the user's API key, so it gets no powers of its own."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC = Path(str(resources.files("reelforge") / "studio" / "static"))


class _StudioFiles(StaticFiles):
    """Static files that browsers revalidate on each load: after an upgrade the page and its modules
    change together, and a cached old module beside a new page would break the import graph."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


def install(app: FastAPI) -> None:
    @app.get("/studio", include_in_schema=False)
    def studio_root() -> RedirectResponse:
        return RedirectResponse("/studio/")

    app.mount("/studio", _StudioFiles(directory=STATIC, html=True), name="studio")
