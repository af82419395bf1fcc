"""Python SDK for reelforge and the Samsar Processor API (same wire format).

``Client`` / ``AsyncClient`` expose one snake_case method per samsar-js method reelforge serves
(``create_video_from_image_list``, ``get_status``, ``enhance_image`` …), also grouped as
``client.video``, ``client.image``, ``client.receipts`` and ``client.credits``. Every call returns
an :class:`APIResult` (``data``, ``status``, ``headers``, ``credits_charged``, ``credits_remaining``,
``raw``); non-2xx answers raise :class:`ReelforgeError` (alias ``SamsarRequestError``).
"""

from reelforge.client._call import CallOptions, ReadOptions
from reelforge.client._config import DEFAULT_BASE_URL, SAMSAR_BASE_URL
from reelforge.client.client import AsyncClient, Client
from reelforge.client.errors import (
    JobFailedError,
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
    "APIResult",
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
