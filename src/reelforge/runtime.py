"""The process-wide runtime: settings plus the services built from them.

DBOS workflows are module-level functions registered once per process, so they reach the
database, blob store and prices through this one object rather than through arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from reelforge.core.pricing import PriceTable
from reelforge.db.database import Database
from reelforge.settings import Settings
from reelforge.storage.answers import open_answers
from reelforge.storage.blobs import BlobStore, open_blob_store
from reelforge.storage.fetch import FetchPolicy, make_resolver


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.resolved_database_url)

    @cached_property
    def blobs(self) -> BlobStore:
        return open_blob_store(self.settings)

    @cached_property
    def prices(self) -> PriceTable:
        return PriceTable(self.settings.pricing_file)

    @cached_property
    def fetch_policy(self) -> FetchPolicy:
        s = self.settings
        return FetchPolicy(
            tuple(s.fetch_allowlist),
            s.max_fetch_bytes,
            s.max_image_pixels,
            deadline_s=s.fetch_deadline_s,
            max_concurrent=s.max_concurrent_fetches,
            resolver=make_resolver(s.fetch_nameservers),
        )

    @cached_property
    def webhook_policy(self) -> FetchPolicy:
        """Webhook targets pass the same address guard (and allowlist) as fetched inputs."""
        return FetchPolicy(
            self.fetch_policy.allowlist,
            deadline_s=self.settings.webhook_timeout_s,
            max_concurrent=0,  # bounded by the webhook queue's concurrency instead
            resolver=self.fetch_policy.resolver,
        )


_current: Runtime | None = None


def init_runtime(settings: Settings | None = None) -> Runtime:
    global _current
    settings = settings or Settings()
    settings.prepare_dirs()
    open_answers(settings.resolved_answers_dir)
    _current = Runtime(settings)
    _current.db.migrate()
    return _current


def runtime() -> Runtime:
    if _current is None:
        raise RuntimeError("reelforge runtime not initialised: call init_runtime() first")
    return _current
