"""scripts/deploy_prod.sh end to end, against a fake `docker` (fixtures/fake_docker.py) and a
local bare git remote whose default branch is `trunk` (neither master nor main on purpose)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import FIXTURES, REPO_ROOT

SCRIPT_FILES = ["scripts/deploy_prod.sh", "scripts/lib/envfile.sh", "docker-compose.prod.yml", "docker-compose.tls.yml"]
GOOD_ENV = """\
APP_ENV=production
TRADING_MODE=sim
DATABASE_URL=sqlite+aiosqlite:////app/data/delta_trader.db
ALLOWED_ORIGINS=https://trader.example.org
JWT_SECRET_KEY=Zq3v8Jr1mW6tY0pL5sK2nB7xC4fH9dGaQeRuTiOy
APP_UID={uid}
APP_GID="{gid}"
VITE_API_BASE_URL=/api
VITE_ENABLE_API_DEBUG=false
"""


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


@dataclass
class Deployment:
    host: Path  # the production checkout
    seed: Path  # another clone, used to push new commits
    state: Path  # fake docker state
    bin_dir: Path
    v1: str
    v2: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_DOCKER_STATE": str(self.state),
            "DEPLOY_HEALTH_INTERVAL": "0.05",
            "GIT_CONFIG_GLOBAL": str(self.state / "gitconfig"),
        }
        return subprocess.run(
            ["bash", str(self.host / "scripts" / "deploy_prod.sh"), *args],
            cwd=self.host,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    def calls(self) -> list[dict[str, object]]:
        path = self.state / "calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def docker_commands(self) -> list[str]:
        """Each call as a short string without the global compose options."""
        out = []
        for call in self.calls():
            argv = list(call["argv"])  # type: ignore[call-overload]
            if argv[:1] == ["compose"]:
                rest = argv[1:]
                while rest and rest[0] in ("-f", "--env-file"):
                    rest = rest[2:]
                argv = ["compose", *rest]
            out.append(" ".join(argv))
        return out

    def audit_lines(self) -> list[str]:
        path = self.host / "logs" / "deploy-audit.log"
        return path.read_text().splitlines() if path.exists() else []

    def set_state(self, name: str, content: str) -> None:
        (self.state / name).write_text(content)


def index_of(commands: list[str], prefix: str) -> int:
    for position, command in enumerate(commands):
        if command.startswith(prefix):
            return position
    raise AssertionError(f"no docker call starting with {prefix!r} in {commands}")


MUTATING = ("compose down", "compose build", "compose up", "image tag", "image prune")


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    state = tmp_path / "docker-state"
    state.mkdir()
    (state / "gitconfig").write_text("[user]\n\tname = Deploy Test\n\temail = deploy@test.invalid\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(state / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    fake.write_text(f"#!{sys.executable}\n" + (FIXTURES / "fake_docker.py").read_text())
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)

    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "trunk", str(remote)], check=True)
    seed = tmp_path / "seed"
    subprocess.run(["git", "clone", "-q", str(remote), str(seed)], check=True, capture_output=True)
    git(seed, "checkout", "-q", "-b", "trunk")
    for name in SCRIPT_FILES:
        target = seed / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    (seed / ".gitignore").write_text(".env.prod\ndata/\nlogs/\nbackups/\n")
    (seed / "README.md").write_text("version 1\n")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "v1")
    git(seed, "push", "-q", "origin", "trunk")
    v1 = git(seed, "rev-parse", "HEAD")

    host = tmp_path / "host"
    subprocess.run(["git", "clone", "-q", str(remote), str(host)], check=True, capture_output=True)
    (host / ".env.prod").write_text(GOOD_ENV.format(uid=os.getuid(), gid=os.getgid()))

    (seed / "README.md").write_text("version 2\n")
    git(seed, "commit", "-q", "-am", "v2")
    git(seed, "push", "-q", "origin", "trunk")
    v2 = git(seed, "rev-parse", "HEAD")

    # A previous deployment is up and running.
    deployment = Deployment(host=host, seed=seed, state=state, bin_dir=bin_dir, v1=v1, v2=v2)
    deployment.set_state("running", "yes")
    deployment.set_state(
        "images.json",
        json.dumps({"delta-strangle-backend:prod": "sha256:old-backend", "delta-strangle-frontend:prod": "sha256:old-frontend"}),
    )
    return deployment


def test_help() -> None:
    result = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "deploy_prod.sh"), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for word in ("Usage:", "--branch", "--force", "--dry-run", "--tls", "docker compose build --pull"):
        assert word in result.stdout


def test_unknown_option_is_a_usage_error(deployment: Deployment) -> None:
    result = deployment.run("--frobnicate")
    assert result.returncode == 64
    assert "Unknown option: --frobnicate" in result.stderr
    assert deployment.calls() == []


def test_happy_path(deployment: Deployment) -> None:
    host = deployment.host
    (host / "README.md").write_text("edited on the server\n")
    (host / "notes.txt").write_text("untracked scratch file\n")

    result = deployment.run()
    assert result.returncode == 0, result.stdout + result.stderr

    # Step 3: the remote's default branch (trunk), reset to the newest commit.
    assert git(host, "rev-parse", "--abbrev-ref", "HEAD") == "trunk"
    assert git(host, "rev-parse", "HEAD") == deployment.v2
    assert (host / "README.md").read_text() == "version 2\n"

    # Step 2: local edits were stashed with a timestamped label; .env.prod was not touched.
    stashes = git(host, "stash", "list")
    assert "deploy-prod-" in stashes and len(stashes.splitlines()) == 1
    assert "notes.txt" in git(host, "stash", "show", "--include-untracked", "--name-only", "stash@{0}")
    assert not (host / "notes.txt").exists()
    assert (host / ".env.prod").read_text() == GOOD_ENV.format(uid=os.getuid(), gid=os.getgid())

    # Step 1: host directories.
    assert (host / "data").is_dir() and (host / "logs").is_dir()

    commands = deployment.docker_commands()
    guard = index_of(commands, "compose exec -T backend delta-strangle engine-status --json")
    tag = index_of(commands, "image tag delta-strangle-backend:prod delta-strangle-backend:rollback")
    down = index_of(commands, "compose down --remove-orphans")
    build = index_of(commands, "compose build --pull")
    up = index_of(commands, "compose up -d")
    health = index_of(commands, "inspect --format")
    prune = index_of(commands, "image prune -f --filter label=com.delta-strangle.project=delta-strangle")
    assert guard < tag < down < build < up < health < prune
    assert "compose ps" in commands[health:prune]

    calls = deployment.calls()
    # The live-position check runs before anything changed, and again just before `down`.
    assert calls[guard]["head"] == deployment.v1
    assert calls[down]["head"] == deployment.v2
    checks = [position for position, command in enumerate(commands) if "engine-status" in command]
    assert len(checks) == 2
    assert calls[checks[1]]["head"] == deployment.v2 and checks[1] < tag
    # Every compose call reads .env.prod for ${APP_UID}/${APP_GID}/VITE_* substitution.
    for call in calls:
        argv = call["argv"]
        if argv[0] == "compose" and argv[1] != "version":  # type: ignore[index]
            assert argv[1:5] == ["-f", "docker-compose.prod.yml", "--env-file", ".env.prod"], argv  # type: ignore[index]

    (line,) = deployment.audit_lines()
    assert "result=success" in line
    assert f"from={deployment.v1}" in line and f"to={deployment.v2}" in line
    assert "branch=trunk" in line and "stash=deploy-prod-" in line

    assert "git stash list" in result.stdout  # reminder about stashed work
    assert "Log Viewer" in result.stdout


def test_branch_option(deployment: Deployment) -> None:
    seed = deployment.seed
    git(seed, "checkout", "-q", "-b", "release")
    (seed / "README.md").write_text("release candidate\n")
    git(seed, "commit", "-q", "-am", "rc")
    git(seed, "push", "-q", "origin", "release")

    result = deployment.run("--branch", "release")
    assert result.returncode == 0, result.stderr
    assert git(deployment.host, "rev-parse", "--abbrev-ref", "HEAD") == "release"
    assert git(deployment.host, "rev-parse", "HEAD") == git(seed, "rev-parse", "HEAD")


def test_refuses_while_a_live_session_holds_positions(deployment: Deployment) -> None:
    (deployment.host / "README.md").write_text("edited on the server\n")
    deployment.set_state("engine_status.json", '{"open_positions": 2, "live_sessions": 1}')

    result = deployment.run()
    assert result.returncode == 3
    assert "refusing to deploy" in result.stderr and "--force" in result.stderr
    assert not any(command.startswith(MUTATING) for command in deployment.docker_commands())
    assert git(deployment.host, "rev-parse", "HEAD") == deployment.v1
    assert git(deployment.host, "stash", "list") == ""
    assert (deployment.host / "README.md").read_text() == "edited on the server\n"
    assert "result=refused-live-positions" in deployment.audit_lines()[0]


def test_refuses_when_the_engine_status_cannot_be_read(deployment: Deployment) -> None:
    deployment.set_state("engine_status.json", "Error: No such command 'engine-status'")
    deployment.set_state("engine_status_rc", "2")
    result = deployment.run()
    assert result.returncode == 3
    assert "cannot confirm" in result.stderr
    assert not any(command.startswith(MUTATING) for command in deployment.docker_commands())


def test_force_deploys_over_a_live_session(deployment: Deployment) -> None:
    deployment.set_state("engine_status.json", '{"open_positions": 2, "live_sessions": 1}')
    result = deployment.run("--force")
    assert result.returncode == 0, result.stderr
    assert "WILL be stopped" in result.stderr
    assert "compose down --remove-orphans" in deployment.docker_commands()
    assert git(deployment.host, "rev-parse", "HEAD") == deployment.v2
    assert "force=1" in deployment.audit_lines()[0]


def test_no_running_backend_is_not_a_reason_to_refuse(deployment: Deployment) -> None:
    (deployment.state / "running").unlink()
    result = deployment.run()
    assert result.returncode == 0, result.stderr
    assert not any("engine-status" in command for command in deployment.docker_commands())


def test_rollback_after_failed_health_check(deployment: Deployment) -> None:
    deployment.set_state("health_1", "starting,starting,unhealthy")  # the new version
    deployment.set_state("health_2", "starting,healthy")  # the rollback

    result = deployment.run()
    assert result.returncode == 1
    assert "did not become healthy" in result.stderr
    assert "previous version" in result.stderr

    commands = deployment.docker_commands()
    first_up = index_of(commands, "compose up -d")
    restore = index_of(commands, "image tag delta-strangle-backend:rollback delta-strangle-backend:prod")
    second_up = index_of(commands, "compose up -d --no-build")
    assert first_up < restore < second_up
    assert "image tag delta-strangle-frontend:rollback delta-strangle-frontend:prod" in commands
    images = json.loads((deployment.state / "images.json").read_text())
    assert images["delta-strangle-backend:prod"] == "sha256:old-backend"
    assert images["delta-strangle-frontend:prod"] == "sha256:old-frontend"
    assert git(deployment.host, "rev-parse", "HEAD") == deployment.v1
    assert deployment.calls()[second_up]["head"] == deployment.v1
    assert (deployment.state / "running").exists()
    assert "result=rolled-back" in deployment.audit_lines()[0]
    assert not any(command.startswith("image prune") for command in commands)


def test_rollback_after_failed_build(deployment: Deployment) -> None:
    deployment.set_state("fail_build", "")
    result = deployment.run()
    assert result.returncode == 1
    assert "docker compose build failed" in result.stderr
    assert "compose up -d --no-build" in deployment.docker_commands()
    assert git(deployment.host, "rev-parse", "HEAD") == deployment.v1


def test_unhealthy_rollback_exits_2(deployment: Deployment) -> None:
    deployment.set_state("health_1", "unhealthy")
    deployment.set_state("health_2", "unhealthy")
    result = deployment.run()
    assert result.returncode == 2
    assert "result=rollback-unhealthy" in deployment.audit_lines()[0]


def test_first_deployment_without_previous_images(deployment: Deployment) -> None:
    (deployment.state / "running").unlink()
    (deployment.state / "images.json").write_text("{}")
    deployment.set_state("health_1", "unhealthy")
    result = deployment.run()
    assert result.returncode == 2
    assert "no previous images" in result.stderr
    assert "result=failed-no-rollback" in deployment.audit_lines()[0]


def test_dry_run_changes_nothing(deployment: Deployment) -> None:
    host = deployment.host
    (host / "README.md").write_text("edited on the server\n")

    result = deployment.run("--dry-run")
    assert result.returncode == 0, result.stderr
    for expected in (
        "[dry-run] git stash push --include-untracked -m deploy-prod-",
        "[dry-run] git fetch --prune origin",
        "[dry-run] git reset --hard origin/trunk",
        "[dry-run] docker compose -f docker-compose.prod.yml --env-file .env.prod down --remove-orphans",
        "[dry-run] docker compose -f docker-compose.prod.yml --env-file .env.prod build --pull",
        "[dry-run] docker compose -f docker-compose.prod.yml --env-file .env.prod up -d",
        "[dry-run] would append to logs/deploy-audit.log",
    ):
        assert expected in result.stdout, expected
    assert not any(command.startswith(MUTATING) for command in deployment.docker_commands())
    assert git(host, "rev-parse", "HEAD") == deployment.v1
    assert git(host, "stash", "list") == ""
    assert (host / "README.md").read_text() == "edited on the server\n"
    assert deployment.audit_lines() == []


def test_placeholder_settings_are_refused_by_name(deployment: Deployment) -> None:
    shutil.copy(REPO_ROOT / ".env.prod.example", deployment.host / ".env.prod")
    result = deployment.run()
    assert result.returncode == 1
    assert "placeholder" in result.stderr
    for name in ("JWT_SECRET_KEY", "INITIAL_ADMIN_PASSWORD", "ALLOWED_ORIGINS", "VITE_API_BASE_URL"):
        assert name in result.stderr
    assert "change-me-generate" not in result.stderr  # values are never printed
    assert not any(command.startswith(MUTATING) for command in deployment.docker_commands())


def test_env_file_is_parsed_never_executed(deployment: Deployment) -> None:
    host = deployment.host
    env = (host / ".env.prod").read_text()
    (host / ".env.prod").write_text(env + "EVIL=$(touch pwned-by-substitution)\n`touch pwned-by-backticks`\n")
    result = deployment.run("--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"chown -R {os.getuid()}:{os.getgid()} data logs" in result.stdout  # quotes stripped, values read
    assert not (host / "pwned-by-substitution").exists()
    assert not (host / "pwned-by-backticks").exists()

    (host / ".env.prod").write_text(env.replace(f"APP_UID={os.getuid()}", "APP_UID=$(id -u)"))
    result = deployment.run("--dry-run")
    assert result.returncode == 1
    assert "APP_UID in .env.prod must be a number" in result.stderr


def test_missing_env_file(deployment: Deployment) -> None:
    (deployment.host / ".env.prod").unlink()
    result = deployment.run()
    assert result.returncode == 1
    assert ".env.prod not found" in result.stderr
    assert deployment.calls() == []


def test_env_file_and_state_are_never_stashed_even_if_not_ignored(deployment: Deployment) -> None:
    host = deployment.host
    (host / ".gitignore").unlink()  # now .env.prod, data/ and logs/ are plain untracked files
    (host / "data").mkdir()
    (host / "data" / "delta_trader.db").write_text("precious")
    (host / "scratch.txt").write_text("stash me\n")

    result = deployment.run()
    assert result.returncode == 0, result.stdout + result.stderr
    stashed = git(host, "stash", "show", "--include-untracked", "--name-only", "stash@{0}").splitlines()
    assert "scratch.txt" in stashed and ".gitignore" in stashed
    assert not any(name.startswith((".env.prod", "data/", "logs/")) for name in stashed)
    assert (host / ".env.prod").exists()
    assert (host / "data" / "delta_trader.db").read_text() == "precious"
