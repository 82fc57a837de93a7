"""Wiring for ``crm.kind = "salesforce"``: ``[crm.salesforce]`` and the rules → adapter settings.

Secrets never sit in the config: the consumer key and secret come from the environment variables
that ``client_id_env`` and ``client_secret_env`` name, and the JWT signing key from the file
``private_key_file`` names. Every missing secret is reported at once, with the variable or file
and the config key that names it.

What the rules read decides what is pulled: the fields of :func:`connector.fields.fields_used`,
the stage-date fields of ``[stages.entered_date_property]`` and the first rejection rule's
``reason_field``. The CRM values of ``[stages.lead_status]`` go to the adapter too, so that
``check --online`` finds those the org's Lead Status picklist lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Final

from adapters.base.errors import ConfigurationError
from adapters.salesforce import SalesforceAdapter, SalesforceSettings
from adapters.salesforce.settings import DEFAULT_LIFECYCLE_FIELD
from connector.config import Settings
from connector.config.schema import SalesforceAuth
from connector.config.schema import SalesforceSettings as SalesforceSection
from connector.fields import fields_used
from connector.plan import SCORE, SCORE_EXPLANATION, SLA_DUE, SLA_STATUS

_KEY: Final = "crm.salesforce"

SALESFORCE_FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        SCORE: "Smarketing_Score__c",
        SCORE_EXPLANATION: "Smarketing_Score_Explanation__c",
        SLA_STATUS: "Smarketing_SLA_Status__c",
        SLA_DUE: "Smarketing_SLA_Due__c",
    }
)
"""The connector's person properties → the custom fields an admin creates on Lead and Contact
(docs/salesforce.md); the same names as the adapter's defaults."""


def salesforce_settings(
    settings: Settings,
    env: Mapping[str, str],
    owned: Sequence[str],
    *,
    clock: Callable[[], datetime] | None = None,
) -> SalesforceSettings:
    """The adapter settings for ``settings``, with the secrets read from ``env`` and files.

    Args:
        settings: A loaded configuration with ``crm.kind = "salesforce"``.
        env: Where the secrets' environment variables are looked up.
        owned: The properties the connector writes, in the adapter's order
            (``adapters.salesforce.owned.OWNED_PROPERTIES``).
        clock: The wall clock the adapter reads (session idleness, JWT expiry); the demo passes
            its simulated one. ``None`` keeps the adapter's.

    Raises:
        ConfigurationError: Listing every missing secret or unreadable file, or an invalid
            setting of the adapter (its key path named).
    """
    section = settings.crm.salesforce
    if section is None:  # the config schema refuses kind = "salesforce" without the table
        raise ConfigurationError(f'{_KEY}: kind = "salesforce" needs a [crm.salesforce] table')
    secrets, problems = _secrets(section, env, settings.source)
    if problems:
        raise ConfigurationError("; ".join(problems))
    ruleset = settings.ruleset
    reason = _reason_field(settings)
    stage_dates = dict(ruleset.stage_map.stage_date_properties)
    owned_fields = tuple(SALESFORCE_FIELDS[name] for name in owned)
    lifecycle = section.lifecycle_field or DEFAULT_LIFECYCLE_FIELD
    # person_fields are the *extra* fields: the adapter reads the others by their own settings,
    # and a field named twice would be reported twice when an object lacks it.
    known = {reason, lifecycle, *stage_dates.values(), *owned_fields}
    adapter = SalesforceSettings(
        instance_url=str(section.instance_url).rstrip("/"),
        auth="jwt" if section.auth == SalesforceAuth.JWT else "client_credentials",
        client_id=secrets["client_id"],
        client_secret=secrets.get("client_secret"),
        username=section.username,
        private_key=secrets.get("private_key"),
        login_url=section.login_url,
        stop_writes_at=section.stop_writes_at,
        stop_at=section.stop_calls_at,
        api_version=section.api_version,
        ca_bundle=section.ca_bundle,
        person_fields=tuple(name for name in fields_used(ruleset) if name not in known),
        lifecycle_field=lifecycle,
        lead_statuses=tuple(ruleset.stage_map.lead_status),
        stage_date_fields=stage_dates,
        rejection_reason_field=reason,
        owned_fields=owned_fields,
    )
    return adapter if clock is None else replace(adapter, clock=clock)


def build_salesforce(
    settings: Settings,
    env: Mapping[str, str],
    owned: Sequence[str],
    *,
    clock: Callable[[], datetime] | None = None,
) -> SalesforceAdapter:
    """The Salesforce adapter for ``settings`` (see :func:`salesforce_settings`)."""
    return SalesforceAdapter(salesforce_settings(settings, env, owned, clock=clock))


def _secrets(
    section: SalesforceSection, env: Mapping[str, str], source: Path
) -> tuple[dict[str, str], list[str]]:
    """The secrets by adapter setting name, and what is missing (all of it, not the first)."""
    found: dict[str, str] = {}
    problems: list[str] = []
    wanted = [("client_id", section.client_id_env, "client_id_env", "the consumer key")]
    if section.auth == SalesforceAuth.CLIENT_CREDENTIALS:
        wanted.append(
            ("client_secret", section.client_secret_env, "client_secret_env", "the consumer secret")
        )
    for name, variable, key, what in wanted:
        value = env.get(variable, "").strip()
        if value:
            found[name] = value
        else:
            problems.append(
                f"${variable} is not set: put the External Client App's {what} in it "
                f"({_KEY}.{key} in {source})"
            )
    if section.auth == SalesforceAuth.JWT and section.private_key_file:
        try:
            with open(section.private_key_file, encoding="utf-8") as handle:
                found["private_key"] = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                f"{_KEY}.private_key_file: cannot read {section.private_key_file!r} ({exc}): "
                f"point it at the PEM private key that signs the JWT (in {source})"
            )
    return found, problems


def _reason_field(settings: Settings) -> str | None:
    """The field the first rejection rule reads, so ``Person.rejection_reason`` is the same one."""
    rules = settings.ruleset.rejection
    return rules[0].reason_field if rules else None
