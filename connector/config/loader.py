"""Read ``config.toml``, validate every section, and report every problem at once.

Each section (and each ``[[sla]]``, ``[[rejection]]`` and ``[[scoring.rule]]`` entry) is validated
on its own, so a mistake in one does not hide the mistakes in the others; the checks across
sections then run on whatever validated (:mod:`connector.config.build`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connector.config.build import build_ruleset
from connector.config.calendar_section import CalendarSection
from connector.config.credentials import pop_inline_secrets
from connector.config.errors import ConfigError, ConfigFileMissing, Problem, Problems, show
from connector.config.locate import Loc, key_lines
from connector.config.messages import problems_from, unknown_key
from connector.config.relations import check_relations, read_views
from connector.config.rule_schema import (
    RejectionSection,
    ScoreRuleSection,
    ScoringSection,
    SlaSection,
    StagesSection,
)
from connector.config.runtime import (
    LoggingSettings,
    OwnersSettings,
    StatusSettings,
    check_health_window,
)
from connector.config.schema import CrmSettings, ScheduleSettings, StoreSettings
from connector.config.settings import Settings
from rules.ruleset import Ruleset

M = TypeVar("M", bound=BaseModel)

# The service sections, then the rule sections.
_TOP_LEVEL = (
    *("crm", "store", "schedule", "status", "logging", "owners"),
    *("calendar", "stages", "sla", "rejection", "scoring"),
)
_REQUIRED = {
    "crm": 'add a [crm] table with kind = "hubspot" or kind = "salesforce"',
    "stages": "add a [stages.lifecycle] table mapping your CRM's lifecycle values to stages",
}
_TOML_POSITION = re.compile(r"\s*\((?:at line (?P<line>\d+), column (?P<column>\d+)|[^)]*)\)$")


def load_config(path: Path) -> Settings:
    """Load and validate a configuration file.

    Args:
        path: The ``config.toml`` to read. Environment variables it names are not read.

    Returns:
        The validated settings and the ruleset built from them.

    Raises:
        ConfigFileMissing: There is no file at ``path``.
        ConfigError: The file is unreadable, not TOML, or has problems; all are listed.
    """
    source = str(path)
    text = _read(path)
    document = _parse(text, source)
    problems = Problems(lines=key_lines(text))
    problems.extend(pop_inline_secrets(document))
    for key in document:
        if key not in _TOP_LEVEL:
            problems.add((key,), unknown_key(key, list(_TOP_LEVEL)))
    for key, hint in _REQUIRED.items():
        if key not in document:
            problems.add((), f"[{key}] is missing: {hint}")
    crm = _one(CrmSettings, document.get("crm"), ("crm",), problems)
    store = _one(StoreSettings, document.get("store", {}), ("store",), problems)
    schedule = _one(ScheduleSettings, document.get("schedule", {}), ("schedule",), problems)
    status = _one(StatusSettings, document.get("status", {}), ("status",), problems)
    logging = _one(LoggingSettings, document.get("logging", {}), ("logging",), problems)
    owners = _one(OwnersSettings, document.get("owners", {}), ("owners",), problems)
    check_health_window(status, schedule.sync_every if schedule else None, problems)
    ruleset = _ruleset(document, problems)
    if problems or not (crm and store and schedule and ruleset and status and logging and owners):
        raise problems.error(source)
    return Settings(
        crm=crm,
        store=store,
        schedule=schedule,
        ruleset=ruleset,
        source=path,
        status=status,
        logging=logging,
        owners=owners,
    )


def _read(path: Path) -> str:
    source = str(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        message = f"no config file here (looked for {path.absolute()})"
        raise ConfigFileMissing(source, [Problem((), message)]) from None
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start}): save the file as UTF-8"
        raise ConfigError(source, [Problem((), message)]) from None
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror}"
        raise ConfigError(source, [Problem((), message)]) from None


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts the position at the end of its message; move it to the front.
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = max(1, len(text.splitlines()))
        if match is not None:
            message = message[: match.start()]
            if match["line"]:
                line = int(match["line"])
                message += f" (column {match['column']})"
        problem = Problem((), f"not valid TOML: {message}", line)
        raise ConfigError(source, [problem]) from None


def _ruleset(document: dict[str, Any], problems: Problems) -> Ruleset | None:
    """Validate the rule sections, check their relations, and build the ruleset if all is well."""
    calendar = _one(CalendarSection, document.get("calendar", {}), ("calendar",), problems)
    stages = _one(StagesSection, document.get("stages"), ("stages",), problems)
    scoring = _one(ScoringSection, document.get("scoring", {}), ("scoring",), problems)
    raw_scoring = document.get("scoring", {})
    raw_rules = raw_scoring.get("rule") if isinstance(raw_scoring, dict) else None
    sla = _many(SlaSection, document.get("sla"), ("sla",), problems)
    rejection = _many(RejectionSection, document.get("rejection"), ("rejection",), problems)
    score_rules = _many(ScoreRuleSection, raw_rules, ("scoring", "rule"), problems)
    business_day = calendar.spec().business_day if calendar else None
    check_relations(read_views(document), stages, business_day, problems)
    if problems or not (calendar and stages and scoring):
        return None
    if sla is None or rejection is None or score_rules is None:
        return None
    return build_ruleset(
        calendar=calendar,
        stages=stages,
        sla=sla,
        rejection=rejection,
        scoring=scoring,
        score_rules=score_rules,
    )


def _one(model: type[M], data: object, loc: Loc, problems: Problems) -> M | None:
    """Validate one table; ``None`` (and its problems recorded) if it is invalid or absent."""
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, model, loc))
        return None


def _many(model: type[M], data: object, loc: Loc, problems: Problems) -> list[M] | None:
    """Validate an array of tables entry by entry (so each entry reports its own problems).

    Returns:
        Every entry, or ``None`` if any of them (or the array itself) is invalid.
    """
    if data is None:
        return []
    if not isinstance(data, list):
        header = ".".join(str(part) for part in loc)
        problems.add(loc, f"expected [[{header}]] tables, one per rule, got {show(data)}")
        return None
    valid = [_one(model, item, (*loc, index), problems) for index, item in enumerate(data)]
    entries = [entry for entry in valid if entry is not None]
    return entries if len(entries) == len(valid) else None
