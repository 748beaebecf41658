#!/usr/bin/env bash
# Deploy (or update) the production stack of the Delta Strangle Control Plane.
# Run from anywhere; it works in the repository that contains this script.
# Full procedure: docs/deployment.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/deploy_prod.sh [options]

Updates the checkout from the git remote, rebuilds the images and restarts the stack defined
in docker-compose.prod.yml with the settings in .env.prod.

Steps:
  1. check docker-compose.prod.yml and .env.prod; create data/ and logs/ and chown them to
     APP_UID:APP_GID from .env.prod (the file is parsed, never executed)
     -- then ask the running backend whether a live session holds positions: refuse if so
  2. stash local changes (git stash, label deploy-prod-<UTC timestamp>)
  3. fetch the deploy branch, check it out and reset it to the remote
  4. docker compose down --remove-orphans  (the current images are kept as :rollback)
  5. docker compose build --pull
  6. docker compose up -d, wait until every service is healthy, show the status
     -- unhealthy or failed: restore the previous images and commit and start them again
  7. prune old dangling images of this project, append a line to logs/deploy-audit.log,
     print reminders

Options:
  --branch NAME          branch to deploy (default: the remote's default branch)
  --remote NAME          git remote to deploy from (default: origin)
  --tls                  also apply docker-compose.tls.yml (Caddy with automatic certificates)
  --force                deploy even if a live session holds positions (it will be stopped!)
  --health-timeout SECS  how long to wait for healthy services (default: 240)
  --no-prune             keep old images
  --dry-run              print every command that would change something, change nothing
  -h, --help             show this help

Exit codes: 0 deployed; 1 failed (nothing was stopped, or the previous version was restored);
2 failed and the rollback is not healthy either; 3 refused because of open live positions;
64 bad usage.
EOF
}

# ----------------------------------------------------------------------------- settings
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/envfile.sh
source "$ROOT/scripts/lib/envfile.sh"

COMPOSE_FILE=docker-compose.prod.yml
TLS_COMPOSE_FILE=docker-compose.tls.yml
ENV_FILE=.env.prod
AUDIT_LOG=logs/deploy-audit.log
IMAGES=(delta-strangle-backend delta-strangle-frontend)
PROJECT_LABEL=com.delta-strangle.project=delta-strangle
DOCKER="${DOCKER:-docker}"
HEALTH_INTERVAL="${DEPLOY_HEALTH_INTERVAL:-3}"

BRANCH=""
REMOTE=origin
USE_TLS=0
FORCE=0
DRY_RUN=0
PRUNE=1
HEALTH_TIMEOUT=240

STASH_LABEL=""
PREV_COMMIT=""
NEW_COMMIT=""
HAVE_ROLLBACK_IMAGES=0
STACK_STOPPED=0
FINISHED=0

# ----------------------------------------------------------------------------- helpers
log() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Print a command, then run it (or only print it with --dry-run).
run() {
    if [[ $DRY_RUN -eq 1 ]]; then
        printf '[dry-run] %s\n' "$(quote "$@")"
        return 0
    fi
    printf '+ %s\n' "$(quote "$@")"
    "$@"
}

quote() {
    local out="" arg
    for arg in "$@"; do
        out+="$(printf '%q' "$arg") "
    done
    printf '%s' "${out% }"
}

# The compose command line (set once the options are parsed), e.g. for `run "${COMPOSE[@]}" ps`.
COMPOSE=()
compose() { "${COMPOSE[@]}" "$@"; }

utc_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# Value of KEY in .env.prod, parsed as data (scripts/lib/envfile.sh).
env_value() { env_file_value "$ENV_FILE" "$1"; }

audit() {
    local result="$1" line
    line="$(utc_now) result=${result} user=$(id -un 2>/dev/null || echo "?") host=$(hostname 2>/dev/null || echo "?")"
    line+=" remote=${REMOTE} branch=${BRANCH:-?} from=${PREV_COMMIT:-?} to=${NEW_COMMIT:-?}"
    line+=" force=${FORCE} tls=${USE_TLS} stash=${STASH_LABEL:-none}"
    if [[ $DRY_RUN -eq 1 ]]; then
        printf '[dry-run] would append to %s: %s\n' "$AUDIT_LOG" "$line"
        return 0
    fi
    mkdir -p "$(dirname "$AUDIT_LOG")"
    if ! printf '%s\n' "$line" >>"$AUDIT_LOG"; then
        warn "could not write the audit line to $AUDIT_LOG: $line"
    fi
}

# Any unexpected failure after the stack was stopped: say so loudly.
# shellcheck disable=SC2317  # invoked by the EXIT trap
on_exit() {
    local rc=$?
    if [[ $rc -ne 0 && $STACK_STOPPED -eq 1 && $FINISHED -eq 0 && $DRY_RUN -eq 0 ]]; then
        printf 'ERROR: the deployment stopped unexpectedly after the stack was taken down.\n' >&2
        printf '       Check: docker compose -f %s ps ; start it: docker compose -f %s --env-file %s up -d\n' \
            "$COMPOSE_FILE" "$COMPOSE_FILE" "$ENV_FILE" >&2
    fi
}
trap on_exit EXIT

# ----------------------------------------------------------------------------- arguments
while [[ $# -gt 0 ]]; do
    case "$1" in
        --branch)
            [[ $# -ge 2 && -n "$2" ]] || { usage >&2; exit 64; }
            BRANCH="$2"; shift 2 ;;
        --branch=*) BRANCH="${1#*=}"; shift ;;
        --remote)
            [[ $# -ge 2 && -n "$2" ]] || { usage >&2; exit 64; }
            REMOTE="$2"; shift 2 ;;
        --tls) USE_TLS=1; shift ;;
        --force) FORCE=1; shift ;;
        --dry-run) DRY_RUN=1; shift ;;
        --no-prune) PRUNE=0; shift ;;
        --health-timeout)
            [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { usage >&2; exit 64; }
            HEALTH_TIMEOUT="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'Unknown option: %s\n\n' "$1" >&2; usage >&2; exit 64 ;;
    esac
done

COMPOSE=("$DOCKER" compose -f "$COMPOSE_FILE")
if [[ $USE_TLS -eq 1 ]]; then
    COMPOSE+=(-f "$TLS_COMPOSE_FILE")
fi
COMPOSE+=(--env-file "$ENV_FILE")

# ----------------------------------------------------------------------------- step 1
preflight() {
    log "Step 1/7: checking files, settings and host directories"
    [[ -f "$COMPOSE_FILE" ]] || die "$COMPOSE_FILE not found in $ROOT"
    [[ -f "$ENV_FILE" ]] || die "$ENV_FILE not found: cp .env.prod.example .env.prod and fill it in (docs/deployment.md)"
    if [[ $USE_TLS -eq 1 ]]; then
        [[ -f "$TLS_COMPOSE_FILE" ]] || die "$TLS_COMPOSE_FILE not found in $ROOT"
        [[ -n "$(env_value TLS_DOMAIN)" ]] || die "--tls needs TLS_DOMAIN in $ENV_FILE"
        [[ -n "$(env_value TLS_ACME_EMAIL)" ]] || die "--tls needs TLS_ACME_EMAIL in $ENV_FILE"
    fi
    command -v git >/dev/null || die "git is not installed"
    command -v "$DOCKER" >/dev/null || die "docker is not installed (or not on PATH)"
    "$DOCKER" compose version >/dev/null 2>&1 || die "the Docker Compose plugin is missing: 'docker compose version' fails"

    # Placeholders left from .env.prod.example: name the keys, never print the values.
    local placeholders
    placeholders="$(grep -E '^[[:space:]]*(export[[:space:]]+)?[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=.*(change-me|<[^>]*>)' "$ENV_FILE" \
        | sed -E 's/^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*).*/\2/' | sort -u | tr '\n' ' ' || true)"
    [[ -z "$placeholders" ]] || die "$ENV_FILE still has placeholder values for: ${placeholders% } (replace them, or empty the optional ones)"

    APP_UID="$(env_value APP_UID)"
    APP_GID="$(env_value APP_GID)"
    APP_UID="${APP_UID:-1000}"
    APP_GID="${APP_GID:-1000}"
    [[ "$APP_UID" =~ ^[0-9]+$ ]] || die "APP_UID in $ENV_FILE must be a number, got '$APP_UID'"
    [[ "$APP_GID" =~ ^[0-9]+$ ]] || die "APP_GID in $ENV_FILE must be a number, got '$APP_GID'"

    run mkdir -p data logs
    if [[ $DRY_RUN -eq 1 ]]; then
        printf '[dry-run] %s\n' "$(quote chown -R "$APP_UID:$APP_GID" data logs)"
    elif ! chown -R "$APP_UID:$APP_GID" data logs 2>/dev/null; then
        warn "could not chown data/ and logs/ to $APP_UID:$APP_GID; run: sudo chown -R $APP_UID:$APP_GID data logs"
    fi
}

# ----------------------------------------------------------------------------- live guard
# Asks the running backend (if any) about live trading. Contract of the CLI command:
#   delta-strangle engine-status --json  ->  {"open_positions": <int>, "live_sessions": <int>}, exit 0
live_guard() {
    local when="$1" cid status open live
    cid="$(compose ps -q backend 2>/dev/null || true)"
    if [[ -z "$cid" ]]; then
        log "Live-position check ($when): no backend container is running"
        return 0
    fi
    if ! status="$(compose exec -T backend delta-strangle engine-status --json 2>/dev/null)"; then
        status=""
    fi
    open="$(printf '%s' "$status" | sed -nE 's/.*"open_positions"[[:space:]]*:[[:space:]]*([0-9]+).*/\1/p' | head -n 1)"
    live="$(printf '%s' "$status" | sed -nE 's/.*"live_sessions"[[:space:]]*:[[:space:]]*([0-9]+).*/\1/p' | head -n 1)"
    if [[ -z "$open" || -z "$live" ]]; then
        if [[ $FORCE -eq 1 ]]; then
            warn "could not read the engine status; continuing because of --force"
            return 0
        fi
        audit refused-unknown-engine-status
        printf 'ERROR: the running backend did not answer "delta-strangle engine-status --json"; cannot confirm that no live position is open.\n' >&2
        printf '       Check it with: docker compose -f %s exec backend delta-strangle engine-status --json\n' "$COMPOSE_FILE" >&2
        printf '       Deploy anyway with --force.\n' >&2
        exit 3
    fi
    log "Live-position check ($when): live_sessions=$live open_positions=$open"
    if [[ "$open" -gt 0 || "$live" -gt 0 ]]; then
        if [[ $FORCE -eq 1 ]]; then
            warn "a live session is running (open positions: $open); --force given: it WILL be stopped"
            return 0
        fi
        audit refused-live-positions
        printf 'ERROR: refusing to deploy: %s live session(s) running with %s open position(s).\n' "$live" "$open" >&2
        printf '       Stop the session (and flatten) from the Live Control tab, then run the deploy again,\n' >&2
        printf '       or re-run with --force to stop it regardless.\n' >&2
        exit 3
    fi
}

# ----------------------------------------------------------------------------- step 2
# .env.prod and the state directories are never stashed, whatever .gitignore says:
# ignored paths are left out by git anyway; the others are excluded explicitly.
stash_pathspec() {
    local path
    STASH_PATHSPEC=()
    for path in "$ENV_FILE" data logs backups; do
        if [[ -e "$path" ]] && ! git check-ignore -q "$path"; then
            STASH_PATHSPEC+=(":(exclude)$path")
        fi
    done
    if [[ ${#STASH_PATHSPEC[@]} -gt 0 ]]; then
        STASH_PATHSPEC=(-- . "${STASH_PATHSPEC[@]}")
    fi
}

stash_local_changes() {
    log "Step 2/7: saving local changes"
    stash_pathspec
    if [[ -z "$(git status --porcelain --untracked-files=all "${STASH_PATHSPEC[@]}")" ]]; then
        log "no local changes"
        return 0
    fi
    STASH_LABEL="deploy-prod-$(date -u +%Y%m%dT%H%M%SZ)"
    run git stash push --include-untracked -m "$STASH_LABEL" "${STASH_PATHSPEC[@]}"
}

# ----------------------------------------------------------------------------- step 3
default_branch() {
    local ref
    ref="$(git ls-remote --symref "$REMOTE" HEAD 2>/dev/null | sed -nE 's@^ref: refs/heads/([^[:space:]]+)[[:space:]]+HEAD$@\1@p' | head -n 1)"
    if [[ -z "$ref" ]]; then
        ref="$(git symbolic-ref --quiet --short "refs/remotes/$REMOTE/HEAD" 2>/dev/null || true)"
        ref="${ref#"$REMOTE/"}"
    fi
    printf '%s' "$ref"
}

update_checkout() {
    if [[ -z "$BRANCH" ]]; then
        BRANCH="$(default_branch)"
        [[ -n "$BRANCH" ]] || die "cannot find the default branch of remote '$REMOTE'; pass --branch NAME"
    fi
    log "Step 3/7: updating the checkout to $REMOTE/$BRANCH"
    run git fetch --prune "$REMOTE" "+refs/heads/$BRANCH:refs/remotes/$REMOTE/$BRANCH"
    if git show-ref --verify --quiet "refs/heads/$BRANCH"; then
        run git checkout "$BRANCH"
    else
        run git checkout -b "$BRANCH" --track "$REMOTE/$BRANCH"
    fi
    run git reset --hard "$REMOTE/$BRANCH"
    NEW_COMMIT="$(git rev-parse HEAD)"
    if [[ $DRY_RUN -eq 1 ]]; then
        NEW_COMMIT="$(git rev-parse --verify --quiet "$REMOTE/$BRANCH" || echo "?")"
    fi
    log "deploying commit ${NEW_COMMIT} (was ${PREV_COMMIT})"
}

# ----------------------------------------------------------------------------- step 4
stop_stack() {
    log "Step 4/7: stopping the running stack"
    local image
    HAVE_ROLLBACK_IMAGES=1
    for image in "${IMAGES[@]}"; do
        if "$DOCKER" image inspect "$image:prod" >/dev/null 2>&1; then
            run "$DOCKER" image tag "$image:prod" "$image:rollback"
        else
            HAVE_ROLLBACK_IMAGES=0
        fi
    done
    [[ $HAVE_ROLLBACK_IMAGES -eq 1 ]] || log "no previous images found (first deployment): no automatic rollback possible"
    STACK_STOPPED=1
    run "${COMPOSE[@]}" down --remove-orphans
}

# ----------------------------------------------------------------------------- steps 5 and 6
build_images() {
    log "Step 5/7: building the images"
    run "${COMPOSE[@]}" build --pull
}

start_stack() {
    log "Step 6/7: starting the stack"
    run "${COMPOSE[@]}" up -d
}

# Polls every container of the project until all are healthy (or running without a
# healthcheck). Fails as soon as one is unhealthy or exited, or at the deadline.
wait_healthy() {
    if [[ $DRY_RUN -eq 1 ]]; then
        printf '[dry-run] would wait up to %ss for all services to be healthy\n' "$HEALTH_TIMEOUT"
        return 0
    fi
    log "waiting up to ${HEALTH_TIMEOUT}s for the services to become healthy"
    local deadline=$((SECONDS + HEALTH_TIMEOUT)) ids id state pending
    while :; do
        ids="$(compose ps -a -q 2>/dev/null || true)"
        pending=0
        if [[ -z "$ids" ]]; then
            pending=1
        fi
        for id in $ids; do
            state="$("$DOCKER" inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id" 2>/dev/null || echo "missing missing")"
            case "$state" in
                "running healthy" | "running none") ;;
                *unhealthy | exited* | dead* | missing*)
                    printf 'service container %s is %s\n' "$id" "$state" >&2
                    return 1 ;;
                *) pending=1 ;;
            esac
        done
        [[ $pending -eq 0 ]] && return 0
        if [[ $SECONDS -ge $deadline ]]; then
            printf 'timed out after %ss waiting for healthy services\n' "$HEALTH_TIMEOUT" >&2
            return 1
        fi
        sleep "$HEALTH_INTERVAL"
    done
}

# ----------------------------------------------------------------------------- rollback
rollback() {
    local reason="$1" image
    printf 'ERROR: %s\n' "$reason" >&2
    compose ps >&2 || true
    compose logs --tail=80 backend >&2 || true
    if [[ $HAVE_ROLLBACK_IMAGES -ne 1 || -z "$PREV_COMMIT" ]]; then
        FINISHED=1
    audit failed-no-rollback
        printf 'ERROR: no previous images to roll back to. Fix the problem and deploy again.\n' >&2
        exit 2
    fi
    log "ROLLBACK: restoring commit $PREV_COMMIT and the previous images"
    run "${COMPOSE[@]}" down --remove-orphans || true
    for image in "${IMAGES[@]}"; do
        run "$DOCKER" image tag "$image:rollback" "$image:prod"
    done
    run git reset --hard "$PREV_COMMIT"
    run "${COMPOSE[@]}" up -d --no-build
    if wait_healthy; then
        FINISHED=1
        run "${COMPOSE[@]}" ps || true
        audit rolled-back
        printf 'ERROR: deployment of %s failed; the previous version (%s) is running again.\n' "$NEW_COMMIT" "$PREV_COMMIT" >&2
        [[ -z "$STASH_LABEL" ]] || printf '       Local changes were stashed as %s (git stash list).\n' "$STASH_LABEL" >&2
        exit 1
    fi
    FINISHED=1
    audit rollback-unhealthy
    printf 'ERROR: the rollback is not healthy either. Inspect: docker compose -f %s logs backend\n' "$COMPOSE_FILE" >&2
    exit 2
}

# ----------------------------------------------------------------------------- step 7
prune_images() {
    [[ $PRUNE -eq 1 ]] || return 0
    run "$DOCKER" image prune -f --filter "label=$PROJECT_LABEL" || warn "image prune failed (ignored)"
}

reminders() {
    log "Step 7/7: done, commit ${NEW_COMMIT} is live"
    cat <<EOF

Next steps
  * Status:          docker compose -f $COMPOSE_FILE ps
  * Backend logs:    docker compose -f $COMPOSE_FILE logs -f backend
  * Log tailer:      the backend's /api/ready is only healthy while the log tail and retention
                     services run; new lines of logs/backend.log should appear in the dashboard's
                     "Log Viewer" tab within seconds (filter by level, event or correlation id).
  * Log Viewer:      open the dashboard (https://<your-domain>/) and pick the "Log Viewer" tab.
  * Audit trail:     $AUDIT_LOG
EOF
    if [[ -n "$STASH_LABEL" ]]; then
        cat <<EOF
  * Stashed work:    local changes were saved as "$STASH_LABEL".
                     Review with: git stash list / git stash show -p stash^{/$STASH_LABEL}
                     Re-apply with: git stash pop stash@{N}  (N from git stash list)
EOF
    fi
}

# ----------------------------------------------------------------------------- main
main() {
    [[ $DRY_RUN -eq 0 ]] || log "DRY RUN: nothing will be changed"
    git rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "$ROOT is not a git checkout"
    PREV_COMMIT="$(git rev-parse HEAD)"

    preflight
    live_guard "before any change"

    if [[ $DRY_RUN -eq 0 ]] && command -v flock >/dev/null; then
        exec 9>"logs/.deploy.lock"
        flock -n 9 || die "another deployment is running (logs/.deploy.lock)"
    fi

    stash_local_changes
    update_checkout

    # Check again right before stopping anything: a session may have started meanwhile.
    live_guard "before stopping the stack"
    stop_stack

    build_images || rollback "docker compose build failed"
    start_stack || rollback "docker compose up failed"
    wait_healthy || rollback "the new stack did not become healthy"
    run "${COMPOSE[@]}" ps

    FINISHED=1
    prune_images
    audit success
    reminders
}

# One line, so bash has read it whole before the checkout (step 3) replaces this file.
main; exit $?
