"""The server side of Delta's request signing (delta-exchange-api.md §3.1, §3.3).

prehash = METHOD + timestamp + path + ("?" + query, when there is one) + body;
signature = lowercase hex HMAC-SHA256(secret, prehash). WebSocket `key-auth` signs "GET" + timestamp + "/live".
"""

from __future__ import annotations

import hashlib
import hmac

WS_AUTH_PATH = "/live"


def prehash(method: str, timestamp: str, path: str, query: str, body: str) -> str:
    """Return the string Delta signs for a request."""
    return f"{method.upper()}{timestamp}{path}{'?' + query if query else ''}{body}"


def sign(secret: str, message: str) -> str:
    """Return the lowercase hex HMAC-SHA256 of a message."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signature_matches(secret: str, message: str, signature: str) -> bool:
    """Compare a presented signature with the expected one in constant time."""
    return hmac.compare_digest(sign(secret, message), signature.lower())
