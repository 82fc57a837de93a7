"""Bulk loading for seeds: the row loader and the values Lead and Contact share (:mod:`.seed`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.scenario import ScenarioDeal, ScenarioPerson
from rules.model import Stage

from .org import Org
from .seed_schema import STAGE_DATE_FIELDS, STAGE_LABELS
from .store import Row
from .timefmt import sf_datetime


@dataclass(frozen=True, slots=True)
class SeedConversion:
    """When a person converts, and the deal that becomes their converted opportunity."""

    at: datetime
    deal_key: int


class Loader:
    """Bulk row insertion with system fields, bypassing API validation (indexes rebuilt once)."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.blank = {name: obj.blank() for name, obj in org.objects.items()}
        self.users: dict[str, str] = {}
        self.queue = ""
        self.leads: dict[int, str] = {}
        self.contacts: dict[int, str] = {}
        self.accounts: dict[str, str] = {}
        self.opportunities: dict[int, str] = {}
        self.conversions: dict[int, SeedConversion] = {}

    def add(
        self,
        object_name: str,
        values: dict[str, Any],
        created: datetime,
        modified: datetime | None = None,
        *,
        by: str | None = None,
        record_id: str | None = None,
    ) -> Row:
        """Insert one row created at ``created`` and last changed at ``modified``."""
        row = dict(self.blank[object_name])
        stamp, changed = sf_datetime(created), sf_datetime(modified or created)
        who = by or self.org.integration_user_id
        row["Id"] = record_id or self.org.new_id(self.org.objects[object_name].key_prefix)
        row["CreatedDate"], row["CreatedById"] = stamp, who
        if "LastModifiedDate" in row:
            row["LastModifiedDate"], row["LastModifiedById"] = changed, who
        if "SystemModstamp" in row:
            row["SystemModstamp"] = changed
        row.update(values)
        self.org.tables[object_name].put(row, index=False)
        return row

    def user_of(self, owner_id: str | None) -> str | None:
        """The User id of a scenario owner."""
        return None if owner_id is None else self.users.get(owner_id)


def conversions(deals: tuple[ScenarioDeal, ...]) -> dict[int, SeedConversion]:
    """Person key → conversion: the creation of the first deal that names them first."""
    out: dict[int, SeedConversion] = {}
    for deal in sorted(deals, key=lambda d: (d.created_at, d.key)):
        if deal.person_keys and deal.person_keys[0] not in out:
            out[deal.person_keys[0]] = SeedConversion(deal.created_at, deal.key)
    return out


def source_label(source: str) -> str:
    """``ORGANIC_SEARCH`` → ``Organic Search`` (LeadSource is an open picklist)."""
    return source.replace("_", " ").title()


def engagement(person: ScenarioPerson) -> dict[str, Any]:
    """The marketing fields shared by Lead and Contact (:func:`.seed_schema.define_custom_fields`).

    ``Email_Domain__c`` is a formula field in a real org; the seed computes it once, so rows
    written later through the API leave it empty.
    """
    return {
        "Page_Views__c": float(person.page_views),
        "Form_Submissions__c": float(person.form_submissions),
        "Email_Clicks__c": float(person.email_clicks),
        "Last_Click_Date__c": _stamp(person.last_click_at),
        "Recent_Conversion_Date__c": _stamp(person.recent_conversion_at),
        "Email_Domain__c": person.email.rpartition("@")[2].lower() or None,
    }


def _stamp(at: datetime | None) -> str | None:
    return None if at is None else sf_datetime(at)


def stage_fields(stages: list[tuple[Stage, datetime]]) -> dict[str, Any]:
    """``Lifecycle_Stage__c`` and the stage dates of a (possibly cut) stage timeline."""
    values: dict[str, Any] = {"Lifecycle_Stage__c": STAGE_LABELS[stages[-1][0]] if stages else None}
    for stage, at in stages:
        if stage in STAGE_DATE_FIELDS:
            values[STAGE_DATE_FIELDS[stage]] = sf_datetime(at)
    return values
