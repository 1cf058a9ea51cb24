"""The deployment files keep their contract: locked installs with hashes, the Dockerfile, the
Compose file for several replicas. (No Docker engine runs in CI: these read the files.)"""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock(name: str) -> dict[str, tuple[str, str, list[str]]]:
    """{name: (version, marker, hashes)} of a lock written by requirements/lock."""
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    pins: dict[str, tuple[str, str, list[str]]] = {}
    for block in re.split(r"\n(?=[a-z0-9])", text.strip()):
        head = block.split("\\", 1)[0].strip()
        match = re.match(r"^([a-z0-9_.-]+)==([^ ;]+)\s*(?:;\s*(.*))?$", head)
        assert match, head
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        pins[match.group(1)] = (match.group(2), match.group(3) or "", hashes)
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _check_lock_covers(lock: str, requirements: list[str]) -> None:
    pins = _lock(lock)
    for line in requirements:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(default_environment()):
            continue
        version, _, hashes = pins[_normal(req.name)]
        assert req.specifier.contains(version, prereleases=True), (lock, line, version)
        assert hashes, (lock, req.name)


def test_locks_pin_every_dependency_within_its_range_with_hashes() -> None:
    project = _pyproject()["project"]
    _check_lock_covers("runtime.txt", project["dependencies"])
    _check_lock_covers(
        "test.txt", project["dependencies"] + project["optional-dependencies"]["test"]
    )
    assert all(hashes for _, _, hashes in _lock("test.txt").values())


def test_the_test_lock_agrees_with_the_runtime_lock() -> None:
    runtime, test = _lock("runtime.txt"), _lock("test.txt")
    assert {n: v[0] for n, v in runtime.items()} == {n: test[n][0] for n in runtime}


def test_install_commands_use_the_locks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements/test.txt" in readme
    assert "bash requirements/lock" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/test.txt" in ci
    assert "--resolution lowest-direct" in ci


def test_classifiers_name_the_pythons_ci_runs() -> None:
    classifiers = _pyproject()["project"]["classifiers"]
    versions = sorted(c.rsplit(" ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c))
    assert versions == ["3.11", "3.12", "3.13"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    jobs = re.search(r"for job in ([^;]+); do", ci)
    assert jobs, "the compatibility jobs' loop in .ci/run"
    # Each other Python with the locks, and the floors on the lowest and the newest.
    assert set(jobs.group(1).split()) == {"3.12", "3.13", "lowest-3.11", "lowest-3.13"}
    assert _pyproject()["project"]["requires-python"] == ">=3.11"


# ---------------------------------------------------------------- Dockerfile


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _dockerignored(path: str) -> bool:
    """Does .dockerignore keep ``path`` out of the build context? (last matching rule wins)"""
    ignored = False
    for rule in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        rule = rule.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        if (
            fnmatch(path, pattern)
            or path.startswith(pattern + "/")
            or fnmatch(path, pattern.replace("**/", "*/"))
        ):
            ignored = not negate
    return ignored


def test_dockerfile_installs_the_runtime_lock_with_hashes() -> None:
    text = _dockerfile()
    assert "COPY requirements/runtime.txt" in text
    assert "pip install --require-hashes --no-deps -r requirements.txt" in text
    assert "pip install --no-deps ." in text


def test_dockerfile_runs_unprivileged_with_json_logs_and_a_port_aware_healthcheck() -> None:
    text = _dockerfile()
    assert re.search(r"^USER bridge$", text, re.MULTILINE)
    assert "LOG_FORMAT=json" in text
    healthcheck = re.search(r"^HEALTHCHECK .*\n(?:\s+.*\n)*", text, re.MULTILINE)
    assert healthcheck and "os.environ.get('PORT')" in healthcheck.group(0)
    assert "/healthz" in healthcheck.group(0)
    python = re.findall(r"^FROM python:(\d+\.\d+)", text, re.MULTILINE)
    assert python and set(python) <= {"3.11", "3.12", "3.13"}


def test_env_example_leaves_the_image_s_defaults_alone() -> None:
    """`docker run --env-file .env` must not override LOG_FORMAT=json or the /data database."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    assigned = {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z_]+=", line)}
    assert not assigned & {"LOG_FORMAT", "DATABASE_URL", "PORT", "HOST"}


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_secrets() -> None:
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", _dockerfile(), re.MULTILINE)
    sources = [src for line in copied for src in line.split()]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not _dockerignored(source), source
    for kept_out in (".env", "questetra-bot.db", ".venv", "tests", ".git", "requirements/test.txt"):
        assert _dockerignored(kept_out), kept_out


# ---------------------------------------------------------------- compose.yaml


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_two_replicas_on_postgresql_after_one_migration() -> None:
    services = _compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "bot", "migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    replicas = [s for s in services.values() if "serve" in (s.get("command") or [])]
    assert len(replicas) >= 2
    for replica in replicas:
        assert replica["command"] == ["python", "-m", "bot", "serve", "--no-migrate"]
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert replica["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert "@db:5432/" in replica["environment"]["DATABASE_URL"]
        assert replica["environment"]["LOG_FORMAT"] == "json"
    proxy = " ".join(services["proxy"]["command"])
    for name, service in services.items():
        if service in replicas:
            assert f"--to {name}:3000" in proxy
