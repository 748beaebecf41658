#!/usr/bin/env bash
# Run the product locally in sim mode: API + dashboard on http://localhost:8001.
# First run creates .env.local with a JWT secret and an admin login, and prints that login.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/python_env.sh
source "$root/scripts/lib/python_env.sh"

port="${PORT:-8001}"
ensure_python_env
ensure_frontend_build

if [ ! -f .env.local ]; then
  echo "==> writing .env.local (local secrets; git ignores it)"
  umask 077
  {
    echo "APP_ENV=development"
    echo "TRADING_MODE=sim"
    echo "JWT_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
    echo "INITIAL_ADMIN_EMAIL=admin@example.com"
    echo "INITIAL_ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
  } > .env.local
fi
mkdir -p data logs
email=$(sed -n 's/^INITIAL_ADMIN_EMAIL=//p' .env.local)
password=$(sed -n 's/^INITIAL_ADMIN_PASSWORD=//p' .env.local)
delta-strangle migrate >/dev/null
cat <<INFO

  Delta Strangle Control Plane — sim mode (simulated exchange, no real money)
  Dashboard and API:  http://localhost:${port}/   (API docs: http://localhost:${port}/docs)
  Admin login:        ${email}
  Password:           ${password}
  (The admin is created on the first start of an empty database; both are kept in .env.local.)

INFO
exec delta-strangle serve --host 127.0.0.1 --port "$port"
