"""HubSpot JSON → :class:`~rules.model.Person`, :class:`~rules.model.Deal` and ``Owner``.

Every HubSpot property value is a string or null (hubspot-api.md §2); its type lives in the property
definitions (``GET /crm/v3/properties/{type}``, §5), read once per pull. A :class:`RecordMapper` is
built from them and precomputes one converter per requested property, so a record costs one dict
lookup and, for typed values, one parse per property: the pull must sustain 20,000 records/s.

Conversions: ``number`` → ``int`` (``float`` when fractional), ``datetime`` → aware ``datetime``
(ISO-8601 or epoch-ms strings, §2), ``date`` → ``date`` (midnight UTC, §2), ``bool`` → ``bool``,
everything else (enumeration, string, phone number) stays a string. ``""`` and null become
``None``. A value that does not parse is kept as the string and counted in
:attr:`RecordMapper.unparsable` (failure-modes R9: unknown values are kept and flagged, never
guessed). A naive datetime does not parse (R5).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from adapters.hubspot.settings import HubSpotSettings
from rules.model import Deal, FieldValue, ObjectType, Owner, Person, StageEntry

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MS: Final = timedelta(milliseconds=1)
_ENTERED, _EXITED = "hs_v2_date_entered_", "hs_v2_date_exited_"

Converter = Callable[[str], FieldValue]
Definitions = Sequence[Mapping[str, Any]]
"""The ``results`` of ``GET /crm/v3/properties/{type}``."""


def parse_datetime(text: str) -> datetime:
    """An aware datetime from epoch milliseconds or ISO-8601 with an offset (§2, §4).

    Raises:
        ValueError: Neither form, or an ISO datetime without an offset (naive input, R5).
    """
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return EPOCH + timedelta(milliseconds=int(text))
    # Python 3.11's fromisoformat reads "Z", "+0000" and "+00:00" alike; HubSpot sends "…Z".
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"datetime {text!r} has no UTC offset")
    return value


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime, floored and exact (no float rounding)."""
    return (moment - EPOCH) // _MS


def parse_date(text: str) -> date:
    """A date from ``2024-01-10``, a midnight-UTC datetime or epoch ms (§2: dates are UTC)."""
    if len(text) == 10 and text[4] == "-":
        return date.fromisoformat(text)
    return parse_datetime(text).astimezone(UTC).date()


def parse_number(text: str) -> int | float:
    """``int`` for whole numbers, ``float`` otherwise; non-finite values do not parse."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text!r} is not finite")
    return int(value) if value.is_integer() else value


def parse_bool(text: str) -> bool:
    """``true``/``false`` in any case (§2: the SDK writes ``True``)."""
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"boolean {text!r} is neither true nor false")
    return lowered == "true"


_CONVERTERS: Final[Mapping[str, Converter]] = {
    "number": parse_number,
    "datetime": parse_datetime,
    "date": parse_date,
    "bool": parse_bool,
}


@dataclass(frozen=True, slots=True)
class _Spec:
    """What differs between contacts and deals."""

    path: str
    modified: str
    standard: tuple[str, ...]


CONTACTS: Final = _Spec(
    "contacts",
    "lastmodifieddate",  # §14: on contacts hs_lastmodifieddate is unreliable
    (
        "hs_object_id",
        "email",
        "company",
        "hs_analytics_source",
        "lifecyclestage",
        "hs_lead_status",
        "hubspot_owner_id",
        "createdate",
        "lastmodifieddate",
        "hs_merged_object_ids",
    ),
)
DEALS: Final = _Spec(
    "deals",
    "hs_lastmodifieddate",
    (
        "hs_object_id",
        "dealname",
        "amount",
        "dealstage",
        "pipeline",
        "hs_is_closed_won",
        "hs_is_closed",
        "closedate",
        "hubspot_owner_id",
        "createdate",
        "hs_lastmodifieddate",
        "hs_merged_object_ids",
    ),
)
SPECS: Final[Mapping[ObjectType, _Spec]] = {ObjectType.CONTACT: CONTACTS, ObjectType.DEAL: DEALS}


class RecordMapper:
    """Typed values of one object type's records, from its property definitions.

    Args:
        object_type: ``CONTACT`` or ``DEAL``.
        settings: The extra properties, owned properties and lifecycle values to read.
        definitions: The object type's property definitions.

    Attributes:
        properties: Every property name a pull requests, standard ones first.
        unparsable: Values kept as strings because they did not parse, by property.
    """

    def __init__(
        self, object_type: ObjectType, settings: HubSpotSettings, definitions: Definitions
    ) -> None:
        self.object_type = object_type
        self.spec = SPECS[object_type]
        types = {str(d.get("name")): str(d.get("type")) for d in definitions}
        self.stages = self._stages(object_type, settings, definitions, types)
        extra = settings.person_properties if object_type is ObjectType.CONTACT else ()
        extra += settings.deal_properties if object_type is ObjectType.DEAL else ()
        reason = settings.rejection_reason_property
        wanted = [*self.spec.standard, *(n for stage in self.stages for n in stage[1:] if n)]
        if object_type is ObjectType.CONTACT:
            wanted += [*((reason,) if reason else ()), *settings.owned_properties]
        self.properties: tuple[str, ...] = tuple(dict.fromkeys([*wanted, *extra]))
        self._converters = tuple((n, _CONVERTERS.get(types.get(n, ""))) for n in self.properties)
        self._reason = reason
        self.unparsable: Counter[str] = Counter()

    @staticmethod
    def _stages(
        object_type: ObjectType,
        settings: HubSpotSettings,
        definitions: Definitions,
        types: Mapping[str, str],
    ) -> tuple[tuple[str, str, str | None], ...]:
        """``(value, entered property, exited property)`` of each stage with a history."""
        if object_type is ObjectType.DEAL:
            # §7: deals carry hs_v2_date_entered_{stageId}; the next entry closes a stay, so
            # the exit dates are not requested (shorter URLs, §2).
            names = sorted(n for n in types if n.startswith(_ENTERED))
            return tuple((n.removeprefix(_ENTERED), n, None) for n in names)
        values = settings.lifecycle_values or _lifecycle_options(definitions)
        return tuple((v, f"{_ENTERED}{v}", f"{_EXITED}{v}") for v in values)

    def values(self, properties: Mapping[str, str | None]) -> dict[str, FieldValue]:
        """The requested properties of one record, typed; ``None`` when unset or ``""``."""
        out: dict[str, FieldValue] = {}
        for name, convert in self._converters:
            text = properties.get(name)
            if not text:
                out[name] = None
            elif convert is None:
                out[name] = text
            else:
                try:
                    out[name] = convert(text)
                except ValueError:
                    self.unparsable[name] += 1
                    out[name] = text
        return out

    def person(self, raw: Mapping[str, Any]) -> Person:
        """A contact from a list or search result."""
        values = self.values(raw.get("properties") or {})
        return Person(
            id=str(raw.get("id") or values["hs_object_id"]),
            object_type=ObjectType.CONTACT,
            owner_id=_str(values["hubspot_owner_id"]),
            email=_str(values["email"]),
            company=_str(values["company"]),
            source=_str(values["hs_analytics_source"]),
            lifecycle=_str(values["lifecyclestage"]),
            lead_status=_str(values["hs_lead_status"]),
            stage_history=self._history(values, exits=True),
            rejection_reason=_str(values[self._reason]) if self._reason else None,
            fields=values,
            created_at=_when(values["createdate"], raw.get("createdAt")),
            updated_at=self.modified_at(raw, values),
        )

    def deal(self, raw: Mapping[str, Any], person_ids: Iterable[str] | None = None) -> Deal:
        """A deal from a list result (``associations`` inline) or search result plus ids."""
        values = self.values(raw.get("properties") or {})
        stage = _str(values["dealstage"])
        won, closed = values["hs_is_closed_won"], values["hs_is_closed"]
        amount = values["amount"]
        return Deal(
            id=str(raw.get("id") or values["hs_object_id"]),
            name=_str(values["dealname"]),
            amount=float(amount) if isinstance(amount, int | float) else None,
            stage=stage,
            pipeline=_str(values["pipeline"]),
            # The flags are calculated from the pipeline's stage metadata (§7); a portal that does
            # not return them falls back to the default pipeline's closed stages.
            is_won=won if isinstance(won, bool) else stage == "closedwon",
            is_closed=closed if isinstance(closed, bool) else stage in ("closedwon", "closedlost"),
            close_date=_day(values["closedate"]),
            owner_id=_str(values["hubspot_owner_id"]),
            person_ids=tuple(
                dict.fromkeys(person_ids if person_ids is not None else inline_contacts(raw))
            ),
            stage_history=self._history(values, exits=False),
            created_at=_when(values["createdate"], raw.get("createdAt")),
            updated_at=self.modified_at(raw, values),
        )

    def modified_at(self, raw: Mapping[str, Any], values: Mapping[str, FieldValue]) -> datetime:
        """The server's modification time: the property search filters on (§14)."""
        return _when(values.get(self.spec.modified), raw.get("updatedAt")) or EPOCH

    def _history(self, values: Mapping[str, FieldValue], *, exits: bool) -> tuple[StageEntry, ...]:
        stays = sorted(
            (entered, value, values.get(exited) if exited else None)
            for value, entered_name, exited in self.stages
            if isinstance(entered := values.get(entered_name), datetime)
        )
        entries: list[StageEntry] = []
        for index, (entered, value, exited) in enumerate(stays):
            following = stays[index + 1][0] if index + 1 < len(stays) else None
            end = exited if exits else following
            # hs_v2 dates are never cleared (§10): an exit before the latest entry is from an
            # earlier stay, and the record is in that stage again.
            left = end if isinstance(end, datetime) and end >= entered else None
            entries.append(StageEntry(value, entered, left))
        return tuple(entries)


def owner(raw: Mapping[str, Any]) -> Owner:
    """An owner from ``/crm/v3/owners`` (§6); HubSpot knows no manager and no time zone."""
    name = " ".join(p for p in (raw.get("firstName"), raw.get("lastName")) if p)
    teams = [t for t in raw.get("teams") or () if isinstance(t, Mapping)]
    primary = next((t for t in teams if t.get("primary")), teams[0] if teams else None)
    return Owner(
        id=str(raw["id"]),
        name=name or str(raw.get("email") or ""),
        email=raw.get("email") or None,
        team=str(primary["name"]) if primary and primary.get("name") else None,
        active=not raw.get("archived", False),
    )


def merged_ids(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """Ids merged into this record: ``hs_merged_object_ids`` is ``;``-separated (§11)."""
    text = (raw.get("properties") or {}).get("hs_merged_object_ids") or ""
    return tuple(part for part in text.split(";") if part and part != str(raw.get("id")))


def inline_contacts(raw: Mapping[str, Any]) -> list[str]:
    """Contact ids from a v3 read's ``associations`` block (§2; lists can repeat an id, §9)."""
    block = (raw.get("associations") or {}).get("contacts") or {}
    return [str(item["id"]) for item in block.get("results") or () if "id" in item]


def _lifecycle_options(definitions: Definitions) -> tuple[str, ...]:
    found = next((d for d in definitions if d.get("name") == "lifecyclestage"), None)
    options = found.get("options") if found else None
    return tuple(str(o["value"]) for o in options or () if isinstance(o, Mapping) and "value" in o)


def _str(value: FieldValue) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def _when(value: FieldValue, fallback: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(fallback, str) and fallback:
        try:
            return parse_datetime(fallback)
        except ValueError:
            return None
    return None


def _day(value: FieldValue) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    return value if isinstance(value, date) else None
