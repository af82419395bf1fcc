"""Image and receipt endpoints as ``Call`` builders. Bodies are flat JSON, as samsar-js sends them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Unpack

from reelforge.client import _call
from reelforge.client._call import Call, CallOptions, ReadOptions
from reelforge.client.media import sniff_mime
from reelforge.client.models import (
    Accepted,
    ImageTitle,
    ReceiptQueryResult,
    ReceiptTemplate,
    RequestList,
    RequestStatus,
    RollupBanner,
)
from reelforge.client.params import (
    EnhanceImageInput,
    EnhanceImageKwargs,
    ExtendImageListInput,
    ExtendImageListKwargs,
    ReceiptQueryInput,
    ReceiptQueryKwargs,
    ReceiptTemplateInput,
    ReceiptTemplateKwargs,
    RemoveBrandingInput,
    RemoveBrandingKwargs,
    RollupBannerInput,
    RollupBannerKwargs,
)

ImageSource = bytes | Path | IO[bytes]
"""A binary image to upload: raw bytes, a file path, or an open binary file."""

TITLE_MIME_TYPES = ("image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif")


def enhance_image(
    input: EnhanceImageInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[EnhanceImageKwargs]
) -> Call[Accepted]:
    """POST /v1/image/enhance: upscale and denoise to ``resolution`` 1k / 2k / 4k."""
    return _call.post_flat("image/enhance", Accepted, input, kwargs)


def remove_branding_from_image(
    input: RemoveBrandingInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[RemoveBrandingKwargs]
) -> Call[Accepted]:
    """POST /v1/image/remove_branding: find and remove watermarks, logos and overlaid text."""
    return _call.post_flat("image/remove_branding", Accepted, input, kwargs)


def replace_branding_from_image(
    input: RemoveBrandingInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[RemoveBrandingKwargs]
) -> Call[Accepted]:
    """POST /v1/image/remove_branding with ``image_urls: [original, replacement_logo]``."""
    return _call.post_flat("image/remove_branding", Accepted, input, kwargs)


def extend_image_list(
    input: ExtendImageListInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[ExtendImageListKwargs]
) -> Call[Accepted]:
    """POST /v1/image/add_image_set: ``num_images`` variants of the given images."""
    return _call.post_flat("image/add_image_set", Accepted, input, kwargs)


def _read_image(image: ImageSource) -> tuple[bytes, str | None]:
    if isinstance(image, bytes):
        return image, None
    if isinstance(image, Path):
        return image.read_bytes(), image.name
    name = getattr(image, "name", None)
    return image.read(), Path(name).name if isinstance(name, str) else None


def assign_image_title(
    input: Mapping[str, Any] | None = None,
    /,
    *,
    image: ImageSource | None = None,
    file_name: str | None = None,
    mime_type: str | None = None,
    image_url: str | None = None,
    image_data: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    **kwargs: Unpack[CallOptions],
) -> Call[ImageTitle]:
    """POST /v1/image/assign_title: a short SEO title (``data.content``) for an image.

    Give ``image_url`` / ``image_data`` (a data: URL) for JSON, or ``image`` (bytes, a path or a
    binary file) for a multipart upload with parts ``image``, ``fileName``, ``mimeType`` and
    ``metadata`` (JSON text), as samsar-js sends binary uploads."""
    fields = {**(input or {})}
    image = image if image is not None else fields.pop("image", None)
    if image is None:
        body = _call.merged(fields, {"image_url": image_url, "image_data": image_data, "metadata": metadata})
        if not (body.get("image_url") or body.get("image_data")):
            raise ValueError("image, image_data, or image_url is required for assign_image_title")
        return _call.post_flat("image/assign_title", ImageTitle, body, kwargs)
    data, name = _read_image(image)
    mime = (mime_type or fields.get("mimeType") or sniff_mime(data, file_name or name or "")).lower()
    if mime not in TITLE_MIME_TYPES:
        raise ValueError("mime_type must be image/png, image/jpeg, image/webp, or image/gif for binary uploads")
    file_name = file_name or fields.get("fileName") or name or f"image.{mime.split('/')[1]}"
    form = {"fileName": file_name, "mimeType": mime}
    meta = metadata if metadata is not None else fields.get("metadata")
    if meta is not None:
        form["metadata"] = meta if isinstance(meta, str) else json.dumps(meta)
    _, options = _call.split_options(kwargs)
    return Call(
        "POST", "image/assign_title", ImageTitle, files=[("image", file_name, data, mime)], form=form, options=options
    )


def create_receipt_template(
    input: ReceiptTemplateInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[ReceiptTemplateKwargs]
) -> Call[ReceiptTemplate]:
    """POST /v1/image/receipt_templates/create (free): a reusable template from one sample receipt."""
    fields = {**(input or {}), **kwargs}
    url = fields.get("image_url") or fields.get("receipt_url") or fields.get("template_url")
    url = _call.require(url, "image_url")
    # samsar-js repeats the URL under each alias the hosted API accepts.
    return _call.post_flat(
        "image/receipt_templates/create",
        ReceiptTemplate,
        None,
        {**fields, "image_url": url, "receipt_url": url, "template_url": url},
    )


def query_receipt_template(
    input: ReceiptQueryInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[ReceiptQueryKwargs]
) -> Call[ReceiptQueryResult]:
    """POST /v1/image/receipt_templates/query (50 credits): extract a receipt against a template."""
    fields = {**(input or {}), **kwargs}
    url = _call.require(fields.get("image_url") or fields.get("receipt_url"), "image_url")
    template_id = _call.require(fields.get("template_id") or fields.get("receipt_template_id"), "template_id")
    return _call.post_flat(
        "image/receipt_templates/query",
        ReceiptQueryResult,
        None,
        {
            **fields,
            "image_url": url,
            "receipt_url": url,
            "template_id": template_id,
            "receipt_template_id": template_id,
        },
    )


def get_receipt_template_json(template_id: str, /, **kwargs: Unpack[ReadOptions]) -> Call[ReceiptTemplate]:
    """GET /v1/image/template_json (free): a saved template's structured JSON."""
    return _call.get(
        "image/template_json", ReceiptTemplate, {"template_id": _call.require(template_id, "template_id")}, kwargs
    )


def create_rollup_banner(
    input: RollupBannerInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[RollupBannerKwargs]
) -> Call[RollupBanner]:
    """POST /v1/image/create_rollup_banner: a tiled roll-up banner from prepared images."""
    return _call.post_flat("image/create_rollup_banner", RollupBanner, input, kwargs)


def enhance_and_generate_rollup_banner(
    input: RollupBannerInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[RollupBannerKwargs]
) -> Call[RollupBanner]:
    """POST /v1/image/enhance_and_generate_rollup_banner: upscale small tiles, then build the banner."""
    return _call.post_flat("image/enhance_and_generate_rollup_banner", RollupBanner, input, kwargs)


def get_image_status(request_id: str, /, **kwargs: Unpack[ReadOptions]) -> Call[RequestStatus]:
    """GET /v1/image/status: the status of an image request."""
    rid = _call.require(request_id, "request_id")
    return _call.get("image/status", RequestStatus, {"request_id": rid, "session_id": rid}, kwargs)


def list_image_requests(limit: int | None = None, /, **kwargs: Unpack[ReadOptions]) -> Call[RequestList]:
    """GET /v1/image/list: this account's recent image requests, newest first."""
    return _call.get("image/list", RequestList, {"limit": limit}, kwargs)
