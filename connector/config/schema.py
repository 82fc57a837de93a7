"""The service sections of ``config.toml``: ``[crm]``, ``[store]``, ``[schedule]``.

The keys are a contract (``ARCHITECTURE.md``, "Configuration keys fixed so far"). The rule
sections live in :mod:`connector.config.rule_schema` and :mod:`connector.config.calendar_section`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import PlainValidator, model_validator

from connector.config.credentials import env_name
from connector.config.errors import show
from connector.config.fields import (
    HttpsUrl,
    HttpUrl,
    SalesforceField,
    Share,
    Text,
    WallClockDuration,
    choice,
    text,
)
from connector.config.runtime import JitterDuration, say
from connector.config.schema_base import Section, fail_at, fail_many

_API_VERSION = re.compile(r"\d{2,3}\.0")
_STORE_DIALECTS = ("sqlite", "postgresql")


class CrmKind(StrEnum):
    """The CRM this container serves."""

    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"


class SalesforceAuth(StrEnum):
    """OAuth flows for a Salesforce integration user."""

    CLIENT_CREDENTIALS = "client_credentials"
    JWT = "jwt"


def parse_api_version(value: object) -> str:
    """A Salesforce REST API version such as ``"59.0"``."""
    raw = text(value)
    if not _API_VERSION.fullmatch(raw):
        raise ValueError(f'{show(raw)} is not an API version (write it like "59.0")')
    return raw


def store_url(value: object) -> str:
    """A SQLAlchemy URL for SQLite or PostgreSQL, without a password in it."""
    raw = text(value)
    parts = urlsplit(raw)
    if parts.password:
        raise ValueError(
            "the URL holds a password: remove it and set PGPASSWORD in the environment"
            " (or use a .pgpass file)"
        )
    if parts.scheme.split("+")[0] not in _STORE_DIALECTS:
        raise ValueError(
            f'{show(raw)} is not a supported store: write "sqlite:///smarketing.db"'
            ' or "postgresql+psycopg://host/dbname"'
        )
    return raw


class HubSpotSettings(Section):
    """``[crm.hubspot]``: a private app's token, read from an environment variable."""

    base_url: HttpUrl = "https://api.hubapi.com"
    token_env: Annotated[str, PlainValidator(env_name("HUBSPOT_ACCESS_TOKEN"))] = (
        "HUBSPOT_ACCESS_TOKEN"  # noqa: S105  # the variable's name, not a token
    )


class SalesforceSettings(Section):
    """``[crm.salesforce]``: a connected app, by client credentials or a JWT bearer.

    ``login_url`` is the base of the token endpoint (a sandbox's ``https://test.salesforce.com``);
    unset, client credentials log in at ``instance_url`` and JWT at login.salesforce.com.
    ``lifecycle_field`` is the Lead and Contact picklist holding the lifecycle stage; unset, the
    adapter's default (``Lifecycle_Stage__c``) applies. ``stop_writes_at`` and ``stop_calls_at``
    are the shares of the org's daily API allocation (shared with every other integration) at
    which the connector defers its writes, then stops calling until the allocation frees.
    """

    instance_url: HttpUrl
    auth: Annotated[SalesforceAuth, PlainValidator(choice(SalesforceAuth, "auth"))] = (
        SalesforceAuth.CLIENT_CREDENTIALS
    )
    client_id_env: Annotated[str, PlainValidator(env_name("SALESFORCE_CLIENT_ID"))] = (
        "SALESFORCE_CLIENT_ID"
    )
    client_secret_env: Annotated[str, PlainValidator(env_name("SALESFORCE_CLIENT_SECRET"))] = (
        "SALESFORCE_CLIENT_SECRET"  # noqa: S105  # the variable's name, not a secret
    )
    username: Text | None = None
    private_key_file: Text | None = None
    ca_bundle: Text | None = None
    api_version: Annotated[str, PlainValidator(parse_api_version)] = "59.0"
    login_url: HttpsUrl | None = None
    lifecycle_field: SalesforceField | None = None
    stop_writes_at: Share = 0.8
    stop_calls_at: Share = 0.95

    @model_validator(mode="after")
    def _shares_in_order(self) -> Self:
        if self.stop_writes_at > self.stop_calls_at:
            raise fail_at(
                "stop_writes_at",
                f"{self.stop_writes_at:g} is above stop_calls_at ({self.stop_calls_at:g}): the "
                "connector stops writing before it stops calling",
            )
        return self

    @model_validator(mode="after")
    def _auth_keys(self) -> Self:
        jwt_keys = {"username": self.username, "private_key_file": self.private_key_file}
        if self.auth is SalesforceAuth.JWT:
            missing = [(key, 'required with auth = "jwt"') for key, v in jwt_keys.items() if not v]
            if missing:
                raise fail_many(missing)
        else:
            unused = [(key, 'only used with auth = "jwt"') for key, v in jwt_keys.items() if v]
            if unused:
                raise fail_many(unused)
        return self


class CrmSettings(Section):
    """``[crm]``: which CRM, and how to reach it."""

    kind: Annotated[CrmKind, PlainValidator(choice(CrmKind, "CRM kind"))]
    hubspot: HubSpotSettings = HubSpotSettings()
    salesforce: SalesforceSettings | None = None

    @model_validator(mode="after")
    def _chosen_crm_configured(self) -> Self:
        if self.kind is CrmKind.SALESFORCE and self.salesforce is None:
            raise fail_at(
                "salesforce", 'kind = "salesforce" needs a [crm.salesforce] table with instance_url'
            )
        return self

    @property
    def base_url(self) -> str:
        """Where the chosen CRM's API is."""
        if self.kind is CrmKind.SALESFORCE and self.salesforce is not None:
            return self.salesforce.instance_url
        return self.hubspot.base_url


class StoreSettings(Section):
    """``[store]``: where records, history and the outbox are kept."""

    url: Annotated[str, PlainValidator(store_url)] = "sqlite:///smarketing.db"


class ScheduleSettings(Section):
    """``[schedule]``: how often the daemon runs a sync cycle.

    ``jitter`` delays each cycle by a random amount up to it, so many containers started by one
    deploy do not all hit the shared store at the same second.
    """

    sync_every: WallClockDuration = timedelta(minutes=5)
    jitter: JitterDuration = timedelta()

    @model_validator(mode="after")
    def _jitter_within_interval(self) -> Self:
        if self.jitter >= self.sync_every:
            raise fail_at(
                "jitter",
                f"{say(self.jitter)} must be shorter than sync_every ({say(self.sync_every)})",
            )
        return self
