"""Password hashing (argon2) and access tokens (JWT, HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"
JWT_AUDIENCE = "delta-strangle"
# Tolerated gap between a token's issue time and the verifying clock (clock steps, rounding).
ISSUED_AT_LEEWAY = timedelta(seconds=60)


class InvalidTokenError(Exception):
    """The bearer token is malformed, forged or expired."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash without leaking why it failed."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A real hash to verify against when the account does not exist, so timing does not reveal it.
DUMMY_PASSWORD_HASH = hash_password("not-a-real-account-password")


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int
    expires_at: datetime


def create_access_token(
    *, user_id: int, token_version: int, secret: str, now: datetime, lifetime: timedelta
) -> tuple[str, datetime]:
    """Return a signed token and its expiry instant."""
    expires_at = now + lifetime
    claims = {
        "sub": str(user_id),
        "ver": token_version,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "aud": JWT_AUDIENCE,
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM), expires_at


def decode_access_token(token: str, *, secret: str, now: datetime) -> TokenClaims:
    """Verify signature, audience, issue time and expiry against `now`; raise InvalidTokenError otherwise.

    Both times are checked against the app's clock, not PyJWT's wall clock, so a token issued under a
    replayed or simulated clock is judged by the same clock that issued it.
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            audience=JWT_AUDIENCE,
            options={"require": ["sub", "exp", "iat", "ver"], "verify_exp": False, "verify_iat": False},
        )
        issued_at = datetime.fromtimestamp(int(claims["iat"]), now.tzinfo)
        if issued_at > now + ISSUED_AT_LEEWAY:
            raise InvalidTokenError("token issued in the future")
        expires_at = datetime.fromtimestamp(int(claims["exp"]), now.tzinfo)
        if expires_at <= now:
            raise InvalidTokenError("token expired")
        return TokenClaims(user_id=int(claims["sub"]), token_version=int(claims["ver"]), expires_at=expires_at)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise InvalidTokenError("invalid token") from exc
