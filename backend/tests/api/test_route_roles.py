"""Every API operation in the OpenAPI schema declares its role; anonymous calls get 401, weaker roles 403."""

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from delta_strangle.store import users
from tests.conftest import MakeUser

PUBLIC_OPERATIONS = {
    ("GET", "/api/health"),
    ("GET", "/api/ready"),
    ("POST", "/api/auth/login"),
}
# Accepts either a logged-in user or the LOG_INGEST_API_KEY (the dashboard's own client logs).
KEY_OR_USER_OPERATIONS = {("POST", "/api/logs/batch")}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def declared_role(operation: dict[str, Any]) -> users.Role | None:
    scopes = [scope for requirement in operation.get("security", []) for scope in requirement.get("OAuth2PasswordBearer", [])]
    roles = [users.Role(scope) for scope in scopes if scope in {r.value for r in users.Role}]
    return max(roles, key=lambda role: role.rank, default=None)


def operations(app: FastAPI) -> list[tuple[str, str, users.Role | None]]:
    return [
        (method.upper(), path, declared_role(operation))
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/api")
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_non_public_operation_declares_a_role(app: FastAPI) -> None:
    undeclared = [
        f"{method} {path}"
        for method, path, role in operations(app)
        if (method, path) not in PUBLIC_OPERATIONS | KEY_OR_USER_OPERATIONS and role is None
    ]
    assert undeclared == []


def test_the_schema_lists_the_user_management_operations_as_admin_only(app: FastAPI) -> None:
    roles = {(method, path): role for method, path, role in operations(app)}
    assert roles[("POST", "/api/users")] is users.Role.ADMIN
    assert roles[("GET", "/api/auth/me")] is users.Role.VIEWER


async def test_anonymous_calls_to_protected_operations_get_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, _role in operations(app):
        if (method, path) in PUBLIC_OPERATIONS | KEY_OR_USER_OPERATIONS:
            continue
        response = await client.request(method, concrete(path), json={})
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} to an anonymous call"
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("weak_role", [users.Role.VIEWER, users.Role.TRADER])
async def test_roles_below_the_declared_one_get_403(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, weak_role: users.Role
) -> None:
    headers = await make_user(weak_role)
    checked = 0
    for method, path, required in operations(app):
        if required is None or weak_role.allows(required):
            continue
        response = await client.request(method, concrete(path), json={}, headers=headers)
        assert response.status_code == 403, f"{method} {path} gave {response.status_code} to a {weak_role.value}"
        checked += 1
    assert checked >= 1
