"""The two-replica deployment files in deploy/: both replicas run the same command on
PostgreSQL, secrets stay in env files, the healthcheck asks /readyz where the bot serves it,
and the systemd unit always brings a replica back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.settings import RunSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REPLICAS = ("triage-a", "triage-b")
SECRET = re.compile(r"PASSWORD|TOKEN|SECRET", re.IGNORECASE)


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _unit() -> dict[str, list[tuple[str, str]]]:
    """The unit's sections, each a list of (key, value): systemd allows a key many times."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in (DEPLOY / "systemd" / "triage.service").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        assert current is not None, f"a key outside a section: {line}"
        key, _, value = line.partition("=")
        current.append((key, value))
    return sections


def _values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [value for k, value in section if k == key]


@pytest.mark.parametrize("name", REPLICAS)
def test_each_replica_runs_the_bot_on_postgres_without_a_password_in_the_url(name: str) -> None:
    service = _compose()["services"][name]
    assert service["command"] == ["triage", "run"]
    assert service["restart"] == "always"
    url = urlsplit(service["environment"]["TRIAGE_DB"])
    assert url.scheme == "postgresql"
    assert url.username == "triage"
    assert url.password is None
    assert service["env_file"] == "triage.env"
    assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_the_replicas_have_their_own_host_names_and_ports() -> None:
    services = _compose()["services"]
    assert len({services[name]["hostname"] for name in REPLICAS}) == len(REPLICAS)
    assert len({services[name]["ports"][0] for name in REPLICAS}) == len(REPLICAS)


@pytest.mark.parametrize("name", REPLICAS)
def test_the_healthcheck_asks_readyz_where_the_bot_serves_it(name: str) -> None:
    service = _compose()["services"][name]
    environment = service["environment"]
    run = RunSettings(
        http_host=environment["TRIAGE_RUN__HTTP_HOST"],
        http_port=int(environment["TRIAGE_RUN__HTTP_PORT"]),
    )
    command = " ".join(service["healthcheck"]["test"])
    assert f"http://127.0.0.1:{run.http_port}/readyz" in command
    assert service["ports"][0].endswith(f":{run.http_port}")


def test_the_migration_runs_once_before_the_replicas() -> None:
    migrate = _compose()["services"]["migrate"]
    assert migrate["command"] == ["triage", "db", "upgrade"]
    assert migrate["restart"] == "no"


def test_no_secret_is_written_into_the_compose_file() -> None:
    services = _compose()["services"]
    assert services["postgres"]["env_file"] == "postgres.env"
    for name, service in services.items():
        for key in service.get("environment", {}):
            assert not SECRET.search(key), f"{name} sets {key} in compose.yaml"


def test_the_unit_always_brings_a_replica_back_and_reads_secrets_from_a_file() -> None:
    unit = _unit()
    service = unit["Service"]
    assert _values(service, "Restart") == ["always"]
    assert _values(unit["Unit"], "StartLimitIntervalSec") == ["0"]
    assert _values(service, "EnvironmentFile") == ["/etc/triage/triage.env"]
    assert _values(service, "ExecStart")[0].endswith("/triage run")
    assert _values(service, "KillSignal") == ["SIGTERM"]
    for assignment in _values(service, "Environment"):
        name = assignment.partition("=")[0]
        assert not SECRET.search(name), f"the unit sets {name}"
        if name.startswith("TRIAGE_RUN__"):
            field = name.removeprefix("TRIAGE_RUN__").lower()
            assert field in RunSettings.model_fields


def test_the_env_example_names_the_database_password() -> None:
    text = (DEPLOY / "triage.env.example").read_text()
    assert re.search(r"^# TRIAGE_DB=postgresql://triage@", text, re.MULTILINE)
    assert re.search(r"^# TRIAGE_DB_PASSWORD=", text, re.MULTILINE)
