"""Deployment settings, read from environment variables (``REELFORGE_*``) or a ``.env`` file.

Every knob a deployment may want to turn lives here so the rest of the code receives a
``Settings`` object instead of reading the environment itself.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reelforge import __version__
from reelforge.sessions.document import DEFAULT_FPS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REELFORGE_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    data_dir: Path = Field(Path("data"), description="Root for the SQLite databases and local files.")
    database_url: str | None = Field(None, description="Our tables. Default: SQLite under data_dir.")
    engine_database_url: str | None = Field(
        None, description="DBOS system database. Default: SQLite beside ours, or the same PostgreSQL URL."
    )
    storage_dir: Path | None = Field(None, description="Blob store directory. Default: data_dir/files.")
    # Shared media on an S3-compatible object store instead of storage_dir (storage/s3.py, docs/storage.md).
    storage_url: str | None = Field(None, description="s3://bucket/prefix: keep blobs in an object store.")
    storage_url_mode: Literal["served", "presigned"] = Field(
        "served", description="result_url: the API's /files/{key} (streams from the store) or presigned by the store."
    )
    storage_cache_dir: Path | None = Field(
        None, description="Local copies of object-store blobs. Default: data_dir/blob-cache."
    )
    answers_dir: Path | None = Field(
        None,
        description="Answers of the local models kept by content (OCR reads of the same pixels), shared by "
        "every process of this data dir (storage/answers.py). Default: data_dir/answers.",
    )
    s3_endpoint_url: str | None = Field(None, description="S3 API endpoint (MinIO, Ceph, R2, …); None = AWS.")
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = Field(None, description="None = boto3's default credential chain.")
    s3_secret_access_key: str | None = None
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    s3_presign_expiry_s: int = Field(7 * 24 * 3600, gt=0, le=7 * 24 * 3600, description="SigV4 allows at most 7 days.")
    public_base_url: str = Field("http://127.0.0.1:8000", description="Prefix of every result_url.")
    webhook_encryption_key: str | None = Field(
        None,
        description="Fernet key that encrypts accounts' webhook secrets at rest; give every process of a "
        "cluster the same one. Default: generated once per data_dir (file mode 0600).",
    )
    webhook_secret_overlap_s: int = Field(
        24 * 3600, ge=0, le=7 * 24 * 3600, description="How long a rotated-out webhook secret still signs."
    )
    webhook_secret: str | None = Field(
        None, description="Standard Webhooks signing secret (whsec_…) for accounts that never created their own "
        "(POST /v1/webhooks/secret). Default: generated once per data_dir (file mode 0600)."
    )
    fetch_allowlist: list[str] = Field(
        default_factory=list,
        description="host or host:port entries exempt from the private-address guard (tests, intranets).",
    )
    fetch_nameservers: list[str] = Field(
        default_factory=list,
        description="DNS servers (ip or ip:port) that resolve fetch and webhook hosts; empty = the system resolver.",
    )
    fetch_deadline_s: float = Field(20.0, gt=0, description="Total time one fetch may take, redirects included.")
    max_concurrent_fetches: int = Field(
        64, ge=0, description="URL fetches in flight per API process; more are refused (503, Retry-After); 0 = off."
    )
    max_fetch_bytes: int = 25 * 1024 * 1024
    max_image_pixels: int = 64_000_000
    max_request_pixels: int = Field(
        2_000_000_000, ge=0, description="All images of one request together (a 400 names the image over); 0 = off."
    )
    max_body_bytes: int = Field(40 * 1024 * 1024, description="Request bodies above this are refused (413); 0 = off.")
    # Abuse limits (api/limits.py, core/quotas.py). The token bucket is per process: see docs/reliability.md.
    rate_limit_per_s: float = Field(50.0, description="Sustained requests per second per API key; 0 = off.")
    rate_limit_burst: int = Field(100, description="Requests one API key may send at once before 429s start.")
    auth_failures_per_s: float = Field(
        0.5, ge=0, description="Sustained failed authentications (401) per client address per second; 0 = off."
    )
    auth_failure_burst: int = Field(20, ge=1, description="Failed authentications one address may make at once.")
    max_pending_jobs_per_account: int = Field(
        32, description="Accepted jobs an account may have PENDING at once; more are refused (429); 0 = off."
    )
    starting_credits: int = 5000
    embeddings_index: Literal["auto", "embedded", "pgvector"] = Field(
        "auto",
        description="Vector index of the embeddings routes: 'embedded' (SQLite + in-memory exact search under "
        "data_dir), 'pgvector' (the PostgreSQL database, which needs the pgvector extension), 'auto' = pgvector "
        "when database_url is PostgreSQL.",
    )
    embeddings_ann_threshold: int | None = Field(
        20_000,
        ge=1,
        description="Live vectors from which a template is searched approximately: an HNSW graph (usearch) in the "
        "embedded index, pgvector's HNSW index in PostgreSQL mode; smaller templates, and selective filters, stay "
        "exact. None = always exact.",
    )
    sync_wait_s: float = Field(
        120.0,
        description="How long a synchronous route (titles, receipts) waits for its job before answering 202 "
        "with the request id to poll.",
    )

    inline_result_wait_s: float = Field(
        10.0,
        ge=0,
        description="How long routes whose documented answer is the finished result (roll-up banners) wait "
        "for it before answering with the queued body to poll.",
    )

    executor_id: str = Field(
        "local",
        description="Unique per process in a cluster; recovery is keyed on it. Unset: 'local' for the embedded "
        "process on SQLite, hostname-pid otherwise (pipeline/cluster.py).",
    )
    application_version: str = __version__
    max_recovery_attempts: int = 3
    # H.264 encoder of renders (render/encoders.py): auto = NVIDIA NVENC when a one-frame test encode
    # works on this machine, else x264; x264 = never the GPU; nvenc = the GPU or fail the render.
    video_encoder: Literal["auto", "x264", "nvenc"] = "auto"
    # x264's speed/size trade-off for renders (NVENC keeps its own p4). veryfast is what the
    # performance figures measure; ultrafast encodes ~2x faster into ~2x larger files (the test
    # servers use it), slower presets give smaller files for the same quality (crf 23).
    video_preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "veryfast"
    # Frame rate of the videos this server renders (their session documents keep it, so session
    # operations re-render at the same rate). 30 is the spec's; 24 or 25 suit film and PAL targets, and
    # fewer frames cost proportionally less to encode (the test servers render at 15).
    video_fps: int = Field(DEFAULT_FPS, ge=10, le=60)
    queue_concurrency: dict[str, int] = Field(default_factory=lambda: {"cpu": 2, "render": 1, "io": 8, "gpu": 1})
    # Span-parallel rendering (render/chunks.py, pipeline/render_chunks.py): every render is encoded in
    # chunks of about render_chunk_s seconds (fixed, so the file never depends on the worker count), and
    # a render longer than render_split_min_s spreads its chunks over the render queue when more than
    # one render worker is alive; shorter ones are not worth the hand-offs.
    render_chunk_s: float = Field(30.0, gt=0)
    render_split_min_s: float = Field(60.0, ge=0)
    # How often each process's DBOS queue threads look for work. Every poll of every queue is a few
    # system-database queries: at 0.2 s an idle server spent 12 % of a core on them (py-spy), which
    # showed up in request latency on small machines. Enqueues wake the queue at once (pipeline/wakeups.py):
    # this is the fallback, e.g. for a slot freed on a queue at its concurrency limit.
    queue_polling_interval_s: float = Field(0.5, gt=0, le=10)
    # ...while a queue has work running in this process; a queue with none polls this often (an idle
    # server's seven queues at 0.5 s cost 4 % of a core; enqueues wake them anyway, see dbos_private).
    queue_idle_polling_interval_s: float = Field(2.0, gt=0, le=60)
    # A stage's result wakes its request workflow through a DBOS workflow event (pipeline/engine.py);
    # this is only how long the request waits before checking whether the stage ended without one
    # (dead-lettered, cancelled). Each check is two recorded DBOS operations.
    stage_result_fallback_s: float = Field(10.0, gt=0, le=300)
    # Dead-worker recovery (pipeline/cluster.py): every engine process heartbeats this often, and one
    # silent for longer than executor_dead_after_s has its pending workflows recovered by a live one.
    heartbeat_interval_s: float = Field(5.0, gt=0)
    # Every engine process (API or worker) enqueues accepted requests that have no workflow yet
    # (their process died between commit and enqueue) at start-up and this often.
    submission_recovery_interval_s: float = Field(10.0, gt=0)
    # A request run in its API process (streamed chat, pipeline/inline.py) heartbeats every third of
    # this; the recoverer takes it over only once its heartbeat (or, before the first, its acceptance)
    # is older than this: its process died.
    inline_grace_s: float = Field(15.0, gt=0)
    # Input blobs of submissions never accepted are deleted once their journal row is this old.
    staged_input_ttl_s: float = Field(3600.0, gt=0)
    executor_dead_after_s: float = Field(30.0, gt=0)

    webhook_retry_window_s: float = 3600.0
    webhook_initial_backoff_s: float = 2.0
    webhook_max_backoff_s: float = Field(600.0, gt=0, description="Cap of the doubling delay between attempts.")
    webhook_timeout_s: float = Field(10.0, gt=0, description="Total time one delivery attempt may take.")

    # Optional OpenAI-compatible model endpoint; without it the offline providers do the work.
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    openai_chat_model: str = "gpt-4o-mini"
    openai_speech_model: str = "tts-1"
    openai_speech_voice: str = "alloy"
    # Request image-model keys served by the endpoint above, mapped to its model names.
    openai_image_models: dict[str, str] = Field(default_factory=lambda: {"GPTIMAGE1": "gpt-image-1"})
    # Model key -> backend: "local" (the offline provider of its kind) or "openai:<model>" (the
    # endpoint above). Unlisted keys use the offline provider; status bodies name which served.
    model_providers: dict[str, str] = Field(default_factory=dict)

    # The language model (providers/llm.py): an OpenAI-compatible chat endpoint, else the packaged offline model.
    llm_base_url: str | None = Field(None, description="Chat endpoint for the language model; unset = openai_base_url.")
    llm_api_key: str | None = None
    llm_model: str | None = Field(None, description="Model name at llm_base_url; unset = openai_chat_model.")
    llm_offline_only: bool = Field(False, description="Always answer with the packaged offline model.")
    llm_timeout_s: float = Field(60.0, gt=0)
    # 1 by default: llama.cpp threads spin at barriers, and on a busy 2-core host two of them ran 5x
    # slower than one (measured; see README). Raise it on hosts with idle cores.
    llm_threads: int = Field(1, ge=1, description="CPU threads of the offline model.")

    pricing_file: Path | None = Field(None, description="JSON file overriding entries of the price table.")

    # Payments (core/payments.py): "offline" records recharges as pending until an operator confirms them
    # (`reelforge credits confirm`, or POST /v1/admin/payments/confirm with admin_token); "stripe" sells them
    # through Stripe Checkout and confirms them from its signed webhook.
    payment_provider: Literal["offline", "stripe"] = "offline"
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    payment_currency: str = "usd"
    admin_token: str | None = Field(None, description="Bearer token of the operator routes (/v1/admin/*); unset = off.")

    # Fault injection for tests and chaos drills: stage names that fail, crash the process, or stall.
    # "submit:committed" crashes a process after a request's charge commits, before it is enqueued.
    fault_fail_stages: list[str] = Field(default_factory=list)
    fault_crash_stages: list[str] = Field(default_factory=list)
    fault_stage_delay_s: float = 0.0

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'reelforge.db').resolve()}"

    @cached_property
    def resolved_engine_database_url(self) -> str:
        if self.engine_database_url:
            return self.engine_database_url
        if self.resolved_database_url.startswith("sqlite"):
            return f"sqlite:///{(self.data_dir / 'engine.sqlite').resolve()}"
        return self.resolved_database_url

    @cached_property
    def resolved_storage_dir(self) -> Path:
        return (self.storage_dir or self.data_dir / "files").resolve()

    @cached_property
    def resolved_webhook_secret(self) -> str:
        """The configured secret, else one generated on first use and kept in data_dir."""
        if self.webhook_secret:
            return self.webhook_secret
        # Standard base64, as the Standard Webhooks libraries that receivers use expect.
        return self._private_file(
            "webhook_secret", lambda: "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        )

    @cached_property
    def resolved_webhook_encryption_key(self) -> str:
        if self.webhook_encryption_key:
            return self.webhook_encryption_key
        # A Fernet key: 32 random bytes, URL-safe base64.
        return self._private_file("webhook_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())

    def _private_file(self, name: str, make: Callable[[], str]) -> str:
        """A secret kept in data_dir, created once (exclusively, so concurrent processes agree) and
        readable by the owner only; files written by older versions are narrowed to 0600 too."""
        path = self.data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-")  # mode 0600
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(make())
                os.link(tmp, path)  # atomic create-if-absent: a concurrent process's file wins
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        os.chmod(path, 0o600)
        return path.read_text().strip()

    @property
    def resolved_answers_dir(self) -> Path:
        return (self.answers_dir or self.data_dir / "answers").resolve()

    def prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.resolved_storage_dir.mkdir(parents=True, exist_ok=True)
