"""The production topology without containers: Debian's nginx runs docker/nginx.conf (rendered
the way the nginx image's envsubst step renders it) in front of a backend process, serving the
SPA build. Every request goes to nginx's port only.

The backend behind nginx is the stand-in in fixtures/standin_backend.py (headers echo, slow
large export, WebSocket streams). `test_real_backend_behind_nginx` puts the real
`delta-strangle serve` behind the same config when the CLI exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from .conftest import FIXTURES, REPO_ROOT, free_port, wait_until
from .fixtures.standin_backend import BODY_CHUNK, BODY_CHUNKS, FIRST_CHUNK

TEMPLATE = REPO_ROOT / "docker" / "nginx.conf"
TEMPLATE_VARS = {"DELTA_BACKEND_UPSTREAM", "DELTA_LISTEN_PORT", "DELTA_STATIC_ROOT"}
ASSET_NAME = "app-3f9c2b1d.js"


def render_template(text: str, values: dict[str, str]) -> str:
    """Substitute ${NAME} for the given names only, like envsubst with NGINX_ENVSUBST_FILTER."""
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        pytest.fail("nginx is not installed: apt-get install nginx (see scripts/ci/deploy_packages.txt)")
    return found


def make_static_root(base: Path) -> Path:
    """The real SPA build when it exists, else a small stand-in with one hashed asset."""
    built = REPO_ROOT / "frontend" / "dist"
    root = base / "html"
    if (built / "index.html").exists():
        shutil.copytree(built, root)
    else:
        (root / "assets").mkdir(parents=True)
        (root / "index.html").write_text(
            '<!doctype html><html><head><script type="module" src="/assets/'
            + ASSET_NAME
            + '"></script></head><body><div id="root"></div></body></html>\n'
        )
    asset = root / "assets" / ASSET_NAME
    asset.parent.mkdir(parents=True, exist_ok=True)
    asset.write_text("export const rows = [" + ",".join(f'"row-{i}"' for i in range(2000)) + "];\n")
    return root


@dataclass
class Nginx:
    port: int
    root: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_nginx(base: Path, backend: str, static_root: Path) -> Nginx:
    port = free_port()
    site = render_template(
        TEMPLATE.read_text(),
        {"DELTA_BACKEND_UPSTREAM": backend, "DELTA_LISTEN_PORT": str(port), "DELTA_STATIC_ROOT": str(static_root)},
    )
    assert "${DELTA_" not in site
    (base / "site.conf").write_text(site)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (base / "temp" / name).mkdir(parents=True, exist_ok=True)
    # Same shape as the nginx image's /etc/nginx/nginx.conf: our file is included inside http {}.
    (base / "nginx.conf").write_text(
        f"""
daemon off;
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {base}/temp/client_body;
    proxy_temp_path {base}/temp/proxy;
    fastcgi_temp_path {base}/temp/fastcgi;
    uwsgi_temp_path {base}/temp/uwsgi;
    scgi_temp_path {base}/temp/scgi;
    include {base}/site.conf;
}}
"""
    )
    with (base / "access.log").open("wb") as access_log:
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(base), "-c", str(base / "nginx.conf")],
            stdout=access_log,
            stderr=subprocess.STDOUT,
        )
    nginx = Nginx(port=port, root=static_root, process=process)

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"nginx exited: {(base / 'access.log').read_text()}{_read(base / 'error.log')}")
        return httpx.get(f"{nginx.url}/healthz", timeout=1).status_code == 200

    wait_until(healthy, timeout=15, what="nginx to answer /healthz")
    return nginx


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def world_readable_tempdir() -> Path:
    # nginx workers run as an unprivileged user (as in the container), so they must be able
    # to read the static files: pytest's own tmp_path is private to the test user.
    base = Path(tempfile.mkdtemp(prefix="delta-nginx-"))
    base.chmod(0o755)
    return base


@pytest.fixture(scope="module")
def standin_backend() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(FIXTURES / "standin_backend.py"), str(port)])
    try:
        wait_until(
            lambda: httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200,
            timeout=20,
            what="the stand-in backend",
        )
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def site(standin_backend: str) -> Iterator[Nginx]:
    base = world_readable_tempdir()
    nginx = start_nginx(base, standin_backend, make_static_root(base))
    try:
        yield nginx
    finally:
        stop(nginx.process)
        shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------------------ template


def test_template_uses_exactly_the_variables_the_frontend_image_sets() -> None:
    used = set(re.findall(r"\$\{([A-Z_]+)\}", TEMPLATE.read_text()))
    assert used == TEMPLATE_VARS
    dockerfile = (REPO_ROOT / "docker" / "frontend.Dockerfile").read_text()
    for name in TEMPLATE_VARS:
        assert re.search(rf"\b{name}=\S", dockerfile), f"frontend.Dockerfile does not set {name}"
    assert 'NGINX_ENVSUBST_FILTER="^DELTA_"' in dockerfile
    assert "/etc/nginx/templates/default.conf.template" in dockerfile


# ------------------------------------------------------------------------------ static SPA


def test_spa_routes_fall_back_to_index_html(site: Nginx) -> None:
    index = (site.root / "index.html").read_text()
    for path in ("/", "/live-control", "/analytics/history?preset=7d", "/logs/viewer/deep"):
        response = httpx.get(site.url + path)
        assert response.status_code == 200, path
        assert response.text == index, path
        assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_gzipped_and_cached_forever(site: Nginx) -> None:
    raw = httpx.get(f"{site.url}/assets/{ASSET_NAME}", headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in raw.headers["content-type"]
    assert raw.text == (site.root / "assets" / ASSET_NAME).read_text()  # httpx decoded the gzip


def test_missing_asset_is_404_not_index_html(site: Nginx) -> None:
    response = httpx.get(f"{site.url}/assets/app-deadbeef.js")
    assert response.status_code == 404
    assert "<div id=\"root\">" not in response.text


def test_security_headers_on_pages_api_and_errors(site: Nginx) -> None:
    for path in ("/", "/api/health", "/assets/missing.js", "/healthz"):
        headers = httpx.get(site.url + path).headers
        csp = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp, path
        assert "default-src 'self'" in csp, path
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "unsafe" not in script_src.group(1), path
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", path
        assert headers.get("x-frame-options") == "DENY", path
        assert "server" not in headers or "/" not in headers["server"], "nginx version must be hidden"


def test_index_html_satisfies_the_csp(site: Nginx) -> None:
    """No inline scripts and no external script/style origins in the served SPA shell."""
    html = httpx.get(site.url + "/").text
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
        attributes, body = match.groups()
        assert body.strip() == "", "inline <script> would be blocked by script-src 'self'"
        source = re.search(r'src="([^"]+)"', attributes)
        assert source and not re.match(r"https?://", source.group(1)), "scripts must be same-origin"
    assert not re.search(r'<link[^>]+href="https?://', html), "stylesheets/fonts must be same-origin"


# ------------------------------------------------------------------------------ API proxy


def test_api_reaches_backend_with_generated_request_id(site: Nginx) -> None:
    response = httpx.get(f"{site.url}/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    seen = body["seen_headers"]
    assert seen["x-request-id"] == request_id
    assert seen["x-correlation-id"] == request_id
    assert response.headers["x-correlation-id"] == request_id
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-real-ip"] == "127.0.0.1"
    # Two requests never share a generated id.
    assert httpx.get(f"{site.url}/api/health").headers["x-request-id"] != request_id


def test_client_request_id_is_passed_through(site: Nginx) -> None:
    response = httpx.get(f"{site.url}/api/health", headers={"X-Request-ID": "ops-check-42"})
    assert response.json()["seen_headers"]["x-correlation-id"] == "ops-check-42"
    assert response.headers["x-request-id"] == "ops-check-42"
    assert response.headers["x-correlation-id"] == "ops-check-42"

    only_correlation = httpx.get(f"{site.url}/api/health", headers={"X-Correlation-ID": "upstream-7"})
    assert only_correlation.json()["seen_headers"]["x-request-id"] == "upstream-7"


def test_malformed_request_id_is_replaced(site: Nginx) -> None:
    for bad in ("a" * 200, "has spaces in it", 'quote"d'):
        response = httpx.get(f"{site.url}/api/health", headers={"X-Request-ID": bad})
        seen = response.json()["seen_headers"]
        assert seen["x-request-id"] != bad
        assert re.fullmatch(r"[0-9a-f]{32}", seen["x-request-id"])


def test_request_body_limit(site: Nginx) -> None:
    small = httpx.post(f"{site.url}/api/logs/batch", content=b"x" * 100_000)
    assert small.status_code == 202
    assert small.json()["received_bytes"] == 100_000
    big = httpx.post(f"{site.url}/api/logs/batch", content=b"x" * (3 * 1024 * 1024))
    assert big.status_code == 413


def test_login_is_rate_limited(site: Nginx) -> None:
    statuses = [
        httpx.post(f"{site.url}/api/auth/login", data={"username": "a@b.c", "password": "wrong"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401  # reached the backend
    assert 429 in statuses


@pytest.mark.parametrize("path", ["/api/trading/stream", "/api/logs/backend/stream"])
def test_websocket_upgrade(site: Nginx, path: str) -> None:
    with ws_connect(f"ws://127.0.0.1:{site.port}{path}", additional_headers={"X-Request-ID": "ws-7"}) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello == {"path": path, "request_id": "ws-7", "upgrade": "websocket"}
        ws.send("ping")
        assert ws.recv(timeout=5) == "ping"


@pytest.mark.parametrize("path", ["/api/logs/backend/stream", "/api/trading/stream"])
def test_server_sent_events_arrive_immediately(site: Nginx, path: str) -> None:
    with httpx.Client(timeout=httpx.Timeout(10.0, read=5.0)) as client:
        with client.stream("GET", site.url + path, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200
            assert "content-encoding" not in response.headers
            chunks = response.iter_raw()
            first = next(chunks)  # the backend holds the stream open until released
            assert first.startswith(b"data: ")
            assert client.get(f"{site.url}/api/_standin/release?{path}").status_code == 200
            assert b"data: bye" in first + b"".join(chunks)


@pytest.mark.parametrize("path", ["/api/analytics/export", "/api/logs/backend/export"])
def test_large_export_streams_without_buffering(site: Nginx, path: str) -> None:
    total_size = len(FIRST_CHUNK) + BODY_CHUNKS * len(BODY_CHUNK)
    timeout = httpx.Timeout(10.0, read=5.0)

    def progress() -> int:
        return int(httpx.get(f"{site.url}/api/_standin/progress?{path}").json()["sent"])

    with httpx.Client(timeout=timeout) as client:
        with client.stream("GET", site.url + path, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200
            assert "content-encoding" not in response.headers  # gzip would hold bytes back
            chunks = response.iter_raw()
            # The backend is now blocked until released: these bytes can only have arrived
            # if nginx forwarded them before the response was complete.
            first = next(chunks)
            assert FIRST_CHUNK.startswith(first[: len(FIRST_CHUNK)])
            assert client.get(f"{site.url}/api/_standin/release?{path}").status_code == 200

            # While this client reads nothing, the backend must be held back by the client's pace
            # (back-pressure), not drained into nginx buffers or temp files (which live on a small
            # tmpfs in the read-only container). Wait until the backend's progress settles.
            readings = [progress()]

            def settled() -> bool:
                readings.append(progress())
                return len(readings) >= 6 and len(set(readings[-6:])) == 1

            wait_until(settled, timeout=20, what="the export backend to stall on back-pressure", interval=0.1)
            assert 0 < readings[-1] < total_size // 2, f"nginx absorbed {readings[-1]} of {total_size} bytes"

            received = len(first) + sum(len(chunk) for chunk in chunks)
    assert received == total_size
    assert progress() == total_size


# ------------------------------------------------------------------------------ real backend


def test_real_backend_behind_nginx(tmp_path: Path) -> None:
    """`delta-strangle serve` behind the same nginx config: /api/health with the request id, and the
    request's log line found in `backend_logs` with the `sqlite3` command, as the seed's troubleshooting step does."""
    executable = Path(sys.executable).with_name("delta-strangle")
    port = free_port()
    workdir = tmp_path / "backend"
    (workdir / "data").mkdir(parents=True)
    (workdir / "logs").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DELTA_", "APP_", "DATABASE_", "JWT_"))},
        "APP_ENV": "development",
        "TRADING_MODE": "sim",
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'data' / 'delta_trader.db'}",
        "BACKEND_LOG_PATH": str(workdir / "logs" / "backend.log"),
        "JWT_SECRET_KEY": "test-" + "k" * 40,
    }
    backend = subprocess.Popen(
        [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=(tmp_path / "backend.out").open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = world_readable_tempdir()
    nginx: Nginx | None = None
    try:

        def backend_up() -> bool:
            if backend.poll() is not None:
                raise AssertionError("backend exited:\n" + (tmp_path / "backend.out").read_text()[-4000:])
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200

        wait_until(backend_up, timeout=60, what="delta-strangle serve")
        nginx = start_nginx(base, f"127.0.0.1:{port}", make_static_root(base))
        response = httpx.get(f"{nginx.url}/api/health", headers={"X-Request-ID": "real-backend-1"})
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert response.headers["x-correlation-id"] == "real-backend-1"
        generated = httpx.get(f"{nginx.url}/api/health")
        assert generated.headers["x-correlation-id"] == generated.headers["x-request-id"]

        def ingested_request_lines() -> int:
            query = "select count(*) from backend_logs where correlation_id = 'real-backend-1'"
            answer = subprocess.run(
                ["sqlite3", "data/delta_trader.db", query], cwd=workdir, capture_output=True, text=True, check=True
            )
            return int(answer.stdout.strip())

        assert wait_until(ingested_request_lines, timeout=20, what="the request's log line in backend_logs") >= 1
    finally:
        if nginx is not None:
            stop(nginx.process)
        stop(backend)
        shutil.rmtree(base, ignore_errors=True)

