"""Salesforce rows → :class:`~rules.model.Person`, :class:`~rules.model.Deal` and ``Owner``.

Which fields are read is a table (:data:`SPECS`): the standard fields of each object, plus the
configured ones (lifecycle picklist, stage dates, rejection reason, owned fields, extra fields)
*when the org's describe lists them* (§7). A configured field the object lacks is left out and
named in a warning (failure-modes F17: schema drift is ignored, never a crash), so one
``person_fields`` setting serves both Lead and Contact. A Contact lacks the Lead's address and
company fields, but holds them under other names: those are read instead
(:data:`CONTACT_EQUIVALENTS`), and a Contact lacking the rejection-reason field is no drift
(Contacts have no ``Status`` to be rejected with).

Typing follows describe's ``type`` (§7): ``int``/``double``/``currency``/``percent`` → ``int``
when whole, else ``float``; ``datetime`` → aware UTC ``datetime`` (``+0000``, ``Z`` or ``+00:00``,
§1, §14); ``date`` → ``date``; ``boolean`` → ``bool``; everything else (picklist, string, id,
reference, email, ``time``...) stays a string. A value that does not parse is kept as text and
counted in :attr:`RecordMapper.unparsable` (R9: kept and flagged, never guessed).

Mapping decisions (keep them in mind when reading the rules' input):

- **Lead** → ``Person(object_type=LEAD)``: ``owner_id`` = ``OwnerId`` (a User ``005`` or a queue
  ``00G``, §12), ``company`` = ``Company``, ``source`` = ``LeadSource``, ``lifecycle`` = the
  lifecycle picklist, ``lead_status`` = ``Status``, ``updated_at`` = ``SystemModstamp`` (the
  cursor field, §14).
- **Contact** → ``Person(object_type=CONTACT)``: ``company`` = ``Account.Name`` (a parent field,
  no extra call); Contacts have no ``Status``, so ``lead_status`` is ``None``. A configured Lead
  field the Contact lacks is read from its equivalent and shown under the Lead's name
  (``fields["Industry"]`` = the row's ``Account.Industry``), so the rules read it unchanged; an
  equivalent on the Account is typed from the Account's describe (one more call, when needed).
- **Stage history**: each lifecycle value with a date field set is one stay, closed by the next
  dated stay (stages without a date field, e.g. Subscriber, have no entry).
- **Opportunity** → ``Deal``: ``person_ids`` are the Contacts converted into it (see
  :mod:`.links`); ``pipeline`` is ``None`` (one sales process); stage history is not on the row
  (the pull adds it from ``OpportunityHistory``, :mod:`.deal_history`).
- **User** → ``Owner``: ``team`` = ``Department`` (orgs without roles have it; ``UserRole`` needs
  a parent lookup most orgs do not use for teams), ``timezone`` = ``TimeZoneSidKey``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from adapters.salesforce.owned import field_names
from adapters.salesforce.settings import SalesforceSettings
from rules.model import Deal, FieldValue, ObjectType, Owner, Person, StageEntry

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
Converter = Callable[[Any], FieldValue]
Describe = Sequence[Mapping[str, Any]]
"""The ``fields`` of ``GET /sobjects/{name}/describe`` (§7)."""


def parse_datetime(text: str) -> datetime:
    """An aware UTC datetime from ``2013-05-20T20:49:32.000+0000``, ``…Z`` or ``…+00:00``.

    Raises:
        ValueError: Not ISO-8601, or no offset (naive input is an error, R5).
    """
    text = text.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # §1: "+0000"
        text = f"{text[:-2]}:{text[-2:]}"
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"datetime {text!r} has no UTC offset")
    return value.astimezone(UTC)


def parse_number(value: Any) -> int | float:
    """``int`` for whole numbers, else ``float``; booleans and non-finite values do not parse."""
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is a boolean, not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"number {value!r} is not finite")
    return int(number) if number.is_integer() else number


def parse_bool(value: Any) -> bool:
    """JSON ``true``/``false`` (or their text)."""
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ValueError(f"{value!r} is not a boolean")


def _date(value: Any) -> date:
    return date.fromisoformat(str(value))


def _datetime(value: Any) -> datetime:
    return parse_datetime(str(value))


_NUMBER = ("int", "double", "currency", "percent", "long")
CONVERTERS: Final[Mapping[str, Converter]] = {
    **dict.fromkeys(_NUMBER, parse_number),
    "datetime": _datetime,
    "date": _date,
    "boolean": parse_bool,
}
"""Describe ``type`` → converter; every other type stays a string (§7)."""


CONTACT_EQUIVALENTS: Final[Mapping[str, str]] = {
    "Street": "MailingStreet",
    "City": "MailingCity",
    "State": "MailingState",
    "StateCode": "MailingStateCode",
    "PostalCode": "MailingPostalCode",
    "Country": "MailingCountry",
    "CountryCode": "MailingCountryCode",
    "Industry": "Account.Industry",
    "NumberOfEmployees": "Account.NumberOfEmployees",
    "AnnualRevenue": "Account.AnnualRevenue",
    "Website": "Account.Website",
}
"""Lead standard field → where a Contact holds it: lead conversion copies the Lead's Address to
the Contact's Mailing Address, and Industry, No. of Employees, Annual Revenue and Website to the
Account (Salesforce Help, "Lead Conversion Field Mapping"). ``Company`` becomes the Account's
``Name``, read as ``company`` already; ``Title`` needs no entry (Contact has one)."""


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """What is read of one object type.

    Attributes:
        equivalents: Configured fields the object lacks → the field (``Account.X``: of its
            parent) holding the same fact.
        rejectable: Has a ``Status`` to be rejected with; else lacking the rejection-reason field
            is expected, not drift.
    """

    object_type: ObjectType
    sobject: str
    standard: tuple[str, ...]
    people: bool
    equivalents: Mapping[str, str] = field(default_factory=dict, hash=False)
    rejectable: bool = False


_AUDIT = ("CreatedDate", "SystemModstamp", "IsDeleted")
LEADS: Final = ObjectSpec(
    ObjectType.LEAD,
    "Lead",
    (
        *("Id", "OwnerId", "Email", "Company", "LeadSource", "Status", *_AUDIT, "MasterRecordId"),
        *("IsConverted", "ConvertedContactId", "ConvertedOpportunityId"),
    ),
    people=True,
    rejectable=True,
)
CONTACTS: Final = ObjectSpec(
    ObjectType.CONTACT,
    "Contact",
    ("Id", "OwnerId", "Email", "Account.Name", "LeadSource", *_AUDIT, "MasterRecordId"),
    people=True,
    equivalents=CONTACT_EQUIVALENTS,
)
OPPORTUNITIES: Final = ObjectSpec(
    ObjectType.DEAL,
    "Opportunity",
    ("Id", "Name", "Amount", "StageName", "IsWon", "IsClosed", "CloseDate", "OwnerId", *_AUDIT),
    people=False,
)
SPECS: Final[Mapping[ObjectType, ObjectSpec]] = {
    spec.object_type: spec for spec in (LEADS, CONTACTS, OPPORTUNITIES)
}
USER_FIELDS: Final = (
    "Id",
    "Name",
    "Email",
    "IsActive",
    "ManagerId",
    "TimeZoneSidKey",
    "Department",
)


class RecordMapper:
    """Typed values of one object type's rows, from the object's describe.

    Args:
        spec: The object type's standard fields.
        settings: The configured fields to read when the object has them.
        describe: The object's describe ``fields``.
        parents: A parent object's describe ``fields`` by its name (``Account``), asked only
            when an equivalent on it is needed (:attr:`ObjectSpec.equivalents`); ``None``: such
            equivalents are missing.

    Attributes:
        fields: Every field a query selects, standard ones first.
        missing: Configured fields the object lacks and has no equivalent of, except the
            rejection reason of an object that cannot be rejected (left out of queries; the
            puller warns).
        unparsable: Values kept as text because they did not parse, by selected field.
    """

    def __init__(
        self,
        spec: ObjectSpec,
        settings: SalesforceSettings,
        describe: Describe,
        parents: Callable[[str], Describe] | None = None,
    ) -> None:
        self.spec, self.object_type = spec, spec.object_type
        types = _types(describe)
        has = {name.lower(): name for name in types}
        wanted = [name for name in _configured(spec, settings) if name not in spec.standard]
        present = [has[n.lower()] for n in wanted if n.lower() in has]
        absent = [n for n in wanted if n.lower() not in has]
        found = _equivalents(spec.equivalents, absent, types, parents)
        expected = {n.lower() for n in found}
        if not spec.rejectable and settings.rejection_reason_field:
            expected.add(settings.rejection_reason_field.lower())
        self.missing = tuple(n for n in absent if n.lower() not in expected)
        # (name in the values, field selected, its describe type)
        selected = [(n, n, types.get(n, "")) for n in (*spec.standard, *present)]
        selected += [(n, source, kind) for n, (source, kind) in found.items()]
        self.fields: tuple[str, ...] = tuple(dict.fromkeys(source for _, source, _ in selected))
        self._converters = tuple(
            (name, source, CONVERTERS.get(kind)) for name, source, kind in dict.fromkeys(selected)
        )
        self._lifecycle = _present(settings.lifecycle_field, has)
        self._reason = _present(settings.rejection_reason_field, has)
        self._stages = tuple(
            (value, name)
            for value, field_name in settings.stage_date_fields.items()
            if (name := _present(field_name, has)) is not None
        )
        # Our own fields are also shown under our property names (smarketing_score, ...), the names
        # the planner compares with: after a lost local store, what the CRM already holds is not
        # written again.
        self._owned = tuple(
            (prop, has[name.lower()])
            for prop, name in field_names(settings).items()
            if name.lower() in has
        )
        self.unparsable: Counter[str] = Counter()

    def values(self, row: Mapping[str, Any]) -> dict[str, FieldValue]:
        """The selected fields of one row, typed; ``None`` when null or empty."""
        out: dict[str, FieldValue] = {}
        for name, source, convert in self._converters:
            raw = _get(row, source)
            if raw is None or raw == "":
                out[name] = None
            elif convert is None:
                out[name] = raw if isinstance(raw, str) else str(raw)
            else:
                try:
                    out[name] = convert(raw)
                except (ValueError, TypeError):
                    self.unparsable[source] += 1
                    out[name] = str(raw)
        return out

    def person(self, row: Mapping[str, Any]) -> Person:
        """A Lead or Contact row."""
        values = self.values(row)
        for prop, name in self._owned:
            values[prop] = values.get(name)
        company = values.get("Company", values.get("Account.Name"))
        return Person(
            id=str(row["Id"]),
            object_type=self.object_type,
            owner_id=_text(values.get("OwnerId")),
            email=_text(values.get("Email")),
            company=_text(company),
            source=_text(values.get("LeadSource")),
            lifecycle=_text(values.get(self._lifecycle)) if self._lifecycle else None,
            lead_status=_text(values.get("Status")),
            stage_history=self._history(values),
            rejection_reason=_text(values.get(self._reason)) if self._reason else None,
            fields=values,
            created_at=_moment(values.get("CreatedDate")),
            updated_at=self.modified_at(values),
        )

    def deal(self, row: Mapping[str, Any], person_ids: Iterable[str] = ()) -> Deal:
        """An Opportunity row and the people linked to it."""
        values = self.values(row)
        amount = values.get("Amount")
        close = values.get("CloseDate")
        return Deal(
            id=str(row["Id"]),
            name=_text(values.get("Name")),
            amount=float(amount) if isinstance(amount, int | float) else None,
            stage=_text(values.get("StageName")),
            is_won=values.get("IsWon") is True,
            is_closed=values.get("IsClosed") is True,
            close_date=close
            if isinstance(close, date) and not isinstance(close, datetime)
            else None,
            owner_id=_text(values.get("OwnerId")),
            person_ids=tuple(sorted(set(person_ids))),
            created_at=_moment(values.get("CreatedDate")),
            updated_at=self.modified_at(values),
        )

    @staticmethod
    def modified_at(values: Mapping[str, FieldValue]) -> datetime:
        """``SystemModstamp``: changes by users and automation alike (§12, §14)."""
        return _moment(values.get("SystemModstamp")) or EPOCH

    def _history(self, values: Mapping[str, FieldValue]) -> tuple[StageEntry, ...]:
        stays = sorted(
            (entered, value)
            for value, name in self._stages
            if isinstance(entered := values.get(name), datetime)
        )
        return tuple(
            StageEntry(value, entered, stays[i + 1][0] if i + 1 < len(stays) else None)
            for i, (entered, value) in enumerate(stays)
        )


def owner(row: Mapping[str, Any]) -> Owner:
    """A User row (:data:`USER_FIELDS`)."""
    return Owner(
        id=str(row["Id"]),
        name=str(row.get("Name") or row.get("Email") or ""),
        email=row.get("Email") or None,
        manager_id=row.get("ManagerId") or None,
        team=row.get("Department") or None,
        timezone=row.get("TimeZoneSidKey") or None,
        active=bool(row.get("IsActive", True)),
    )


def _configured(spec: ObjectSpec, settings: SalesforceSettings) -> list[str]:
    if not spec.people:
        return list(settings.deal_fields)
    reason = settings.rejection_reason_field
    return [
        settings.lifecycle_field,
        *settings.stage_date_fields.values(),
        *((reason,) if reason else ()),
        *settings.owned_fields,
        *settings.person_fields,
    ]


def _types(describe: Describe) -> dict[str, str]:
    return {str(f.get("name")): str(f.get("type")) for f in describe}


def _equivalents(
    table: Mapping[str, str],
    absent: Sequence[str],
    types: Mapping[str, str],
    parents: Callable[[str], Describe] | None,
) -> dict[str, tuple[str, str]]:
    """``{Lead name: (field selected, its type)}`` for each ``absent`` field the object (whose
    field ``types`` these are) or a parent holds under another name; describes each parent once.
    The relationship of a ``Parent.Field`` equivalent is named as its object is (``AccountId``
    → ``Account``)."""
    entries = {name.lower(): (name, path) for name, path in table.items()}
    described: dict[str, Mapping[str, str]] = {"": types}
    found: dict[str, tuple[str, str]] = {}
    for lead_name, path in (entries[n.lower()] for n in absent if n.lower() in entries):
        parent, _, name = path.rpartition(".")
        if parent not in described:
            if parents is None:
                continue
            described[parent] = _types(parents(parent))
        kinds = described[parent]
        actual = next((n for n in kinds if n.lower() == name.lower()), None)
        if actual is not None:
            found[lead_name] = (f"{parent}.{actual}" if parent else actual, kinds[actual])
    return found


def _present(name: str | None, has: Mapping[str, str]) -> str | None:
    return None if name is None else has.get(name.lower())


def _get(row: Mapping[str, Any], name: str) -> Any:
    """A field, following ``Parent.Field`` paths through nested parent records."""
    if "." not in name:
        return row.get(name)
    value: Any = row
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: FieldValue) -> str | None:
    return None if value is None else value if isinstance(value, str) else str(value)


def _moment(value: FieldValue) -> datetime | None:
    return value if isinstance(value, datetime) else None
