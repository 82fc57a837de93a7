"""Secrets stay out of ``config.toml``: the file names environment variables, never values.

Two checks: a key that holds a secret (``token = "pat-..."``) is refused wherever it appears, and a
``*_env`` value must look like a variable name, not like the secret itself. Neither check reads the
environment: ``smarketing check --online`` does that. Secrets are never echoed back in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from connector.config.fields import text
from connector.config.locate import Loc

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_SECRET_PREFIXES = ("pat-", "sk-", "sk_", "bearer ", "eyj", "3mvg")

_KEEP_IN_ENV = "secrets never go in config.toml: write the name of the environment variable"
# What to write instead, by the key that holds a secret.
SECRET_KEYS: dict[str, str] = {
    "token": f"{_KEEP_IN_ENV} that holds it in token_env",
    "access_token": f"{_KEEP_IN_ENV} that holds it in token_env",
    "private_app_token": f"{_KEEP_IN_ENV} that holds it in token_env",
    "api_key": f"{_KEEP_IN_ENV} that holds it in token_env",
    "client_secret": f"{_KEEP_IN_ENV} that holds it in client_secret_env",
    "refresh_token": f"{_KEEP_IN_ENV} that holds the credentials in client_secret_env",
    "private_key": "secrets never go in config.toml: write the key's path in private_key_file",
    "password": (
        "secrets never go in config.toml: keep passwords in environment variables"
        " (PGPASSWORD for the store)"
    ),
}


def mask(secret: str) -> str:
    """The first four characters and an ellipsis: enough to recognise, not to use."""
    return f'"{secret[:4]}…"'


def looks_like_secret(value: str) -> bool:
    """Whether ``value`` looks like a token or key rather than a variable name."""
    if value.lower().startswith(_SECRET_PREFIXES):
        return True
    has_lower = any(char.islower() for char in value)
    has_digit = any(char.isdigit() for char in value)
    return len(value) >= 30 and has_lower and has_digit


def env_name(example: str) -> Callable[[object], str]:
    """A validator for a ``*_env`` key; ``example`` is the usual variable name, shown in hints."""

    def validate(value: object) -> str:
        raw = text(value)
        if looks_like_secret(raw):
            raise ValueError(
                f"{mask(raw)} looks like a secret, not the name of an environment variable:"
                f" put the secret in an environment variable and write its name here,"
                f' e.g. "{example}"'
            )
        if not _ENV_NAME.fullmatch(raw):
            raise ValueError(
                f'"{raw}" is not an environment variable name'
                f' (capitals, digits and _, e.g. "{example}")'
            )
        return raw

    return validate


def pop_inline_secrets(document: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Remove secret-holding keys from the parsed document and return a problem for each.

    Removing them keeps the schema from reporting the same key again as "unknown". The
    ``[stages]`` maps are skipped: their keys are CRM values, which may be any word.
    """
    return list(_pop(document, ()))


def _pop(node: object, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _pop(item, (*loc, index))
        return
    if not isinstance(node, dict) or loc == ("stages",):
        return
    for key in list(node):
        value = node[key]
        if key.lower() in SECRET_KEYS and value not in ("", None):
            del node[key]
            yield (*loc, key), SECRET_KEYS[key.lower()]
        else:
            yield from _pop(value, (*loc, key))
