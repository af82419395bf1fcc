"""Receipt templates: build one from a sample receipt, then query new receipts against it.

Offline: tesseract (``tha+eng``) or RapidOCR reads the receipt; fields, items and validation
come from layout and keyword rules (English and Thai) plus what the template learned.
"""

from .extract import STANDARD_FIELDS
from .query import query_receipt, validate
from .template import ReceiptTemplateError, build_template, template_hash

__all__ = [
    "STANDARD_FIELDS",
    "ReceiptTemplateError",
    "build_template",
    "query_receipt",
    "template_hash",
    "validate",
]
