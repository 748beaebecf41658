from __future__ import annotations

from typing import Any

import pytest

from delta_strangle.exchange.delta.signing import auth_headers, mask_sensitive, prehash, sign, ws_auth_frame

from .conftest import load_fixture

VECTORS: list[dict[str, Any]] = load_fixture("signing-vectors.json")["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_signature_matches_every_recorded_vector(vector: dict[str, Any]) -> None:
    if vector["path"] == "/live":
        message = prehash("GET", vector["timestamp"], "/live")
    else:
        message = prehash(vector["method"], vector["timestamp"], vector["path"], vector["query_string"], vector["body"])
    assert message == vector["prehash"]
    assert sign(vector["secret"], message) == vector["signature"]


def test_spec_vector_for_comma_query_is_reproduced() -> None:
    message = prehash("GET", "1700000000", "/v2/orders", "product_ids=27&states=open%2Cpending")
    assert sign("test_secret", message) == "01fc0926ee26f4651cbccdfbe176ec18f5af277762a17a99cc1f8fce2a04100b"


def test_auth_headers_carry_key_timestamp_and_signature_of_the_body() -> None:
    body = '{"id":123,"product_id":27}'
    headers = auth_headers(
        api_key="k", secret="test_secret", method="delete", timestamp="1700000000", path="/v2/orders", body=body
    )
    assert headers == {
        "api-key": "k",
        "timestamp": "1700000000",
        "signature": "f1e463245938379a4a2aca1e9992ffd11c7f1d5aa2e293b3cc2881fe72f296a4",
    }


def test_websocket_key_auth_signs_get_live() -> None:
    frame = ws_auth_frame(api_key="k", secret="test_secret", timestamp="1700000000")
    assert frame["type"] == "key-auth"
    assert frame["payload"] == {
        "api-key": "k",
        "signature": "4b8fac9512d6cb23e687fce57b9dd0e7a6fa60d38e71954affe82cefb6ad65c8",
        "timestamp": "1700000000",
    }


def test_masking_hides_keys_secrets_and_signatures_at_any_depth() -> None:
    masked = mask_sensitive({"api-key": "k", "payload": {"signature": "s", "size": 1}, "rows": [{"api_secret": "x"}]})
    assert masked == {"api-key": "***", "payload": {"signature": "***", "size": 1}, "rows": [{"api_secret": "***"}]}
