import logging

import httpx
import pytest

from delta_strangle.api.correlation import accept_correlation_id
from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD


async def test_an_upstream_request_id_becomes_the_correlation_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": "nginx-req-42"})
    assert response.headers["X-Correlation-ID"] == "nginx-req-42"


async def test_an_explicit_correlation_id_wins_over_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": "r-1", "X-Correlation-ID": "c-1"})
    assert response.headers["X-Correlation-ID"] == "c-1"


async def test_an_unsafe_upstream_id_is_replaced_by_a_generated_one(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": "bad id\" <script>"})
    generated = response.headers["X-Correlation-ID"]
    assert generated != "bad id\" <script>"
    assert accept_correlation_id(generated) == generated


def test_correlation_ids_are_bounded_in_length_and_characters() -> None:
    assert accept_correlation_id("a" * 128) == "a" * 128
    assert accept_correlation_id("a" * 129) is None
    assert accept_correlation_id("semi;colon") is None
    assert accept_correlation_id(None) is None


async def test_a_request_is_logged_by_method_path_and_status_never_by_its_body(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # The predecessor's debug middleware wrote raw bodies (login passwords, tokens) into the log table.
    with caplog.at_level(logging.DEBUG):
        response = await client.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                                     headers={"X-Request-ID": "login-1"})
    assert response.status_code == 200
    token = response.json()["access_token"]
    [line] = [r for r in caplog.records if getattr(r, "event", None) == "http_request_completed"]
    assert (line.method, line.path, line.status) == ("POST", "/api/auth/login", 200)  # type: ignore[attr-defined]
    everything = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    assert ADMIN_PASSWORD not in everything
    assert token not in everything
