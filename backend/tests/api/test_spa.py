from pathlib import Path

import httpx

from delta_strangle.app import create_app
from tests.builders import build_settings


async def test_the_backend_serves_the_dashboard_with_history_fallback(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>dashboard</html>")
    (dist / "assets" / "app.js").write_text("console.log('app')")
    app = create_app(build_settings(tmp_path, frontend_dist_dir=dist), configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            deep_link = await client.get("/history/42")
            asset = await client.get("/assets/app.js")
            api_miss = await client.get("/api/does-not-exist")
            escape = await client.get("/..%2F..%2Fetc%2Fpasswd")
            health = await client.get("/api/health")
    assert deep_link.text == "<html>dashboard</html>"
    assert asset.text == "console.log('app')"
    assert "immutable" in asset.headers["Cache-Control"]
    assert api_miss.status_code == 404
    assert escape.text == "<html>dashboard</html>"
    assert health.json()["status"] == "ok"
