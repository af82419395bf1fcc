"""Our domain tables. The job engine (DBOS) keeps execution state in its own tables;
these hold what the product is about: owners, money, requests, results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@overload
def wire_time(moment: datetime) -> str: ...
@overload
def wire_time(moment: datetime | None) -> str | None: ...
def wire_time(moment: datetime | None) -> str | None:
    """A stored moment as responses carry it: ISO 8601 marked UTC with ``Z`` (the tables keep naive UTC,
    :func:`utcnow`); an aware moment keeps its own offset. None stays None."""
    if moment is None:
        return None
    return moment.isoformat() + ("Z" if moment.tzinfo is None else "")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Cached sum of the ledger; updated in the same transaction as each ledger row with a
    # guarded UPDATE, which is what makes concurrent charges safe without table locks.
    balance: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class LedgerEntry(Base):
    """Append-only: rows are never updated or deleted."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # grant | charge | refund | adjustment
    amount: Mapped[int] = mapped_column(Integer)  # signed: charges are negative
    balance_after: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    note: Mapped[str] = mapped_column(String(300), default="")
    # Set when the entry moves an external user's balance (their own wallet), not the account's.
    external_user_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Request(Base):
    """One accepted API request and its lifecycle (PENDING → COMPLETED | FAILED | CANCELLED)."""

    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    # The external user the request was made for (charged to and visible to them); None = the account's own.
    external_user_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    archived: Mapped[bool] = mapped_column(default=False)  # hidden from library lists, still reachable by id
    type: Mapped[str] = mapped_column(String(16))  # image | video | embedding
    case_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    provider: Mapped[str] = mapped_column(String(64), default="LOCAL")
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)
    input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    credits_charged: Mapped[int] = mapped_column(Integer, default=0)
    webhook_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    # Which events are delivered to the webhook (None: the terminal one only), and the caller's
    # metadata echoed in every delivery.
    webhook_events: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    client_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # NULL from the transaction that charges and records the request until its workflow is
    # enqueued: the durable "intent to run" the submission recoverer (pipeline/recovery.py) acts on.
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # Heartbeat of a request run inside its API process instead of being enqueued (pipeline/inline.py):
    # while it is fresh the recoverer leaves the request to that process.
    inline_alive_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_requests_account_created", "account_id", "created_at"),)


class StageRun(Base):
    """One execution of one pipeline stage: the record that proves what re-ran and what was reused."""

    __tablename__ = "stage_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    stage: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # IN_PROGRESS | COMPLETED | FAILED | REUSED
    input_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    output: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    executor_id: Mapped[str] = mapped_column(String(128), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    account_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)  # None while in flight
    # Who holds an unanswered claim: a stale claim may be taken over, and the old holder's answer
    # is then refused (its transaction rolls back) instead of charging a second time.
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2048))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "attempt", name="uq_webhook_event_attempt"),)


class SessionVersion(Base):
    """One stored version of a video session document (the timeline). Operations on a session
    create new sessions whose first version derives from the source's latest."""

    __tablename__ = "session_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    request_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result_key: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("session_id", "version", name="uq_session_version"),)


class ReceiptTemplate(Base):
    """A receipt extraction template built from one sample receipt; owned by one account
    (other accounts get 404 for it)."""

    __tablename__ = "receipt_templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    external_user_id: Mapped[str | None] = mapped_column(String(40), default=None)  # made for this external user
    name: Mapped[str] = mapped_column(String(200))
    template_hash: Mapped[str] = mapped_column(String(64))
    normalized_template: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sample_receipt: Mapped[dict[str, Any]] = mapped_column(default=dict)
    provider: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_image_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the create request
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExecutorHeartbeat(Base):
    """One row per live engine process (API, worker or embedded), refreshed every few seconds.

    Times are seconds since the epoch by the *database's* clock, so hosts with skewed clocks still
    agree on who has gone silent. A row silent past the threshold marks a dead executor whose
    pending workflows a live process recovers (pipeline/cluster.py); ``claimed_by`` and
    ``claim_expires`` are the lease that stops two live processes recovering the same one."""

    __tablename__ = "executor_heartbeats"

    executor_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    queues: Mapped[list[Any]] = mapped_column(default=list)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), default=None)
    claim_expires: Mapped[float | None] = mapped_column(Float, default=None)


class AssistantPrompt(Base):
    """An account's assistant system prompt (``/v1/assistant/set_system_prompt``)."""

    __tablename__ = "assistant_prompts"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    system_prompt: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmbeddingTemplate(Base):
    """An embeddings template (search/engine.py): its field options, what its records turned out to hold, and
    how far its creating job got. Owned by an account, or by one external user of an account
    (``owner`` = the account id, or ``<account>|ext:<provider>:<external user id>``); anyone else gets 404.
    The vectors themselves live in the vector index (search/embedded.py or search/pgvector.py)."""

    __tablename__ = "embedding_templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(400), index=True)
    name: Mapped[str] = mapped_column(String(200))
    field_options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # filterable path -> value type
    searchable: Mapped[list[Any]] = mapped_column(default=list)  # paths whose text is embedded
    source: Mapped[str] = mapped_column(String(20), default="records")  # records | url | plain_text
    status: Mapped[str] = mapped_column(String(20), default="processing")  # processing | ready | failed
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the creating request
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)  # pages fetched, records embedded
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    embedding_model: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExternalUser(Base):
    """One user of a platform built on an account (samsar-js "external users"): identified within the
    account by ``unique_key`` (the SDK's key; ``external_user_id`` when none is given), with their own
    credits balance, requests and assistant system prompt."""

    __tablename__ = "external_users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    provider: Mapped[str] = mapped_column(String(100), default="")
    external_user_id: Mapped[str] = mapped_column(String(300))
    unique_key: Mapped[str] = mapped_column(String(300))
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)  # email, username, display_name, …
    system_prompt: Mapped[str | None] = mapped_column(Text, default=None)
    balance: Mapped[int] = mapped_column(Integer, default=0)  # cached sum of their ledger entries
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("account_id", "unique_key", name="uq_external_user_key"),)


class Credential(Base):
    """A bearer credential other than an account API key: login token, auth token, refresh token, app key or
    external-user API key. Only a SHA-256 of the (random, high-entropy) token is stored; an app key's
    secret is stored as a salted scrypt hash. Every credential names its account, optionally one
    external user, expires and can be revoked."""

    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # login | auth | refresh | app_key | external_key
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    external_user_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    family_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)  # refresh rotation
    secret_hash: Mapped[str | None] = mapped_column(String(200), default=None)  # app keys: scrypt
    prefix: Mapped[str] = mapped_column(String(24), default="")
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)  # single-use tokens
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(Base):
    """A credits purchase through a payment provider (core/payments.py): ``pending`` until the provider (a
    verified Stripe webhook) or an operator (offline provider) confirms it, then ``succeeded`` exactly once —
    the guarded transition and the credit grant share one transaction."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    external_user_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    provider: Mapped[str] = mapped_column(String(20))  # offline | stripe
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)  # Checkout Session id
    kind: Mapped[str] = mapped_column(String(20), default="recharge")  # recharge | auto_recharge
    credits: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(8), default="usd")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | succeeded | failed
    checkout_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class AutoRecharge(Base):
    """Auto-recharge of one wallet (an account, or one external user of it). ``armed`` is cleared when a
    charge takes the balance below the threshold (one recharge per crossing) and set again once the
    balance is back at or above it."""

    __tablename__ = "auto_recharges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    external_user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    provider: Mapped[str] = mapped_column(String(20), default="offline")  # who collects the recharges
    threshold_credits: Mapped[int] = mapped_column(Integer)
    amount_usd: Mapped[int] = mapped_column(Integer)
    max_monthly_usd: Mapped[int] = mapped_column(Integer)
    armed: Mapped[bool] = mapped_column(default=True)
    last_run: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("account_id", "external_user_id", name="uq_auto_recharge_wallet"),)


class Publication(Base):
    """A completed video session published to the public feed by its owner (an account or one of its external
    users). Revoking deletes the row; the session itself stays."""

    __tablename__ = "publications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    external_user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # creator_handle, aspect_ratio, language, …
    video_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    poster_url: Mapped[str | None] = mapped_column(String(2048), default=None)  # the session's first still
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the gallery index last took this publication (core/gallery.py); older than updated_at: stale.
    indexed_at: Mapped[datetime | None] = mapped_column(default=None)


class GalleryView(Base):
    """One viewer's views of one publication (``/v2/gallery/events/view``): a view is counted again only after
    ``core.gallery.VIEW_WINDOW``, so reloads and progress events don't inflate the count."""

    __tablename__ = "gallery_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    publication_id: Mapped[str] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    viewer_key: Mapped[str] = mapped_column(String(400), index=True)
    views: Mapped[int] = mapped_column(Integer, default=1)
    watch_time_ms: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[bool] = mapped_column(default=False)
    first_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("publication_id", "viewer_key", name="uq_gallery_view"),)


class RequestEvent(Base):
    """One entry of a request's progress log (accepted, queued, stage started / progress / finished,
    completed / failed / cancelled), streamed to clients as server-sent events.

    ``seq`` counts from 1 per request and is the SSE event id. Appends lock the request row first
    (core/events.py), so a request's events commit in ``seq`` order with no gaps: a reader that
    resumes after ``seq`` n can never later find an n-1 it missed."""

    __tablename__ = "request_events"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(32))
    percent: Mapped[float] = mapped_column(Float, default=0.0)  # the whole request's, never decreasing
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StagedInput(Base):
    """A request's input blob written before the transaction that accepts the request.

    The accepting transaction deletes the rows of its submission; a refused request deletes its
    blobs and rows at once; rows left behind by a process that died in between name orphaned
    blobs, which the submission recoverer deletes once they are older than any submission."""

    __tablename__ = "staged_inputs"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class WebhookSecret(Base):
    """An account's webhook signing secret, encrypted at rest (core/webhook_secrets.py).

    Deliveries are signed with every secret of the account that has not expired: a rotation
    sets the old secret's ``expires_at``, so receivers have the overlap window to switch."""

    __tablename__ = "webhook_secrets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    encrypted: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in metadata, never the secret itself
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
