"""Everything typodesk reads from the environment, in one place.

Settings come from environment variables (12-factor, like Healthchecks) so that
a deployment never edits Python files. Every variable is documented in
docs/configuration.md (a test fails when one is not). Only this module touches
``os.environ``: typodesk.settings turns its values into Django settings, and the
rest of the code reads those (tests/test_configuration.py enforces both).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A setting is present but unusable; the CLI turns this into exit status 2."""


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def set_default(name: str, value: str) -> None:
    """Set ``name`` unless the user did: ``typodesk demo``'s defaults, before Django reads them."""
    os.environ.setdefault(name, value)


def override(name: str, value: str) -> None:
    """Set ``name`` whatever the user said (the demo's own mailbox, never a real mail server)."""
    os.environ[name] = value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def log_level() -> str:
    level = env("TYPODESK_LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(
            f"TYPODESK_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {level.lower()!r}"
        )
    return level


def data_dir() -> Path:
    """The directory holding the SQLite database, the generated secret and backups."""
    return Path(env("TYPODESK_DATA_DIR", "typodesk-data")).expanduser().resolve()


# The data directory holds the database (password hashes, TOTP secrets, webhook secrets,
# readers' reports), the generated secret key and often backups: nobody but the account that
# runs typodesk may read any of it.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path``, created (with its parents) as a directory only its owner may enter."""
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        path.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def private_file(path: Path) -> Path:
    """``path``, created empty with mode 0600 unless it exists (a file that exists keeps its mode).

    An SQLite database created this way keeps 0600, and SQLite gives its ``-wal`` and ``-shm``
    files the database file's mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass
    return path


def tighten_data_dir(path: Path | None = None) -> list[Path]:
    """Make an existing data directory 0700 and every file directly in it 0600; returns what changed.

    For data directories made before typodesk created them private (``typodesk init`` runs it)."""
    path = path or data_dir()
    changed = []
    if path.is_dir() and path.stat().st_mode & 0o777 != PRIVATE_DIR_MODE:
        path.chmod(PRIVATE_DIR_MODE)
        changed.append(path)
    for child in sorted(path.iterdir()) if path.is_dir() else []:
        if child.is_file() and not child.is_symlink() and child.stat().st_mode & 0o077:
            child.chmod(PRIVATE_FILE_MODE)
            changed.append(child)
    return changed


def hunspell_path() -> list[Path]:
    """TYPODESK_HUNSPELL_PATH: more directories holding Hunspell dictionaries, searched first.

    A function rather than a Django setting: typodesk.spelling works without Django."""
    return [Path(p) for p in env("TYPODESK_HUNSPELL_PATH").split(os.pathsep) if p]


def base_url() -> str:
    url = env("TYPODESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"TYPODESK_BASE_URL must be an http(s) URL like https://desk.example, not {url!r}")
    return url


def secret_key() -> str:
    """TYPODESK_SECRET_KEY, or a key generated once and kept in the data directory.

    Never hard-coded: a key in the source would let anyone forge sessions and
    password-reset links on every installation.
    """
    key = env("TYPODESK_SECRET_KEY")
    if key:
        return key
    path = data_dir() / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    key = secrets.token_urlsafe(50)
    # O_EXCL: two processes starting at once must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


def database_config() -> dict:
    """DATABASE_URL (PostgreSQL for the scale path) or SQLite in the data directory."""
    url = env("DATABASE_URL")
    if url:
        import dj_database_url

        try:
            db = dj_database_url.parse(url, conn_max_age=env_int("TYPODESK_DB_CONN_MAX_AGE", 60))
        except Exception as exc:  # the library raises several kinds for malformed URLs
            raise ConfigError(f"DATABASE_URL is not a database URL: {exc}") from None
        if db["ENGINE"] == "django.db.backends.sqlite3":
            db["OPTIONS"] = sqlite_options()
            db["CONN_MAX_AGE"] = None
        else:
            db["CONN_HEALTH_CHECKS"] = True
            if db["ENGINE"] == "django.db.backends.postgresql":
                pool = postgres_pool()
                if pool:
                    db.setdefault("OPTIONS", {})["pool"] = pool
                    # A pooled connection goes back to the pool after each request or worker
                    # round; Django refuses persistent connections on top of a pool.
                    db["CONN_MAX_AGE"] = 0
        return db
    return {
        "ENGINE": "django.db.backends.sqlite3",
        # Made here, before SQLite would make it with the umask's mode (usually 0644).
        "NAME": str(private_file(private_dir(data_dir()) / "typodesk.sqlite3")),
        "OPTIONS": sqlite_options(),
        # Opening a connection runs the PRAGMAs above; doing that per request cost
        # more than the request itself. Connections are kept and health-checked.
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
    }


def postgres_pool() -> dict | None:
    """Options of the psycopg connection pool of each process (docs/operations.md), None: no pool.

    ``TYPODESK_DB_POOL_SIZE`` connections at most per process (default 10; 0 turns pooling
    off and keeps one persistent connection per thread for ``TYPODESK_DB_CONN_MAX_AGE`` s
    instead). The two are exclusive, so asking for both is an error rather than a surprise.
    """
    size = env_int("TYPODESK_DB_POOL_SIZE", 10)
    if size < 0:
        raise ConfigError(f"TYPODESK_DB_POOL_SIZE must be 0 (no pool) or more, not {size}")
    if size == 0:
        return None
    if env("TYPODESK_DB_CONN_MAX_AGE") not in {"", "0"}:
        raise ConfigError(
            "TYPODESK_DB_CONN_MAX_AGE keeps connections per thread, which a connection pool replaces: "
            "set TYPODESK_DB_POOL_SIZE=0 to use it, or remove it"
        )
    timeout = env_int("TYPODESK_DB_POOL_TIMEOUT", 10)
    if timeout < 1:
        raise ConfigError(f"TYPODESK_DB_POOL_TIMEOUT must be 1 second or more, not {timeout}")
    return {
        "min_size": min(2, size),
        "max_size": size,
        # Waiting longer than this for a free connection fails the request (and logs why).
        "timeout": timeout,
        # Connections idle this long are closed down to min_size; none lives over an hour.
        "max_idle": 300,
        "max_lifetime": 3600,
    }


def sqlite_options() -> dict:
    # WAL lets the desk read while reports are written; IMMEDIATE transactions
    # take the write lock up front so read-then-write sequences never fail with
    # "database is locked" half way; the timeout makes writers queue instead.
    sync = env("TYPODESK_SQLITE_SYNCHRONOUS", "NORMAL").upper()
    if sync not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ConfigError(f"TYPODESK_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not {sync!r}")
    return {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON;",
    }
