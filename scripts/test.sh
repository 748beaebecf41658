#!/usr/bin/env bash
# Run every check: Python lint, types, import contracts and tests; deployment checks; dashboard checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/python_env.sh
source "$root/scripts/lib/python_env.sh"
ensure_python_env

step() { printf '\n==> %s\n' "$*"; }

cd "$root/backend"
step "ruff (lint)"
ruff check src tests ../bench
step "mypy (strict on the domain)"
mypy src
step "import-linter (the dependency rule)"
lint-imports
step "pytest (backend)"
pytest tests
cd "$root"

if [ -x scripts/ci/deploy_checks.sh ]; then
  step "deployment checks"
  scripts/ci/deploy_checks.sh
fi
if [ -x scripts/ci/frontend_checks.sh ]; then
  step "dashboard checks"
  scripts/ci/frontend_checks.sh
fi
step "all checks passed"
