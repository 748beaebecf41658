import httpx
from fastapi import FastAPI

from delta_strangle.background import ServiceHealth


class DeadService:
    name = "log_tailer"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def health(self) -> ServiceHealth:
        return ServiceHealth(alive=False, detail={"error": "stopped after a crash"})


async def test_health_answers_without_auth_and_names_the_mode(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["mode"] == "sim"


async def test_ready_reports_database_and_current_migrations(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/ready")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["migrations"]["ok"] is True


async def test_ready_is_503_naming_a_dead_background_service(app: FastAPI, client: httpx.AsyncClient) -> None:
    app.state.app_state.services.append(DeadService())
    response = await client.get("/api/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["log_tailer"] == {"ok": False, "error": "stopped after a crash"}
