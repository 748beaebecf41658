"""HMAC-SHA256 request signing for Delta's REST API and WebSocket `key-auth`.

The signature covers `METHOD + timestamp + path + ("?" + query) + body`, where query and body are
the exact strings sent on the wire. Callers build them once and hand the same strings to both the
signer and the HTTP layer; nothing here re-encodes or re-orders anything.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

WS_AUTH_PATH = "/live"


def prehash(method: str, timestamp: str, path: str, query: str = "", body: str = "") -> str:
    """Build the string Delta signs for one request."""
    query_part = f"?{query}" if query else ""
    return f"{method.upper()}{timestamp}{path}{query_part}{body}"


def sign(secret: str, message: str) -> str:
    """Return the lowercase hex HMAC-SHA256 of a message under a secret."""
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def auth_headers(
    *, api_key: str, secret: str, method: str, timestamp: str, path: str, query: str = "", body: str = ""
) -> dict[str, str]:
    """Return the `api-key`, `timestamp` and `signature` headers for one request."""
    signature = sign(secret, prehash(method, timestamp, path, query, body))
    return {"api-key": api_key, "timestamp": timestamp, "signature": signature}


def ws_auth_frame(*, api_key: str, secret: str, timestamp: str) -> dict[str, object]:
    """Return the WebSocket `key-auth` frame (signature over `GET<timestamp>/live`)."""
    signature = sign(secret, prehash("GET", timestamp, WS_AUTH_PATH))
    return {"type": "key-auth", "payload": {"api-key": api_key, "signature": signature, "timestamp": timestamp}}


SENSITIVE_KEY_PARTS = ("secret", "signature", "api-key", "api_key", "apikey", "password", "token")
MASK = "***"


def mask_sensitive(data: object) -> object:
    """Return a copy of JSON-like data with keys, secrets and signatures replaced by a mask."""
    if isinstance(data, Mapping):
        return {
            key: MASK if any(part in str(key).lower() for part in SENSITIVE_KEY_PARTS) else mask_sensitive(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_sensitive(item) for item in data]
    return data
