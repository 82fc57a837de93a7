"""The custom fields the connector writes in Salesforce: the mapping and the check.

**The mapping** (the one place our property names meet Salesforce's API names):
:data:`OWNED_PROPERTIES` pairs with ``settings.owned_fields`` in order, and :data:`SHAPES` says
what each field must be. People are Leads *and* Contacts in Salesforce, so a person property
is a field on both objects; the task key and due fields live on Task.

- ``smarketing_score`` → ``Smarketing_Score__c``: Number, length 3, 0 decimal places (scores
  are 0-100; §12 shows ``Score__c`` as Number(3,0)).
- ``smarketing_score_explanation`` → ``Smarketing_Score_Explanation__c``: Long Text Area, length
  1,000 (explanations run to 1,000 characters; a Text field stops at 255).
- ``smarketing_sla_status`` → ``Smarketing_SLA_Status__c``: Text, length 20 (``on_track`` …
  ``met_late``).
- ``smarketing_sla_due`` → ``Smarketing_SLA_Due__c``: Date/Time (an instant, not a date).
- task key → ``Smarketing_Key__c`` on Task: Text, length 64 (keys are 36 characters), **never**
  External ID or Unique (§0.4, §4: activities may refuse both).
- task due → ``Smarketing_Due__c`` on Task: Date/Time (``ActivityDate`` is a date only, §12).

**Checking** (:func:`check_org`) describes Lead, Contact, Opportunity and Task (§7: four calls)
and names, for each missing or unfit field, exactly what an admin must create: object, API
name, type, length, and that the integration user must be able to edit it. The configured lead
statuses are checked against the ``Status`` picklist of the Lead describe (LeadStatus values,
§12), at no extra call. A refused session or a missing permission is a problem in the report,
never an exception.

**Creating** (:func:`adapters.salesforce.fields_setup.ensure_fields`; ``smarketing setup`` passes
``create=True``, otherwise the
missing fields are only listed in a :class:`ConfigurationError`): each missing field is created
through the Tooling API, ``POST tooling/sobjects/CustomField`` with ``{"FullName": "Lead.X__c",
"Metadata": {...}}`` (Salesforce's Tooling API reference, not the fact sheet: UNCONFIRMED), Task
fields on ``Activity``, which Task and Event share. New fields stay invisible to the integration
user until an admin grants Edit access (field-level security). Without the Tooling API (404) the
error lists what to create by hand; without "Customize Application" the same list comes in a
:class:`MissingScopesError`. The emulator serves it (``emulator/tooling.py``;
``EmulatorOptions(tooling_api=False)`` answers 404).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from adapters.base.errors import (
    AuthError,
    ConfigurationError,
    FatalError,
    MissingScopesError,
    NotFoundError,
    QuotaExhaustedError,
    RetryLaterError,
    SmarketingError,
)
from adapters.base.protocol import CheckReport, PropertySpec, PropertyType
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.owned import field_names
from adapters.salesforce.settings import SalesforceSettings
from rules.model import ObjectType

JsonDict = dict[str, Any]

TASK_KEY: Final = "task key"
TASK_DUE: Final = "task due"
PERSON_OBJECTS: Final = ("Lead", "Contact")
DESCRIBED: Final = ("Lead", "Contact", "Opportunity", "Task")
_SOBJECTS: Final[Mapping[str, tuple[str, ...]]] = {
    ObjectType.LEAD: PERSON_OBJECTS,
    ObjectType.CONTACT: PERSON_OBJECTS,
    ObjectType.DEAL: ("Opportunity",),
    "task": ("Task",),
}
_TEXT_TYPES: Final = frozenset({"string", "textarea"})


@dataclass(frozen=True, slots=True)
class FieldShape:
    """What a field must be to hold our values.

    Attributes:
        kind: How apply converts values for it.
        setup: The type as Setup names it (``Number``, ``Text``, ``Long Text Area``, ``Date/Time``).
        types: Describe types that hold the values (§7).
        length: Text length, or the digits of a number.
        metadata: ``CustomFieldMetadata`` for the Tooling API (type and sizes).
    """

    kind: PropertyType
    setup: str
    types: frozenset[str]
    length: int = 0
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def wording(self) -> str:
        """The type as an admin enters it in Setup."""
        if self.kind is PropertyType.NUMBER:
            return f"type {self.setup}, length {self.length}, decimal places 0"
        if self.length:
            return f"type {self.setup}, length {self.length:,}"
        return f"type {self.setup}"


def _number(digits: int) -> FieldShape:
    types = frozenset({"double", "int", "currency", "percent"})
    metadata = {"type": "Number", "precision": digits, "scale": 0}
    return FieldShape(PropertyType.NUMBER, "Number", types, digits, metadata)


def _text(length: int) -> FieldShape:
    if length > 255:  # Text holds at most 255 characters; longer needs a Long Text Area
        metadata = {"type": "LongTextArea", "length": length, "visibleLines": 3}
        return FieldShape(PropertyType.STRING, "Long Text Area", _TEXT_TYPES, length, metadata)
    metadata = {"type": "Text", "length": length}
    return FieldShape(PropertyType.STRING, "Text", _TEXT_TYPES, length, metadata)


_DATETIME: Final = FieldShape(
    PropertyType.DATETIME, "Date/Time", frozenset({"datetime"}), 0, {"type": "DateTime"}
)
SHAPES: Final[Mapping[str, FieldShape]] = {
    "smarketing_score": _number(3),
    "smarketing_score_explanation": _text(1_000),
    "smarketing_sla_status": _text(20),
    "smarketing_sla_due": _DATETIME,
    TASK_KEY: FieldShape(
        PropertyType.STRING, "Text", frozenset({"string"}), 64, _text(64).metadata
    ),
    TASK_DUE: _DATETIME,
}
"""What each field must be (see the module docstring's table)."""


@dataclass(frozen=True, slots=True)
class OwnedField:
    """One field the connector writes on one object."""

    role: str  # our property name, TASK_KEY or TASK_DUE
    sobject: str
    name: str
    shape: FieldShape

    @property
    def where(self) -> str:
        return f"{self.sobject}.{self.name}"


def written_fields(settings: SalesforceSettings, specs: Iterable[PropertySpec]) -> list[OwnedField]:
    """The fields behind ``specs``, on each object they apply to, plus the two Task fields.

    Raises:
        ConfigurationError: A spec names a property without a field, or an object Salesforce
            lacks (every such spec at once).
    """
    names = field_names(settings)
    found: dict[tuple[str, str], OwnedField] = {}
    problems: list[str] = []
    for spec in specs:
        objects = _SOBJECTS.get(str(spec.object_type))
        name = names.get(spec.name) or (spec.name if spec.name.endswith("__c") else None)
        if objects is None or name is None:
            problems.append(f"property {spec.name} on {spec.object_type}: no Salesforce field")
            continue
        shape = SHAPES.get(spec.name) or _generic(spec)
        for sobject in objects:
            found[(sobject, name)] = OwnedField(spec.name, sobject, name, shape)
    for role, name in ((TASK_KEY, settings.task_key_field), (TASK_DUE, settings.task_due_field)):
        found[("Task", name)] = OwnedField(role, "Task", name, SHAPES[role])
    if problems:
        raise ConfigurationError("; ".join(problems) + " (map it in crm.salesforce.owned_fields)")
    return list(found.values())


def _generic(spec: PropertySpec) -> FieldShape:
    if spec.type is PropertyType.NUMBER:
        return _number(18)
    if spec.type is PropertyType.DATETIME:
        return _DATETIME
    return _text(spec.max_length or 255)


def missing_text(owned: OwnedField) -> str:
    """Exactly what an admin must create for a missing field."""
    home = (
        "Activity (Task and Event share its fields)" if owned.sobject == "Task" else owned.sobject
    )
    text = (
        f"{owned.where} ({owned.role}) is missing: an admin must create it in Setup > Object "
        f"Manager > {home} > Fields & Relationships: API name {owned.name}, {owned.shape.wording}, "
        "updateable by the integration user (field-level security: Edit)"
    )
    if owned.role == TASK_KEY:
        text += "; a plain text field: leave External ID and Unique off (§4: Task may refuse them)"
    return text + "; `smarketing setup` creates it where the org's Tooling API allows"


def fit_problems(owned: OwnedField, found: Mapping[str, Any]) -> list[str]:
    """What keeps an existing field from holding our values (type, length, permissions)."""
    shape, kind = owned.shape, str(found.get("type"))
    if kind not in shape.types:
        return [
            f"{owned.where} has type {kind}, but the connector writes {shape.wording} values: "
            "change its type or point crm.salesforce at another field"
        ]
    problems: list[str] = []
    size = (
        int(found.get("length") or 0) if kind in _TEXT_TYPES else int(found.get("precision") or 0)
    )
    if kind in _TEXT_TYPES | {"double"} and size < shape.length:
        problems.append(
            f"{owned.where} holds {size:,} {'characters' if kind in _TEXT_TYPES else 'digits'}, "
            f"but needs {shape.length:,}: widen it in Setup"
        )
    rights = ("createable", "updateable") if owned.sobject == "Task" else ("updateable",)
    for right in rights:
        if not found.get(right):
            problems.append(
                f"{owned.where} is not {right} by the integration user: grant Edit access in its "
                "field-level security (or the user's permission set)"
            )
    return problems


def status_problems(lead: Mapping[str, Any] | None, statuses: Iterable[str]) -> list[str]:
    """Configured lead statuses that the org's LeadStatus picklist lacks (§12).

    Letter case is ignored, as the rules ignore it when they map a status.
    """
    wanted = list(dict.fromkeys(statuses))
    if lead is None or not wanted:
        return []
    status = lead.get("status") or {}
    values = [
        str(v.get("value")) for v in status.get("picklistValues") or () if v.get("active", True)
    ]
    have = {value.casefold() for value in values}
    return [
        f"Lead status {value!r} is not a LeadStatus value of this org (it has: "
        f"{', '.join(values) or 'none'}): an admin adds it in Setup > Object Manager > Lead > "
        "Fields & Relationships > Lead Status > Values > New, or fix [stages.lead_status] in "
        "the config"
        for value in wanted
        if value.casefold() not in have
    ]


def describe(client: SalesforceClient, sobject: str) -> dict[str, JsonDict]:
    """An object's fields by lower-cased API name (§7: ``GET sobjects/{T}/describe``)."""
    body = client.rest("GET", f"sobjects/{sobject}/describe", label=f"describe {sobject}")
    fields = body.get("fields") if isinstance(body, Mapping) else None
    return {str(f.get("name")).lower(): dict(f) for f in fields or () if isinstance(f, Mapping)}


def check_org(
    client: SalesforceClient,
    settings: SalesforceSettings,
    required: Sequence[PropertySpec],
    *,
    statuses: Collection[str] = (),
) -> CheckReport:
    """Check the session, the objects, the fields we write and the lead statuses; write nothing.

    Args:
        client: The Salesforce client.
        settings: Field names among others.
        required: The properties the connector writes on people (and deals).
        statuses: Lead status values the config names; each must be a LeadStatus value.

    Returns:
        A report whose ``problems`` say what an admin must do; it never raises for them.
    """
    problems: list[str] = []
    details = {"instance_url": settings.instance_url, "api_version": settings.api_version}
    account = f"Salesforce at {settings.instance_url}"
    try:
        fields = written_fields(settings, required)
    except ConfigurationError as exc:
        return CheckReport(account, (str(exc),), details)
    described: dict[str, dict[str, JsonDict]] = {}
    for sobject in DESCRIBED:
        found, stop = _describe_for_check(client, sobject, problems)
        if found is not None:
            described[sobject] = found
        if stop:
            break
    for owned in fields:
        existing = described.get(owned.sobject)
        if existing is None:
            continue  # already reported: the object could not be described
        found_field = existing.get(owned.name.lower())
        problems += (
            [missing_text(owned)] if found_field is None else fit_problems(owned, found_field)
        )
    problems += status_problems(described.get("Lead"), statuses)
    return CheckReport(account, tuple(problems), details)


def _describe_for_check(
    client: SalesforceClient, sobject: str, problems: list[str]
) -> tuple[dict[str, JsonDict] | None, bool]:
    """The describe, or ``None`` with a problem; ``True`` when later calls cannot succeed."""
    try:
        return describe(client, sobject), False
    except MissingScopesError as exc:
        problems.append(f"the integration user cannot read {sobject}: {exc}")
    except NotFoundError as exc:  # §4: a describe of an object the profile hides answers 404
        problems.append(
            f"the integration user cannot see {sobject} ({exc}): grant 'Read on {sobject}' in "
            "its permission set"
        )
    except AuthError as exc:
        problems.append(f"Salesforce refused the session (credentials refused): {exc}")
        return None, True
    except (RetryLaterError, QuotaExhaustedError, FatalError) as exc:
        problems.append(f"describing {sobject} failed: {exc}")
        return None, True
    except SmarketingError as exc:
        problems.append(f"describing {sobject} failed: {exc}")
    return None, False
