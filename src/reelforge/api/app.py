"""The FastAPI application: routers, error handlers, files, and the engine's lifecycle."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from reelforge import __version__
from reelforge.api import errors, files, input_guards, limits, openapi_errors, studio
from reelforge.api.routers import (
    accounts,
    chat,
    credentials,
    credit_grants,
    embeddings,
    external_users,
    gallery,
    image,
    image_ops,
    payments,
    platform,
    pricing,
    progress,
    publications,
    status,
    v2,
    v2_gateway,
    v2_media,
    v2_narrative,
    video,
    video_ops,
    webhooks,
)
from reelforge.pipeline import engine
from reelforge.runtime import init_runtime
from reelforge.settings import Settings
from reelforge.storage.fetch import reserve_threads


def create_app(
    settings: Settings | None = None, *, queues: list[str] | None = None, start_engine: bool = True
) -> FastAPI:
    """``queues``: which job queues this process works; None = all (embedded), [] = API only."""
    rt = init_runtime(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        janitor = None
        # Sync routes wait for their URL fetches in Starlette's worker threads: add one per fetch that may
        # be in flight, so waiting fetches never hold the threads health, status and credits need.
        reserve_threads(rt.settings.max_concurrent_fetches)
        if start_engine:
            # DBOS refuses its synchronous API inside a running event loop: start it off-loop.
            await asyncio.to_thread(engine.start, rt, queues)
            if queues is None or queues:
                janitor = engine.Janitor()
                janitor.start()
        # Everything built at start-up (routes, ORM mappers, DBOS, providers) lives as long as the
        # process: move it out of the cyclic collector's view, so full collections stay short and do
        # not show up as latency spikes on requests.
        gc.collect()
        gc.freeze()
        yield
        if janitor:
            janitor.stopped.set()
        if start_engine:
            await asyncio.to_thread(engine.stop)

    app = FastAPI(
        title="reelforge",
        version=__version__,
        lifespan=lifespan,
        description="Self-hostable media generation, wire-compatible with the Samsar Processor API.",
    )
    app.state.rt = rt
    errors.install(app)
    input_guards.install(app)  # middleware added last runs first: the limits below come before it
    limits.install(app, rt.settings)
    openapi_errors.install(app)
    for module in (status, image, image_ops, video, video_ops, accounts, platform, webhooks, chat):
        app.include_router(module.router)
    app.include_router(video.pages)
    app.include_router(embeddings.router)
    app.include_router(embeddings.v2)
    app.include_router(v2.router)
    app.include_router(v2.external_v1)
    app.include_router(v2_media.router)
    app.include_router(external_users.router)
    app.include_router(credentials.router)
    app.include_router(payments.router)
    app.include_router(credit_grants.router)
    app.include_router(publications.router)
    app.include_router(gallery.router)
    app.include_router(progress.router)
    app.include_router(progress.v2)
    app.include_router(pricing.router)
    app.include_router(v2_gateway.image)
    app.include_router(v2_gateway.video)
    app.include_router(v2_narrative.router)
    app.include_router(v2_narrative.sessions)
    files.install(app, rt)  # /files/{key}: a directory or an object store (api/files.py)
    studio.install(app)  # /studio/: the browser UI over this API (api/studio.py)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
