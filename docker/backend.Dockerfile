# syntax=docker/dockerfile:1
# Backend image: delta-strangle-backend:prod
#
# Stage 1 installs the hash-locked dependencies and the package into a virtualenv.
# Stage 2 copies only that virtualenv into a slim runtime that runs as a non-root user.
# Build context: the repository root (see docker-compose.prod.yml).

FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
# Dependencies first so the layer is cached until the lock changes.
COPY backend/requirements.lock ./requirements.lock
RUN pip install --require-hashes -r requirements.lock

COPY backend/pyproject.toml ./pyproject.toml
COPY backend/src ./src
RUN pip install --no-deps . \
    && delta-strangle --help > /dev/null


FROM python:3.11-slim-bookworm AS runtime

# Numeric ids of the account that owns ./data and ./logs on the host.
# docker-compose.prod.yml also runs the container as ${APP_UID}:${APP_GID}.
ARG APP_UID=1000
ARG APP_GID=1000

LABEL org.opencontainers.image.title="delta-strangle-backend" \
      org.opencontainers.image.description="Delta Strangle Control Plane API and trading engine" \
      com.delta-strangle.project="delta-strangle"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    DATABASE_URL=sqlite+aiosqlite:////app/data/delta_trader.db \
    BACKEND_LOG_PATH=/app/logs/backend.log

RUN groupadd --system --gid "${APP_GID}" app \
    && useradd --system --uid "${APP_UID}" --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/data /app/logs \
    && chown app:app /app/data /app/logs

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
USER ${APP_UID}:${APP_GID}
EXPOSE 8001

# Ready = database reachable, migrations current, background services alive.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8001/api/ready', timeout=4).status == 200 else 1)"]

# `serve` applies the Alembic migrations, then runs ONE uvicorn worker:
# the trading engine lives inside the process, so there must never be two.
CMD ["delta-strangle", "serve", "--host", "0.0.0.0", "--port", "8001"]
