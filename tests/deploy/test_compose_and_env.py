"""Static checks of the Compose files, the Dockerfiles and .env.prod.example."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts" / "ci"))
from validate_compose import load_compose  # noqa: E402

PROD = REPO_ROOT / "docker-compose.prod.yml"
TLS = REPO_ROOT / "docker-compose.tls.yml"
EXAMPLE = REPO_ROOT / ".env.prod.example"
DOCKERFILES = [REPO_ROOT / "docker" / "backend.Dockerfile", REPO_ROOT / "docker" / "frontend.Dockerfile"]

# Variables in .env.prod.example that are not backend settings, and why.
NOT_SETTINGS = {
    "VITE_API_BASE_URL": "frontend build argument",
    "VITE_ENABLE_API_DEBUG": "frontend build argument",
    "TLS_DOMAIN": "read by docker-compose.tls.yml / Caddy only",
    "TLS_ACME_EMAIL": "read by docker-compose.tls.yml / Caddy only",
}
# Dockerfile ENV names that belong to the image's runtime, not to the application's settings.
IMAGE_INTERNAL = re.compile(r"^(PATH|PYTHON\w*|PIP_\w+|NGINX_\w+|DELTA_(BACKEND_UPSTREAM|LISTEN_PORT|STATIC_ROOT))$")
SEED_VALUES = {
    "DATABASE_URL": "sqlite+aiosqlite:////app/data/delta_trader.db",
    "VITE_ENABLE_API_DEBUG": "false",
    "LOG_LEVEL": "INFO",
    "BACKEND_LOG_INGEST_ENABLED": "true",
    "BACKEND_LOG_PATH": "/app/logs/backend.log",
    "BACKEND_LOG_RETENTION_DAYS": "7",
}
SEED_NAMES = {
    "DATABASE_URL", "LOG_INGEST_API_KEY", "DELTA_API_KEY", "DELTA_API_SECRET", "ALLOWED_ORIGINS", "APP_UID",
    "APP_GID", "VITE_API_BASE_URL", "VITE_ENABLE_API_DEBUG", "LOG_LEVEL", "BACKEND_LOG_INGEST_ENABLED",
    "BACKEND_LOG_PATH", "BACKEND_LOG_POLL_INTERVAL", "BACKEND_LOG_BATCH_SIZE", "BACKEND_LOG_RETENTION_DAYS",
}


def example_entries() -> dict[str, str]:
    entries = {}
    for line in EXAMPLE.read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


@pytest.fixture(scope="module")
def prod() -> dict[str, Any]:
    return load_compose(PROD)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def services(prod: dict[str, Any]) -> dict[str, Any]:
    return prod["services"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ compose


def test_services_images_and_network(prod: dict[str, Any], services: dict[str, Any]) -> None:
    assert set(services) == {"backend", "frontend"}
    assert services["backend"]["image"] == "delta-strangle-backend:prod"
    assert services["frontend"]["image"] == "delta-strangle-frontend:prod"
    assert services["backend"]["build"]["dockerfile"] == "docker/backend.Dockerfile"
    assert services["frontend"]["build"]["dockerfile"] == "docker/frontend.Dockerfile"
    assert prod["networks"] == {"app-net": {"driver": "bridge"}}
    for service in services.values():
        assert service["networks"] == ["app-net"]


def test_only_nginx_publishes_a_port(services: dict[str, Any]) -> None:
    assert "ports" not in services["backend"]
    assert services["backend"]["expose"] == ["8001"]
    assert services["frontend"]["ports"] == ["80:80"]


def test_backend_state_config_and_user(services: dict[str, Any]) -> None:
    backend = services["backend"]
    assert backend["volumes"] == ["./data:/app/data", "./logs:/app/logs"]
    assert backend["env_file"] == ".env.prod"
    assert backend["user"] == "${APP_UID:-1000}:${APP_GID:-1000}"
    assert backend["environment"]["BACKEND_LOG_PATH"] == "/app/logs/backend.log"
    assert backend["environment"]["APP_ENV"] == "production"
    assert backend["build"]["args"] == {"APP_UID": "${APP_UID:-1000}", "APP_GID": "${APP_GID:-1000}"}


def test_hardening_healthchecks_and_ordering(services: dict[str, Any]) -> None:
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service["read_only"] is True, name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert service["logging"]["options"]["max-size"] == "10m", name
        assert service["cap_drop"] == ["ALL"], name
        assert service["tmpfs"], name
        assert service["healthcheck"]["test"][0] == "CMD", name
    assert "/api/ready" in " ".join(services["backend"]["healthcheck"]["test"])
    assert services["frontend"]["depends_on"] == {"backend": {"condition": "service_healthy"}}
    assert "/api/ready" in (REPO_ROOT / "docker" / "backend.Dockerfile").read_text()


def test_tls_overlay_moves_the_public_ports_to_caddy() -> None:
    tls = load_compose(TLS)
    assert isinstance(tls, dict)
    assert tls["services"]["frontend"]["ports"] == []
    proxy = tls["services"]["tls-proxy"]
    assert "443:443" in proxy["ports"] and "80:80" in proxy["ports"]
    assert proxy["depends_on"] == {"frontend": {"condition": "service_healthy"}}
    assert "!reset []" in TLS.read_text()
    assert (REPO_ROOT / "docker" / "Caddyfile").exists()


def _schema_python() -> str | None:
    if importlib.util.find_spec("jsonschema") is not None:
        return sys.executable
    return os.environ.get("DEPLOY_TOOLS_PYTHON")


@pytest.mark.parametrize("path", [PROD, TLS])
def test_compose_files_match_the_compose_specification(path: Path) -> None:
    python = _schema_python()
    if python is None:
        pytest.skip("jsonschema not installed here; scripts/ci/deploy_checks.sh runs this with its tool venv")
    result = subprocess.run([python, str(REPO_ROOT / "scripts/ci/validate_compose.py"), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_validation_catches_mistakes(tmp_path: Path) -> None:
    python = _schema_python()
    if python is None:
        pytest.skip("jsonschema not installed here; scripts/ci/deploy_checks.sh runs this with its tool venv")
    broken = tmp_path / "broken.yml"
    broken.write_text(PROD.read_text().replace("    expose:", "    exposes:").replace("restart: unless-stopped", "restart: 12"))
    result = subprocess.run([python, str(REPO_ROOT / "scripts/ci/validate_compose.py"), str(broken)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "exposes" in result.stdout and "INVALID" in result.stdout


# ------------------------------------------------------------------------------ variables


def referenced_variables() -> set[str]:
    """Every variable the compose files interpolate, the Dockerfiles take as ARG, and the
    application variables they set (compose `environment:` of the backend, Dockerfile ENV)."""
    names: set[str] = set()
    for path in (PROD, TLS):
        names |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", path.read_text()))
    backend = load_compose(PROD)["services"]["backend"]  # type: ignore[index]
    names |= set(backend.get("environment", {}))
    for dockerfile in DOCKERFILES:
        text = dockerfile.read_text()
        names |= set(re.findall(r"^ARG ([A-Z_][A-Z0-9_]*)", text, flags=re.M))
        for block in re.findall(r"^ENV ((?:.*\\\n)*.*)$", text, flags=re.M):
            names |= {n for n in re.findall(r"([A-Z_][A-Z0-9_]*)=", block) if not IMAGE_INTERNAL.match(n)}
    return names


def test_every_referenced_variable_is_documented() -> None:
    documented = set(example_entries())
    missing = referenced_variables() - documented
    assert not missing, f"referenced by compose/Dockerfiles but not in .env.prod.example: {sorted(missing)}"


def test_every_documented_variable_is_known_to_the_settings_class() -> None:
    from delta_strangle.settings import Settings

    fields = {name.upper() for name in Settings.model_fields}
    unknown = set(example_entries()) - fields - set(NOT_SETTINGS)
    assert not unknown, f"in .env.prod.example but not read by Settings: {sorted(unknown)}"
    undocumented = fields - set(example_entries())
    assert not undocumented, f"Settings fields missing from .env.prod.example: {sorted(undocumented)}"
    assert {"APP_UID", "APP_GID"} <= fields


def test_seed_variables_and_values() -> None:
    entries = example_entries()
    assert SEED_NAMES <= set(entries)
    for name, value in SEED_VALUES.items():
        assert entries[name] == value, name


def test_every_variable_has_a_comment() -> None:
    lines = EXAMPLE.read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            block = lines[:index]
            while block and re.match(r"^[A-Z][A-Z0-9_]*=", block[-1]):
                block.pop()  # a group of related variables may share one comment
            assert block and block[-1].startswith("#"), f"no comment above {line.split('=')[0]}"


def test_example_secrets_are_placeholders_the_backend_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from delta_strangle.settings import Settings, looks_like_placeholder

    entries = example_entries()
    for name in ("JWT_SECRET_KEY", "INITIAL_ADMIN_PASSWORD", "DELTA_API_KEY", "DELTA_API_SECRET", "LOG_INGEST_API_KEY"):
        assert looks_like_placeholder(entries[name]), name
    for name in list(os.environ):
        if name.upper() in {f.upper() for f in Settings.model_fields}:
            monkeypatch.delenv(name)
    settings = Settings(_env_file=str(EXAMPLE), TRADING_MODE="live")  # type: ignore[call-arg]
    problems = "\n".join(settings.production_problems())
    for name in ("JWT_SECRET_KEY", "INITIAL_ADMIN_PASSWORD", "DELTA_API_KEY", "DELTA_API_SECRET", "LOG_INGEST_API_KEY"):
        assert f"{name} is a placeholder" in problems, name


# ------------------------------------------------------------------------------ Dockerfiles


def test_backend_dockerfile_shape() -> None:
    text = (REPO_ROOT / "docker" / "backend.Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, flags=re.M)) == 2
    assert "--require-hashes -r requirements.lock" in text
    assert "pip install --no-deps ." in text
    assert re.search(r"^USER \$\{APP_UID\}:\$\{APP_GID\}$", text, flags=re.M)
    assert "HEALTHCHECK" in text
    cmd = re.search(r"^CMD (.*)$", text, flags=re.M)
    assert cmd and '"serve"' in cmd.group(1) and "--workers" not in cmd.group(1)
    assert "COPY --from=builder /opt/venv /opt/venv" in text


def test_frontend_dockerfile_shape() -> None:
    text = (REPO_ROOT / "docker" / "frontend.Dockerfile").read_text()
    assert re.search(r"^FROM node:\S+ AS build$", text, flags=re.M)
    assert re.search(r"^FROM nginx:\S+ AS runtime$", text, flags=re.M)
    assert "npm ci" in text and "npm run build" in text
    assert "COPY --from=build /src/dist /usr/share/nginx/html" in text
    assert "HEALTHCHECK" in text


def test_dockerignore_keeps_secrets_and_state_out_of_the_build_context() -> None:
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    for entry in (".env.*", "data", "logs", "backups", ".git", "**/node_modules", "**/.venv"):
        assert entry in lines
