"""Settings: config/settings.yaml, overridden by TRIAGE_<SECTION>__<KEY> environment variables.

Loading reads files, so it belongs to the edge; the core receives the validated objects.
A problem raises ConfigError naming the file (or variable) and the key; only the CLI exits.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.calendar import CalendarConfig, ReleaseConfig
from bot.directory import Directory, OrganisationsFile
from bot.errors import ConfigError

SETTINGS_FILE = "settings.yaml"
# Secrets per section: from the environment (or .env) only, never from the committed file.
SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "imap": ("password",),
    "smtp": ("password",),
    "slack": ("bot_token", "app_token", "signing_secret"),
    "widget": ("secret",),
}
ORGANISATIONS_FILE = "organisations.yaml"


class HelpdeskConfig(BaseModel):
    """The phone helpdesk of SLA 3.C, as told to customers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phone: str = "030-7600290"
    email: str = "support@dialog.nl"


class ImapSettings(BaseModel):
    """The support mailbox (section `imap`); the password only from the environment or .env."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str
    port: int = Field(default=993, ge=1, le=65535)
    username: str
    password: SecretStr = SecretStr("")
    folder: str = "INBOX"
    tls: bool = True
    idle: bool = Field(default=True, description="Use IDLE when the server offers it.")
    idle_timeout: float = Field(default=300, gt=0, description="Seconds per IDLE round.")
    poll_interval: float = Field(default=60, gt=0, description="Seconds between polls (no IDLE).")
    mark: str = Field(
        default="seen",
        description="After storing: 'seen' (\\Seen flag), 'keyword:NAME', or 'move:FOLDER'.",
    )
    max_message_bytes: int = Field(
        default=10_000_000, gt=0, description="Bigger messages are fetched headers-first."
    )
    fetch_batch: int = Field(default=50, ge=1, le=1000)
    timeout: float = Field(default=30, gt=0, description="Seconds before a command gives up.")
    ack_max_age_hours: float = Field(
        default=72,
        gt=0,
        description="Mail received longer ago than this becomes a ticket but is never "
        "acknowledged (a late 'we received your message' confuses more than it helps).",
    )
    first_start: Literal["unseen", "all"] = Field(
        default="unseen",
        description="A mailbox the store has never read: take in only unread mail (and read "
        "mail since `triage run --since DATE`), or everything in the folder.",
    )

    @field_validator("mark")
    @classmethod
    def _mark(cls, value: str) -> str:
        if value != "seen" and not value.startswith(("keyword:", "move:")):
            raise ValueError("mark is 'seen', 'keyword:NAME' or 'move:FOLDER'")
        return value


class SmtpSettings(BaseModel):
    """Outgoing mail for acknowledgements (section `smtp`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    username: str = ""
    password: SecretStr = SecretStr("")
    tls: Literal["starttls", "ssl", "none"] = "starttls"
    from_address: str = "support@dialog.nl"
    from_name: str = "Dialog Support"
    timeout: float = Field(default=30, gt=0)


class SlackSettings(BaseModel):
    """The Slack app (section `slack`); tokens and the signing secret only from the environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["socket", "http"] = Field(
        default="socket", description="Socket Mode needs no public URL; http needs one."
    )
    bot_token: SecretStr = SecretStr("")
    app_token: SecretStr = SecretStr("")
    signing_secret: SecretStr = SecretStr("")
    api_base_url: str = Field(
        default="https://slack.com/api/", description="Web API base URL (tests, proxies)."
    )
    http_host: str = Field(
        default="127.0.0.1", description="Where /slack/events and /widget listen."
    )
    http_port: int = Field(default=3000, ge=0, le=65535)
    max_request_bytes: int = Field(
        default=1_000_000,
        gt=0,
        description="A request to /slack/events that says it is bigger gets 413, unread.",
    )
    team_channel: str = Field(description="Channel id where triage posts and reminders go.")
    support_channels: tuple[str, ...] = Field(
        default=(), description="Customer channel ids whose messages become reports."
    )
    support_usergroup: str | None = Field(
        default=None, description="User group id whose members may change tickets."
    )
    support_members_channel: str | None = Field(
        default=None, description="Or: the members of this channel may change tickets."
    )
    widget_bot_ids: tuple[str, ...] = Field(
        default=(), description="Bot ids of the support widget posting into a support channel."
    )
    hoog_mention: str = Field(
        default="<!here>",
        description="Who a new Hoog report by phone pings (<!here>, <!subteam^S1>).",
    )
    readers: Literal["team", "everyone"] = Field(
        default="team",
        description="Who may read tickets (/triage list, show, the App Home): the support "
        "team (as for changes) or everyone in the workspace.",
    )
    auth_cache_seconds: float = Field(default=60, ge=0)

    @field_validator("api_base_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        # slack_sdk joins base_url and the method name as strings: the slash matters.
        return value if value.endswith("/") else value + "/"

    def missing(self) -> list[str]:
        """The environment variables this mode still needs (empty when complete)."""
        needed = {"bot_token": self.bot_token}
        if self.mode == "socket":
            needed["app_token"] = self.app_token
        else:
            needed["signing_secret"] = self.signing_secret
        return [
            f"TRIAGE_SLACK__{key.upper()}"
            for key, value in needed.items()
            if not value.get_secret_value()
        ]


class WidgetSettings(BaseModel):
    """The support widget's HTTP endpoint POST /widget (section `widget`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: SecretStr = SecretStr("")
    allow_token: bool = Field(default=False, description="Also accept 'Authorization: Bearer'.")
    max_bytes: int = Field(default=64_000, gt=0)
    tolerance_seconds: int = Field(default=300, gt=0)


class PhoneSettings(BaseModel):
    """Phone call logs (section `phone`): a watched folder and the log's layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    watch_dir: Path | None = Field(
        default=None, description="Call logs dropped here are imported (re-reads are harmless)."
    )
    format: str | None = Field(
        default=None, description="asterisk, nl-csv or jsonl; unset: recognised per file."
    )
    mapping_file: Path | None = Field(
        default=None, description="A YAML column mapping for another CSV layout."
    )
    poll_seconds: float = Field(default=10, gt=0)


class ReportSettings(BaseModel):
    """Monthly SLA report and maintenance announcements in Slack (section `reports`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    monthly_post: bool = Field(
        default=True, description="Post last month's report on the first working day."
    )
    monthly_post_at: time = Field(
        default=time(9, 30), description="Local time of the monthly report post (quoted)."
    )

    @field_validator("monthly_post_at", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        # YAML reads an unquoted 9:30 as the number 570; pydantic would take it as 00:09:30.
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError('write the time in quotes, e.g. "09:30" (YAML reads 9:30 as 570)')
        return value

    @field_validator("monthly_post_at")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("a local time (Europe/Amsterdam), without a UTC offset")
        return value

    maintenance_days_before: int = Field(
        default=2,
        ge=1,
        le=20,
        description="Draft a release announcement this many working days ahead.",
    )


class RunSettings(BaseModel):
    """`triage run` itself (section `run`): one active instance per store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # 20 s: renewed every third of it, and a standby on another machine (which cannot see
    # that the holder's process is gone) checks every 2 s, so it takes over within ~22 s.
    lease_seconds: float = Field(
        default=20,
        ge=2,
        le=600,
        description="A crashed bot's lease expires after this long; a standby then takes over.",
    )
    host: str | None = Field(
        default=None,
        min_length=1,
        description="This bot's name in the lease (default: the machine's host name).",
    )
    http_host: str = Field(
        default="127.0.0.1", description="Where /healthz, /readyz and /metrics listen (below)."
    )
    http_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve /healthz, /readyz and /metrics here when no Slack HTTP mode or "
        "widget endpoint (slack.http_port, which serves them too) is configured.",
    )


class TextModelSettings(BaseModel):
    """The text model (bot/textmodel.py) that decides next to the rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description="false: the rules decide alone, as before the model (e.g. to see what an "
        "edit of the rule files does on its own with `rules diff`)",
    )


class Settings(BaseSettings):
    """All settings; sections map to the top-level keys of settings.yaml."""

    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    calendar: CalendarConfig = CalendarConfig()
    releases: ReleaseConfig = ReleaseConfig()
    helpdesk: HelpdeskConfig = HelpdeskConfig()
    imap: ImapSettings | None = None
    smtp: SmtpSettings | None = None
    slack: SlackSettings | None = None
    widget: WidgetSettings | None = None
    phone: PhoneSettings = PhoneSettings()
    reports: ReportSettings = ReportSettings()
    run: RunSettings = RunSettings()
    text_model: TextModelSettings = TextModelSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's content arrives as init kwargs (see load_settings); the environment wins.
        return env_settings, dotenv_settings, init_settings


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def _describe(exc: ValidationError, where: str) -> str:
    lines = [f"{where}: invalid settings"]
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"  {loc}: {message}")
    return "\n".join(lines)


def load_settings(config_dir: Path, env_file: Path | None = None) -> Settings:
    """Settings from `config_dir/settings.yaml` (optional) and the environment."""
    path = config_dir / SETTINGS_FILE
    data = _read_yaml(path) if path.exists() else {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected sections such as calendar:, releases:")
    for section, keys in SECRET_KEYS.items():
        block = data.get(section)
        for key in keys:
            if isinstance(block, dict) and key in block:
                raise ConfigError(
                    f"{path}: {section}.{key} does not belong in a file that is committed: set "
                    f"TRIAGE_{section.upper()}__{key.upper()} in the environment or in a "
                    "git-ignored .env"
                )
    try:
        return Settings(_env_file=env_file, **data)  # type: ignore[call-arg]  # pydantic-settings
    except ValidationError as exc:
        raise ConfigError(_describe(exc, f"{path} (or TRIAGE_* environment)")) from exc


def load_directory(config_dir: Path) -> Directory:
    """Organisations and agreed contacts from `config_dir/organisations.yaml` (optional)."""
    path = config_dir / ORGANISATIONS_FILE
    if not path.exists():
        return Directory()
    data = _read_yaml(path) or {}
    try:
        parsed = OrganisationsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(path))) from exc
    return Directory(parsed.organisations)
