"""``GET /files/{key}``: result and input media, from whichever blob store is configured.

A local (or shared-mount) directory is served by Starlette's ``StaticFiles`` (ranges, ETags,
``If-None-Match``). An object store is streamed through the API in 1 MiB chunks, passing a
``Range`` header on to the store so video players can seek.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, FastAPI, Header
from fastapi.responses import Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from reelforge.core.errors import NotFound
from reelforge.runtime import Runtime
from reelforge.storage.blobs import LocalBlobStore

if TYPE_CHECKING:
    from reelforge.storage.s3 import S3BlobStore


def install(app: FastAPI, rt: Runtime) -> None:
    blobs = rt.blobs
    if isinstance(blobs, LocalBlobStore):
        app.mount("/files", StaticFiles(directory=blobs.root, check_dir=False), name="files")
        return
    from reelforge.storage.s3 import S3BlobStore  # boto3 only where an object store is configured

    if not isinstance(blobs, S3BlobStore):
        raise TypeError(f"no /files route for blob store {type(blobs).__name__}")
    app.include_router(_object_store_router(blobs))


def _object_store_router(store: S3BlobStore) -> APIRouter:
    from reelforge.storage.s3 import checked_key

    router = APIRouter(include_in_schema=False)

    @router.get("/files/{key:path}")
    def get_file(key: str, range_: Annotated[str | None, Header(alias="Range")] = None) -> Response:
        try:
            checked_key(key)
        except ValueError:
            raise NotFound("No such file.") from None
        obj = store.open(key, range_)
        if obj is None:
            raise NotFound("No such file.")
        return StreamingResponse(obj.chunks, status_code=obj.status_code, headers=obj.headers)

    return router
