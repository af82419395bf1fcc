"""Identifier minting: readable prefixes (like the spec's ``img_enh_…``, ``vid_…``) plus randomness."""

import secrets


def new_id(prefix: str, nbytes: int = 10) -> str:
    return f"{prefix}_{secrets.token_hex(nbytes)}"
