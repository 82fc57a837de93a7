"""Property definitions and groups of one portal (fact sheet §5).

A :class:`PropertyRegistry` per object type holds the standard properties (see :mod:`.catalog`)
and the custom ones created through ``POST /crm/v3/properties/{type}``. Duplicate names give 409.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .errors import Category, ErrorDetail, HubSpotError, not_found, validation


class PropertyType(StrEnum):
    """``type`` of a property (§5)."""

    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    ENUMERATION = "enumeration"
    NUMBER = "number"
    PHONE_NUMBER = "phone_number"
    STRING = "string"


FIELD_TYPES = frozenset(
    {
        "booleancheckbox",
        "calculation_equation",
        "checkbox",
        "date",
        "file",
        "html",
        "number",
        "phonenumber",
        "radio",
        "select",
        "text",
        "textarea",
    }
)
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Option:
    """One enumeration option."""

    value: str
    label: str
    display_order: int = 0
    hidden: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class PropertyDef:
    """A property definition as the properties API returns it.

    ``read_only_value`` marks server-maintained properties: writing one is a 400 (§19.4).
    """

    name: str
    label: str
    type: PropertyType
    field_type: str
    group_name: str
    options: tuple[Option, ...] = ()
    description: str = ""
    hubspot_defined: bool = True
    read_only_value: bool = False
    calculated: bool = False
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False
    display_order: int = -1
    archived: bool = False
    created_ms: int = 0
    updated_ms: int = 0

    def option_values(self) -> frozenset[str]:
        """Allowed values of an enumeration."""
        return frozenset(option.value for option in self.options)


@dataclass(frozen=True, slots=True)
class PropertyGroup:
    """A property group (``contactinformation``, ``smarketing`` …)."""

    name: str
    label: str
    display_order: int = -1
    archived: bool = False


@dataclass(slots=True)
class PropertyRegistry:
    """Definitions and groups of one object type, keyed by name."""

    properties: dict[str, PropertyDef] = field(default_factory=dict)
    groups: dict[str, PropertyGroup] = field(default_factory=dict)

    def live(self, name: str) -> PropertyDef | None:
        """The definition of a non-archived property, else ``None``."""
        prop = self.properties.get(name)
        return None if prop is None or prop.archived else prop

    def get(self, name: str) -> PropertyDef:
        """The live definition or a 404 like HubSpot's."""
        prop = self.live(name)
        if prop is None:
            raise not_found(f"Unable to find property with name {name!r}.")
        return prop

    def listing(self, archived: bool) -> list[PropertyDef]:
        """Live definitions, or only the archived ones when ``archived`` (as in §2)."""
        return [prop for prop in self.properties.values() if prop.archived == archived]

    def create(self, body: Mapping[str, Any], now_ms: int) -> PropertyDef:
        """Create a custom property from a ``PropertyCreate`` body.

        Raises:
            HubSpotError: 400 on a missing or invalid field, 409 when the name exists (§5).
        """
        prop = parse_property_create(body, self.groups, now_ms)
        if prop.name in self.properties and not self.properties[prop.name].archived:
            raise HubSpotError(
                409,
                Category.OBJECT_ALREADY_EXISTS,
                f"Property named '{prop.name}' already exists.",
            )
        self.properties[prop.name] = prop
        return prop

    def update(self, name: str, body: Mapping[str, Any], now_ms: int) -> PropertyDef:
        """Apply a ``PropertyUpdate``; HubSpot-defined definitions are read-only except labels."""
        prop = self.get(name)
        changes: dict[str, Any] = {"updated_ms": now_ms}
        for key, attr in (("label", "label"), ("description", "description"), ("hidden", "hidden")):
            if key in body:
                changes[attr] = body[key]
        if "groupName" in body:
            changes["group_name"] = _known_group(str(body["groupName"]), self.groups)
        if "options" in body:
            if prop.hubspot_defined and prop.read_only_value:
                raise validation(f"Property {name!r} has a read-only definition.")
            changes["options"] = parse_options(body["options"])
        updated = replace(prop, **changes)
        self.properties[name] = updated
        return updated

    def archive(self, name: str, now_ms: int) -> None:
        """Archive a custom property; HubSpot-defined ones cannot be archived."""
        prop = self.get(name)
        if prop.hubspot_defined:
            raise validation(f"Property {name!r} is HubSpot-defined and cannot be archived.")
        self.properties[name] = replace(prop, archived=True, updated_ms=now_ms)

    def create_group(self, body: Mapping[str, Any]) -> PropertyGroup:
        """Create a group; 409 when it exists."""
        name, label = body.get("name"), body.get("label")
        if not isinstance(name, str) or not isinstance(label, str):
            raise validation("A property group needs a string 'name' and 'label'.")
        if name in self.groups and not self.groups[name].archived:
            raise HubSpotError(
                409, Category.OBJECT_ALREADY_EXISTS, f"Property group '{name}' already exists."
            )
        group = PropertyGroup(name, label, int(body.get("displayOrder", -1)))
        self.groups[name] = group
        return group

    def group(self, name: str) -> PropertyGroup:
        """A live group or 404."""
        group = self.groups.get(name)
        if group is None or group.archived:
            raise not_found(f"Unable to find property group {name!r}.")
        return group


def parse_options(raw: object) -> tuple[Option, ...]:
    """Options of a create/update body.

    Raises:
        HubSpotError: 400 when an option lacks a string ``label`` or ``value``.
    """
    if not isinstance(raw, list):
        raise validation("'options' must be a list.")
    options: list[Option] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise validation(f"options[{index}] needs a string 'value' and 'label'.")
        options.append(
            Option(
                value=item["value"],
                label=str(item.get("label", item["value"])),
                display_order=int(item.get("displayOrder", index)),
                hidden=bool(item.get("hidden", False)),
                description=str(item.get("description", "")),
            )
        )
    return tuple(options)


def parse_property_create(
    body: Mapping[str, Any], groups: Mapping[str, PropertyGroup], now_ms: int
) -> PropertyDef:
    """Validate a ``PropertyCreate`` body, listing every problem at once (§5)."""
    problems: list[ErrorDetail] = []
    for key in ("name", "label", "type", "fieldType", "groupName"):
        if not isinstance(body.get(key), str) or not body[key]:
            problems.append(ErrorDetail(f"'{key}' is required.", "REQUIRED", {"field": [key]}))
    if problems:
        raise validation("Invalid input for property create.", *problems)
    name, type_name, field_type = str(body["name"]), str(body["type"]), str(body["fieldType"])
    if not _NAME.fullmatch(name):
        problems.append(ErrorDetail(f"Invalid property name {name!r}.", "INVALID_NAME"))
    if type_name not in PropertyType.__members__.values():
        problems.append(ErrorDetail(f"Invalid type {type_name!r}.", "INVALID_TYPE"))
    if field_type not in FIELD_TYPES:
        problems.append(ErrorDetail(f"Invalid fieldType {field_type!r}.", "INVALID_FIELD_TYPE"))
    options = parse_options(body.get("options", []))
    if type_name == PropertyType.ENUMERATION and not options:
        problems.append(ErrorDetail("An enumeration needs options.", "MISSING_OPTIONS"))
    if problems:
        raise validation("Invalid input for property create.", *problems)
    return PropertyDef(
        name=name,
        label=str(body["label"]),
        type=PropertyType(type_name),
        field_type=field_type,
        group_name=_known_group(str(body["groupName"]), groups),
        options=options,
        description=str(body.get("description", "")),
        hubspot_defined=False,
        has_unique_value=bool(body.get("hasUniqueValue", False)),
        hidden=bool(body.get("hidden", False)),
        form_field=bool(body.get("formField", False)),
        display_order=int(body.get("displayOrder", -1)),
        created_ms=now_ms,
        updated_ms=now_ms,
    )


def _known_group(name: str, groups: Mapping[str, PropertyGroup]) -> str:
    if name not in groups or groups[name].archived:
        raise validation(f"Property group {name!r} does not exist.")
    return name


def registry_of(groups: Iterable[PropertyGroup], props: Iterable[PropertyDef]) -> PropertyRegistry:
    """A registry pre-filled with groups and definitions."""
    registry = PropertyRegistry()
    for group in groups:
        registry.groups[group.name] = group
    for prop in props:
        registry.properties[prop.name] = prop
    return registry
