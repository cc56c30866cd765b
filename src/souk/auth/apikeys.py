"""Merchant API keys: shown once, stored only as a salted hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "sk_"


def generate_api_key() -> tuple[str, str, str]:
    """Return (key, key_id, stored_hash). The key is ``sk_<key_id>_<secret>``."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = f"{PREFIX}{key_id}_{secret}"
    return key, key_id, hash_api_key(key)


def parse_key_id(key: str) -> str | None:
    if not key.startswith(PREFIX):
        return None
    body = key[len(PREFIX):]
    key_id, sep, secret = body.partition("_")
    return key_id if sep and key_id and secret else None


def hash_api_key(key: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_api_key(key: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = hash_api_key(key, bytes.fromhex(salt_hex)).split("$")[2]
    return hmac.compare_digest(expected, digest_hex)
