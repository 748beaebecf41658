#!/usr/bin/env bash
# Shared by run.sh and test.sh: make backend/.venv match backend/requirements-dev.lock.
# Re-installs only when the lock or pyproject changed (a stamp file records their hash).

ensure_python_env() {
  local root backend venv stamp wanted
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  backend="$root/backend"
  venv="$backend/.venv"
  stamp="$venv/.installed-lock-hash"
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating $venv"
    python3 -m venv "$venv"
  fi
  wanted=$(cat "$backend/requirements-dev.lock" "$backend/pyproject.toml" | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "==> installing locked Python dependencies"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$backend/requirements-dev.lock"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$backend"
    echo "$wanted" > "$stamp"
  fi
  export PATH="$venv/bin:$PATH"
}

ensure_frontend_build() {
  local root frontend stamp wanted
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  frontend="$root/frontend"
  [ -f "$frontend/package.json" ] || return 0
  stamp="$frontend/node_modules/.installed-lock-hash"
  wanted=$(sha256sum "$frontend/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "==> installing frontend dependencies (npm ci)"
    (cd "$frontend" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$wanted" > "$stamp"
  fi
  echo "==> building the dashboard"
  (cd "$frontend" && npm run --silent build)
}
