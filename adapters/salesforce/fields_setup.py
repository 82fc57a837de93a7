"""Creating the custom fields the connector writes, through the Tooling API.

What each field must be, and how a missing one is described to an admin, is in
:mod:`adapters.salesforce.schema`; this module only asks Salesforce to create them (``smarketing
setup``), one ``POST tooling/sobjects/CustomField`` per missing field.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

from adapters.base.errors import (
    ConfigurationError,
    MissingScopesError,
    NotFoundError,
    RecordError,
)
from adapters.base.protocol import PropertySpec
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.schema import (
    JsonDict,
    OwnedField,
    describe,
    fit_problems,
    missing_text,
    written_fields,
)
from adapters.salesforce.settings import SalesforceSettings

TOOLING_FIELDS: Final = "tooling/sobjects/CustomField"


def ensure_fields(
    client: SalesforceClient,
    settings: SalesforceSettings,
    specs: Sequence[PropertySpec],
    *,
    create: bool = False,
) -> tuple[str, ...]:
    """Report the fields Salesforce lacks, or create them through the Tooling API.

    Calls: one describe per object involved; with ``create``, one Tooling call per missing field.

    Returns:
        ``Object.Field`` of each field created (empty without ``create`` or when none is missing).

    Raises:
        ConfigurationError: Listing every field an admin must create or fix: without ``create``
            whenever one is missing, with it when Salesforce has no Tooling API or refused a field.
    """
    fields = written_fields(settings, specs)
    described = {s: describe(client, s) for s in dict.fromkeys(f.sobject for f in fields)}
    problems: list[str] = []
    missing: list[OwnedField] = []
    for owned in fields:
        found = described[owned.sobject].get(owned.name.lower())
        if found is None:
            missing.append(owned)
        else:
            problems += fit_problems(owned, found)
    created = _create(client, missing, problems) if create else []
    problems += [] if create else [missing_text(owned) for owned in missing]
    if problems:
        done = f" (created: {', '.join(created)})" if created else ""
        raise ConfigurationError(f"Salesforce fields need an admin{done}: {'; '.join(problems)}")
    return tuple(created)


def tooling_body(owned: OwnedField) -> JsonDict:
    """The Tooling API ``CustomField`` of a field: never External ID or Unique (§4)."""
    home = "Activity" if owned.sobject == "Task" else owned.sobject
    label = owned.name.removesuffix("__c").replace("_", " ")
    metadata = {**owned.shape.metadata, "label": label, "description": "Written by Smarketing"}
    return {"FullName": f"{home}.{owned.name}", "Metadata": metadata}


def _create(
    client: SalesforceClient, missing: Sequence[OwnedField], problems: list[str]
) -> list[str]:
    created: list[str] = []
    for owned in missing:
        try:
            body, label = tooling_body(owned), f"create field {owned.where}"
            client.rest("POST", TOOLING_FIELDS, json=body, label=label)
        except NotFoundError as exc:
            raise ConfigurationError(
                f"this Salesforce has no Tooling API ({TOOLING_FIELDS} answered 404), so the "
                f"connector cannot create fields: {_listing(missing, created)}"
            ) from exc
        except MissingScopesError as exc:
            raise MissingScopesError(
                f"the integration user may not create fields ({exc}): grant it 'Customize "
                f"Application', or have an admin create them: {_listing(missing, created)}",
                scopes=("Customize Application",),
                status=exc.status,
                code=exc.code,
            ) from exc
        except RecordError as exc:
            problems.append(_refusal(owned, exc))
            continue
        created.append(owned.where)
    return created


def _listing(missing: Sequence[OwnedField], created: Collection[str]) -> str:
    return "; ".join(missing_text(m) for m in missing if m.where not in created)


def _refusal(owned: OwnedField, exc: RecordError) -> str:
    if exc.code == "DUPLICATE_DEVELOPER_NAME":  # it exists, but describe did not show it
        return (
            f"{owned.where} exists but the integration user cannot see it: grant it Read and "
            "Edit in the field's field-level security (or the user's permission set)"
        )
    return f"{owned.where} could not be created: {exc}; {missing_text(owned)}"
