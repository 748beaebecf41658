from datetime import UTC, datetime, timedelta

import pytest

from delta_strangle.security import (
    InvalidTokenError,
    create_access_token,
    decode_access_token,
    hash_password,
    verify_password,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SECRET = "s" * 40


def test_a_password_verifies_against_its_own_hash_only() -> None:
    stored = hash_password("a-long-password-1")
    assert verify_password(stored, "a-long-password-1")
    assert not verify_password(stored, "a-long-password-2")
    assert not verify_password("not-a-hash", "a-long-password-1")


def test_a_token_round_trips_its_user_and_version() -> None:
    token, expires_at = create_access_token(user_id=7, token_version=3, secret=SECRET, now=NOW, lifetime=timedelta(hours=1))
    claims = decode_access_token(token, secret=SECRET, now=NOW + timedelta(minutes=59))
    assert (claims.user_id, claims.token_version, claims.expires_at) == (7, 3, expires_at)


def test_an_expired_token_is_refused() -> None:
    token, _ = create_access_token(user_id=7, token_version=0, secret=SECRET, now=NOW, lifetime=timedelta(hours=1))
    with pytest.raises(InvalidTokenError):
        decode_access_token(token, secret=SECRET, now=NOW + timedelta(hours=1, seconds=1))


def test_a_token_is_judged_by_the_clock_that_issued_it_even_years_from_the_wall_clock() -> None:
    later = datetime(2031, 1, 1, tzinfo=UTC)
    token, _ = create_access_token(user_id=7, token_version=0, secret=SECRET, now=later, lifetime=timedelta(hours=1))
    assert decode_access_token(token, secret=SECRET, now=later + timedelta(seconds=1)).user_id == 7


def test_a_token_issued_after_the_verifying_clock_is_refused() -> None:
    token, _ = create_access_token(
        user_id=7, token_version=0, secret=SECRET, now=NOW + timedelta(minutes=5), lifetime=timedelta(hours=1)
    )
    with pytest.raises(InvalidTokenError):
        decode_access_token(token, secret=SECRET, now=NOW)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token, _ = create_access_token(user_id=7, token_version=0, secret="x" * 40, now=NOW, lifetime=timedelta(hours=1))
    with pytest.raises(InvalidTokenError):
        decode_access_token(token, secret=SECRET, now=NOW)


def test_a_tampered_token_is_refused() -> None:
    token, _ = create_access_token(user_id=7, token_version=0, secret=SECRET, now=NOW, lifetime=timedelta(hours=1))
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidTokenError):
        decode_access_token(f"{header}.{payload}x.{signature}", secret=SECRET, now=NOW)
    with pytest.raises(InvalidTokenError):
        decode_access_token("garbage", secret=SECRET, now=NOW)
