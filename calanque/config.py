"""Typed readers for the environment, used by ``settings.py`` only.

Every reader refuses a malformed value with :class:`ConfigError`, whose message
names the variable; the ``calanque`` command prints it on one line and exits,
so an operator never has to read a traceback to find a typo. A secret ``X`` may
also be given as a file path in ``X_FILE`` (Docker/systemd credentials).
"""

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlparse


class ConfigError(Exception):
    """A configuration value is missing or malformed."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if value is not None and file_name is not None:
        raise ConfigError(f"{name} et {name}_FILE sont tous deux définis : n'en gardez qu'un.")
    if file_name is not None:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE : impossible de lire {file_name!r} ({exc.strerror}).") from None
    if value is not None and value.strip() == "":
        return None
    return value


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ConfigError(f"{name} doit valoir true ou false (reçu {value!r}).")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    if not re.fullmatch(r"\d+", value.strip()):
        raise ConfigError(f"{name} doit être un entier positif (reçu {value!r}).")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"entre {minimum} et {maximum}" if maximum is not None else f"au moins {minimum}"
        raise ConfigError(f"{name} doit être {bound} (reçu {number}).")
    return number


def env_port(name: str, default: int) -> int:
    return env_int(name, default, minimum=1, maximum=65535)


def env_url(name: str, schemes: tuple[str, ...]) -> str | None:
    value = env_str(name)
    if value is None:
        return None
    try:
        parsed = urlparse(value)
        parsed.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        raise ConfigError(f"{name} doit être une URL {' ou '.join(s + '://' for s in schemes)}… (reçu {value!r}).")
    return value


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def env_domain(name: str, default: str) -> str:
    value = (env_str(name, default) or default).lower()
    if not _DOMAIN.match(value):
        raise ConfigError(f"{name} doit être un nom de domaine comme ac-aix-marseille.fr (reçu {value!r}).")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env_str(name, default) or default).upper()
    if value not in choices:
        raise ConfigError(f"{name} doit valoir {', '.join(choices)} (reçu {value!r}).")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"{name} doit contenir au moins une valeur (reçu {value!r}).")
    return items


def secret_from_home(home: Path, name: str, nbytes: int = 50) -> str:
    """Return the secret stored in ``home/secrets/name``, creating it once.

    Created with mode 0600 through O_EXCL so that two processes starting at the
    same time agree on one value.
    """
    directory = home / "secrets"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    if not path.exists():
        # Write a temporary file, then hard-link it into place: link() fails if
        # another process won the race, and the file is never seen half-written.
        tmp = directory / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(nbytes) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise ConfigError(f"Le secret {path} est vide : supprimez-le pour qu'il soit recréé.")
    return value
