"""Python SDK for reelforge and the Samsar Processor API (same wire format).

``Client`` / ``AsyncClient`` expose one snake_case method per samsar-js method reelforge serves
(``create_video_from_image_list``, ``get_status``, ``enhance_image`` …), also grouped as
``client.video``, ``client.image``, ``client.receipts`` and ``client.credits``. Every call returns
an :class:`APIResult` (``data``, ``status``, ``headers``, ``credits_charged``, ``credits_remaining``,
``raw``). Failures raise a subclass of :class:`ReelforgeError` (alias ``SamsarRequestError``): one per
status (``BadRequestError`` 400, ``AuthenticationError`` 401, ``InsufficientCreditsError`` 402,
``PermissionDeniedError`` 403, ``NotFoundError`` 404, ``ConflictError`` 409, ``RateLimitError`` 429,
``InternalServerError`` 5xx, …) and ``APIConnectionError`` / ``APITimeoutError`` without an answer.

This package needs only httpx and pydantic: ``pip install reelforge`` gives the SDK and the CLI's
client commands; ``reelforge[server]`` adds the server.
"""

from reelforge.client._call import CallOptions, ReadOptions
from reelforge.client._config import DEFAULT_BASE_URL, SAMSAR_BASE_URL
from reelforge.client.client import AsyncClient, Client
from reelforge.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientCreditsError,
    InternalServerError,
    JobFailedError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ReelforgeConnectionError,
    ReelforgeError,
    SamsarRequestError,
    WaitTimeoutError,
    WebhookVerificationError,
)
from reelforge.client.helpers import parse_webhook, verify_webhook
from reelforge.client.media import to_data_url
from reelforge.client.models import (
    Accepted,
    ApiModel,
    CancelResult,
    Credits,
    CreditsLedger,
    ImageTitle,
    LatestVersion,
    ReceiptQueryResult,
    ReceiptTemplate,
    RequestList,
    RequestStatus,
    RollupBanner,
    SessionList,
    SupportedFonts,
    SupportedModels,
)
from reelforge.client.result import APIResult

__all__ = [
    "DEFAULT_BASE_URL",
    "SAMSAR_BASE_URL",
    "APIConnectionError",
    "APIResult",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InsufficientCreditsError",
    "InternalServerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "Accepted",
    "ApiModel",
    "AsyncClient",
    "CallOptions",
    "CancelResult",
    "Client",
    "Credits",
    "CreditsLedger",
    "ImageTitle",
    "JobFailedError",
    "LatestVersion",
    "ReadOptions",
    "ReceiptQueryResult",
    "ReceiptTemplate",
    "ReelforgeConnectionError",
    "ReelforgeError",
    "RequestList",
    "RequestStatus",
    "RollupBanner",
    "SamsarRequestError",
    "SessionList",
    "SupportedFonts",
    "SupportedModels",
    "WaitTimeoutError",
    "WebhookVerificationError",
    "parse_webhook",
    "to_data_url",
    "verify_webhook",
]
