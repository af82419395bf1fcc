"""The Studio: a browser UI at ``/studio``, plain HTML + ES modules + CSS shipped in the package
(``reelforge/studio/static``), so running it needs no Node build. It calls the same HTTP API as
any client, with the user's API key or a login link's auth token, so it gets no powers of its own."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
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


def login_redirect(request: Request, login_token: str) -> RedirectResponse | None:
    """Where a login link opened in a browser goes: the Studio, with the token in the URL's fragment.

    A login URL (``/users/verify_token?loginToken=…``) is a JSON route for SDKs, but people open it in a
    browser. A browser's navigation (it asks for HTML) is sent on to the Studio, which redeems the token itself
    with a JSON call and then drops it from the address bar. The token is not redeemed here: a link
    previewer fetching the URL cannot burn it, and the fragment is never sent to a server or a Referer.
    """
    if "text/html" not in request.headers.get("accept", "") or request.headers.get("authorization"):
        return None
    return RedirectResponse(f"/studio/#login={quote(login_token, safe='')}", status_code=303)


def install(app: FastAPI) -> None:
    @app.get("/studio", include_in_schema=False)
    def studio_root() -> RedirectResponse:
        return RedirectResponse("/studio/")

    app.mount("/studio", _StudioFiles(directory=STATIC, html=True), name="studio")
