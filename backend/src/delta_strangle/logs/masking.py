"""Mask secrets before anything is written: keys, secrets, signatures, passwords, tokens."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "***"
_SENSITIVE_KEY = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|signature|authorization|cookie|credential|private[_-]?key)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
_KEY_VALUE = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|signature|access_token)(\s*[=:]\s*)([^\s&,;\"']+)"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b")


def is_sensitive_key(key: str) -> bool:
    return bool(_SENSITIVE_KEY.search(key))


def mask_text(text: str) -> str:
    """Mask bearer tokens, JWTs and key=value secrets inside free text."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def mask_value(value: Any, depth: int = 0) -> Any:
    """Return a copy of a structure with sensitive keys and secret-looking text masked."""
    if depth > 8:
        return "..."
    if isinstance(value, Mapping):
        return {
            str(key): (MASK if is_sensitive_key(str(key)) and item not in (None, "") else mask_value(item, depth + 1))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_value(item, depth + 1) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value
