"""Builds the pipeline from the config and rules directories (reads files: an edge module)."""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.directory import Directory
from bot.engine.loader import RuleSet, load_rules
from bot.engine.runner import RuleEngine
from bot.errors import ConfigError
from bot.pipeline import Triage
from bot.settings import Settings, load_directory, load_settings
from bot.store import Store
from bot.store.backend import store_target
from bot.textmodel import TextModel


@dataclass(frozen=True)
class Paths:
    """Where the bot finds its config, its rules and its database.

    `db` is a SQLite file or a `postgresql://user@host/db` URL (see `db_location`); the
    PostgreSQL password comes apart, from the environment, and is never shown."""

    config_dir: Path
    rules_dir: Path
    db: Path | str
    db_password: str | None = field(default=None, repr=False)

    @property
    def db_label(self) -> str:
        """The store as it may be shown: a password written into the URL is masked."""
        return store_target(self.db).label


def db_location(value: str) -> Path | str:
    """--db and $TRIAGE_DB: a PostgreSQL URL stays text, a file (or sqlite:///file) a Path."""
    if value.startswith(("postgresql://", "postgres://")):
        return value
    return Path(value.removeprefix("sqlite:///"))


def open_store(paths: Paths, migrate: bool = True) -> Store:
    """The store the paths name (its schema brought up to date unless `migrate` is False)."""
    return Store(paths.db, password=paths.db_password, migrate=migrate)


@dataclass(frozen=True)
class Setup:
    """Everything a command needs, loaded and validated."""

    settings: Settings
    directory: Directory
    rule_set: RuleSet
    triage: Triage


def load_setup(paths: Paths) -> Setup:
    """Load settings, organisations and rules; raises ConfigError or RuleSetInvalid."""
    env_file = Path(".env")
    settings = load_settings(paths.config_dir, env_file if env_file.is_file() else None)
    directory = load_directory(paths.config_dir)
    rule_set = load_rules(paths.rules_dir, organisations=directory.organisations.keys())
    calendar = BusinessCalendar(settings.calendar)
    releases = ReleaseCalendar(settings.releases, calendar)
    own = paths.config_dir / TEXT_MODEL  # an installation's own model, else the shipped one
    enabled = settings.text_model.enabled
    model = load_text_model(own if own.is_file() else SHIPPED_MODEL) if enabled else None
    triage = Triage(RuleEngine(rule_set), directory, calendar, releases, model)
    return Setup(settings, directory, rule_set, triage)


# Trained by tools/train_text_model.py and shipped with the package (app/data), so a config
# folder of an installation's own does not lose it; a file of this name in the config folder
# replaces it. Without any file the rules decide alone.
TEXT_MODEL = "taalmodel.json.gz"
SHIPPED_MODEL = Path(__file__).parent / "data" / TEXT_MODEL


def load_text_model(path: Path) -> TextModel | None:
    """The text model (bot/textmodel.py), or None when `path` does not exist.

    Read once per process and file version: reading it takes a tenth of a second, and a
    process that builds its setup more than once (tests, a rules reload) need not pay again.
    The model only reads, so one instance can serve every setup."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: geen bruikbaar taalmodel ({exc})") from exc
    return _read_text_model(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_text_model(path: Path, mtime_ns: int, size: int) -> TextModel:
    try:
        return TextModel.from_json(json.loads(gzip.decompress(path.read_bytes())))
    except (OSError, ValueError) as exc:  # json and gzip errors are ValueError/OSError
        raise ConfigError(f"{path}: geen bruikbaar taalmodel ({exc})") from exc
