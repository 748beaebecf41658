#!/usr/bin/env bash
# Recompile the hashed locks from pyproject.toml: requirements.lock (runtime, for the image)
# and requirements-dev.lock (runtime + dev tools, for tests). No registry host is recorded.
set -euo pipefail
cd "$(dirname "$0")"
uv=(.venv/bin/uv)
[ -x "${uv[0]}" ] || uv=(uv)
common=(--generate-hashes --python-version 3.11 --no-header --quiet)
"${uv[@]}" pip compile pyproject.toml "${common[@]}" -o requirements.lock
"${uv[@]}" pip compile pyproject.toml --extra dev "${common[@]}" -o requirements-dev.lock
