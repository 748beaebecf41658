#!/usr/bin/env bash
# Every check the dashboard must pass, in the order CI runs them:
#   npm ci -> lint -> typecheck -> typed API client matches the backend's schema -> unit tests (vitest) -> production build + gzipped size report
#   (fails over a page's or a lazy chunk's budget) -> end-to-end tests (Playwright on Debian's
#   Chromium against the real backend in sim mode, axe accessibility checks in both themes included).
# Exits non-zero on the first failure. SKIP_E2E=1 skips the browser suite (for quick local runs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT/frontend"

step() {
  echo
  echo "==> $*"
  "$@"
}

step npm ci --no-audit --no-fund
# The lock file must name no registry host (the machines resolve packages through npm's own config).
if grep -q '"resolved"' package-lock.json; then
  echo "package-lock.json contains \"resolved\" registry URLs; regenerate it with omit-lockfile-registry-resolved" >&2
  exit 1
fi
step npm run lint
step npm run typecheck
step "$ROOT/scripts/gen_api_types.sh" --check
step npm test
step npm run build
if [[ "${SKIP_E2E:-0}" == "1" ]]; then
  echo
  echo "==> SKIP_E2E=1: end-to-end suite skipped"
  exit 0
fi
if [[ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then
  echo "Chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium}; install Debian's chromium package" >&2
  exit 1
fi
step npx --no-install playwright test
