import httpx

from delta_strangle.api.correlation import accept_correlation_id


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
