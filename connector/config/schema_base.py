"""The base of every config section model, and how a section reports a problem at one key."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


class Section(BaseModel):
    """A table of ``config.toml``: unknown keys are errors, types are not coerced, values frozen.

    ``strict`` because TOML is typed already: ``"5"`` where a number belongs is a mistake worth
    reporting, not something to guess about.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def fail_at(key: str, message: str) -> ValidationError:
    """A validation error placed at one key of the section being validated.

    Model validators use it so a problem that involves two keys is reported at the key to change
    (``sla[0].clock``) rather than at the whole table; pydantic prefixes the section's own path.
    """
    return fail_many([(key, message)])


def fail_many(problems: Sequence[tuple[str, str]]) -> ValidationError:
    """Like :func:`fail_at` for several ``(key, message)`` problems at once."""
    return ValidationError.from_exception_data(
        "config",
        [
            InitErrorDetails(type=PydanticCustomError("config", message), loc=(key,), input=None)
            for key, message in problems
        ],
    )
