#!/usr/bin/env bash
# Consistent online backup of the SQLite database and of the deployment configuration.
# Safe while the backend is running: the database is copied with SQLite's backup API,
# which takes a consistent snapshot even while the app writes.
set -euo pipefail

usage() {
    cat <<'EOF_USAGE'
Usage: scripts/backup.sh [--db PATH] [--dest DIR] [--keep N]

Writes DIR/delta-strangle-<UTC timestamp>.tar.gz (mode 600) containing:
  delta_trader.db   consistent snapshot of the database (checked with PRAGMA integrity_check)
  .env.prod         the settings, if present (it holds secrets: store the archive safely)
  docker-compose.prod.yml, docker-compose.tls.yml
  COMMIT            the git commit that was deployed

Options:
  --db PATH    database file (default: data/delta_trader.db)
  --dest DIR   where to write the archive (default: backups/)
  --keep N     keep only the newest N archives in DIR (default: 14; 0 keeps all)
  -h, --help   show this help

Restore with scripts/restore.sh ARCHIVE (see docs/deployment.md).
EOF_USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DB=data/delta_trader.db
DEST=backups
KEEP=14

while [[ $# -gt 0 ]]; do
    case "$1" in
        --db) [[ $# -ge 2 ]] || { usage >&2; exit 64; }; DB="$2"; shift 2 ;;
        --dest) [[ $# -ge 2 ]] || { usage >&2; exit 64; }; DEST="$2"; shift 2 ;;
        --keep) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { usage >&2; exit 64; }; KEEP="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'Unknown option: %s\n\n' "$1" >&2; usage >&2; exit 64 ;;
    esac
done

die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

[[ -f "$DB" ]] || die "database $DB not found"
command -v python3 >/dev/null || command -v sqlite3 >/dev/null \
    || die "need python3 or sqlite3 on the host for SQLite's online backup"

umask 077
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
NAME="delta-strangle-$STAMP"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/$NAME" "$DEST"

snapshot="$WORK/$NAME/delta_trader.db"
if command -v python3 >/dev/null; then
    python3 - "$DB" "$snapshot" <<'EOF_PY'
import sqlite3
import sys

source, target = sys.argv[1], sys.argv[2]
src = sqlite3.connect(f"file:{source}", uri=True, timeout=30)
dst = sqlite3.connect(target)
# pages=-1: copy in one step under one read transaction, so the copy is a single consistent
# snapshot; writers keep going (WAL) or wait up to the busy timeout (rollback journal).
src.backup(dst, pages=-1)
src.close()
result = dst.execute("PRAGMA integrity_check").fetchone()[0]
dst.close()
if result != "ok":
    sys.exit(f"integrity check of the copy failed: {result}")
EOF_PY
else
    sqlite3 "$DB" ".timeout 30000" ".backup main '${snapshot//\'/\'\'}'"
    check="$(sqlite3 "$snapshot" 'PRAGMA integrity_check;')"
    [[ "$check" == "ok" ]] || die "integrity check of the copy failed: $check"
fi

for file in .env.prod docker-compose.prod.yml docker-compose.tls.yml; do
    if [[ -f "$file" ]]; then
        cp -p "$file" "$WORK/$NAME/"
    fi
done
git rev-parse HEAD >"$WORK/$NAME/COMMIT" 2>/dev/null || echo unknown >"$WORK/$NAME/COMMIT"

archive="$DEST/$NAME.tar.gz"
tar -C "$WORK" -czf "$archive.partial" "$NAME"
mv "$archive.partial" "$archive"
chmod 600 "$archive"
printf 'Backup written: %s\n' "$archive"

if [[ "$KEEP" -gt 0 ]]; then
    mapfile -t old < <(find "$DEST" -maxdepth 1 -name 'delta-strangle-*.tar.gz' -printf '%f\n' | sort -r | tail -n +"$((KEEP + 1))")
    for name in "${old[@]}"; do
        rm -f -- "${DEST:?}/$name"
        printf 'Removed old backup: %s/%s\n' "$DEST" "$name"
    done
fi
