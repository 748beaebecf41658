#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh. The stack must be stopped first.
set -euo pipefail

usage() {
    cat <<'EOF_USAGE'
Usage: scripts/restore.sh [--db PATH] [--with-config] [--force] ARCHIVE

Puts the database from ARCHIVE (made by scripts/backup.sh) back in place. The current
database (with its -wal/-shm files) is moved to data/pre-restore-<UTC timestamp>/ first,
never deleted.

  1. docker compose -f docker-compose.prod.yml down     (stop the stack)
  2. scripts/restore.sh backups/delta-strangle-<timestamp>.tar.gz
  3. docker compose -f docker-compose.prod.yml --env-file .env.prod up -d

Options:
  --db PATH       database file to replace (default: data/delta_trader.db)
  --with-config   also restore .env.prod (the current one is kept as .env.prod.pre-restore-<ts>)
  --force         restore even though the backend container seems to be running
  -h, --help      show this help
EOF_USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/envfile.sh
source "$ROOT/scripts/lib/envfile.sh"

DB=data/delta_trader.db
WITH_CONFIG=0
FORCE=0
ARCHIVE=""
DOCKER="${DOCKER:-docker}"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --db) [[ $# -ge 2 ]] || { usage >&2; exit 64; }; DB="$2"; shift 2 ;;
        --with-config) WITH_CONFIG=1; shift ;;
        --force) FORCE=1; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) printf 'Unknown option: %s\n\n' "$1" >&2; usage >&2; exit 64 ;;
        *) [[ -z "$ARCHIVE" ]] || { usage >&2; exit 64; }; ARCHIVE="$1"; shift ;;
    esac
done

die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

[[ -n "$ARCHIVE" ]] || { usage >&2; exit 64; }
[[ -f "$ARCHIVE" ]] || die "archive $ARCHIVE not found"

if [[ $FORCE -eq 0 ]] && command -v "$DOCKER" >/dev/null \
    && [[ -n "$("$DOCKER" compose -f docker-compose.prod.yml ps -q backend 2>/dev/null || true)" ]]; then
    die "the backend container is running: stop the stack first (docker compose -f docker-compose.prod.yml down), or pass --force"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
tar -C "$WORK" -xzf "$ARCHIVE"
shopt -s nullglob
dirs=("$WORK"/delta-strangle-*)
[[ ${#dirs[@]} -eq 1 && -f "${dirs[0]}/delta_trader.db" ]] || die "$ARCHIVE is not a backup made by scripts/backup.sh"
SRC="${dirs[0]}"

if command -v python3 >/dev/null; then
    check="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$SRC/delta_trader.db")"
else
    check="$(sqlite3 "$SRC/delta_trader.db" 'PRAGMA integrity_check;')"
fi
[[ "$check" == "ok" ]] || die "the database in $ARCHIVE fails its integrity check: $check"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$(dirname "$DB")"
if [[ -e "$DB" ]]; then
    aside="$(dirname "$DB")/pre-restore-$STAMP"
    mkdir -p "$aside"
    for suffix in "" -wal -shm -journal; do
        if [[ -e "$DB$suffix" ]]; then
            mv -- "$DB$suffix" "$aside/"
        fi
    done
    printf 'Previous database moved to %s/\n' "$aside"
fi
cp -- "$SRC/delta_trader.db" "$DB.restoring"
mv -- "$DB.restoring" "$DB"

if [[ $WITH_CONFIG -eq 1 ]]; then
    [[ -f "$SRC/.env.prod" ]] || die "$ARCHIVE contains no .env.prod"
    if [[ -f .env.prod ]]; then
        mv .env.prod ".env.prod.pre-restore-$STAMP"
    fi
    cp -p "$SRC/.env.prod" .env.prod
    chmod 600 .env.prod
    printf 'Restored .env.prod\n'
fi

uid="$(env_file_value .env.prod APP_UID)"
gid="$(env_file_value .env.prod APP_GID)"
if [[ -n "$uid" && -n "$gid" ]] && ! chown "$uid:$gid" "$DB" 2>/dev/null; then
    printf 'WARNING: could not chown %s to %s:%s; run: sudo chown %s:%s %s\n' "$DB" "$uid" "$gid" "$uid" "$gid" "$DB" >&2
fi
printf 'Restored %s from %s (deployed commit was %s)\n' "$DB" "$ARCHIVE" "$(cat "$SRC/COMMIT" 2>/dev/null || echo unknown)"
printf 'Start the stack: docker compose -f docker-compose.prod.yml --env-file .env.prod up -d\n'
