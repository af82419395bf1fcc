"""Turning option-model validation errors into messages that name the offending field."""

from __future__ import annotations

from pydantic import ValidationError

from reelforge.core.errors import split_field


def validation_issues(exc: ValidationError) -> list[dict[str, str]]:
    """``[{"field": "image_tiling_position.top_left.margin_ratio", "message": "..."}]``."""
    issues = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if not field:
            # Whole-model checks have no location; they start their message with the field.
            named, message = split_field(message)
            field = named or "body"
        issues.append({"field": field, "message": message})
    return issues


def describe_validation_error(exc: ValidationError) -> str:
    """One line for a 400 body: ``field: message; field: message``."""
    return "; ".join(f"{issue['field']}: {issue['message']}" for issue in validation_issues(exc))
