"""Status history and sales activities of Leads and Contacts, read in as few queries as SOQL allows.

Reads are SOQL queries whose ``IN`` lists are packed up to :data:`MAX_QUERY_URL` characters
(:func:`queries_in`). For N people and the closed tasks on them, enrichment costs
``ceil(N / k)`` LeadHistory queries and ``ceil(N / k)`` Task queries, ``k`` being the ids one
query holds (about 280 18-character ids), plus one call per further page of 2,000 rows (§3).
For Contacts, the LeadHistory read is of the Leads converted into them, which ``ceil(N / k)``
Lead queries find first. 60 Leads cost 2 calls, 60 converted Contacts 3.

- **Status history** (Leads): ``LeadHistory`` rows of ``Field = 'Status'`` (§12), oldest first;
  each stay lasts until the next change. The first stay is the first change's ``OldValue`` (or
  the current status when it never changed), entered when the Lead was created: the
  ``'created'`` history row, else ``Person.created_at``. Without a known creation time that first
  stay is left out rather than guessed. LeadHistory only exists when the org tracks Status
  (§12: "support both"); without rows the history holds the current status alone, and the sync
  cycle's own snapshots carry the transitions.
- **Status history** (Contacts): a Contact has no status, and conversion leaves the Lead's
  LeadHistory on the converted Lead, which stays readable (§14), while the pull re-keys the
  person to the Contact. So a Contact's history is that of the Leads converted into it
  (``Lead.ConvertedContactId``), read as above and ending in the converted status: the
  qualification of an SQL happens on the Lead, and is the touch its SLA clock looks for. A
  Contact nobody converted keeps the history it has.
- **Activities**: Tasks whose ``WhoId`` is the person and that are closed (``IsClosed``: the
  TaskStatus flag, true for ``Completed`` and any other closed status, §12), except ours, which
  carry a key in ``settings.task_key_field`` (our follow-ups are not sales touches). Conversion
  re-points a Lead's tasks to its Contact (``WhoId``), so a Contact's tasks include the Lead's.
  The kind comes from ``TaskSubtype``, then ``Type`` (:data:`ACTIVITY_KINDS`); ``at`` is
  ``CompletedDateTime``, else ``LastModifiedDate`` for tasks closed before Salesforce recorded
  completion times (a later edit of such a task moves it, which is the best the record tells).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote_plus

from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.mapping import parse_datetime
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.soql import Soql, eq, in_, literal
from rules.model import Activity, ActivityKind, ObjectType, Person, StageEntry

JsonDict = dict[str, Any]

MAX_QUERY_URL: Final = 8_000
"""Characters of the URL-encoded SOQL in a query's ``?q=`` (§3: a query is a GET). SOQL allows far
longer statements, but the request URI is bounded too (§11 lists 414 URI Too Long; 16,384 bytes
is the limit commonly reported, UNCONFIRMED), so half of that leaves room for the host and path."""
ACTIVITY_KINDS: Final[Mapping[str, ActivityKind]] = {
    "Call": ActivityKind.CALL,
    "Email": ActivityKind.EMAIL,
    "ListEmail": ActivityKind.EMAIL,
    "Meeting": ActivityKind.MEETING,
    "Event": ActivityKind.MEETING,
}
"""``TaskSubtype`` or ``Type`` values (§12) that name a kind of touch; any other is a task."""
STATUS: Final = "Status"
CREATED: Final = "created"


def queries_in(
    build: Callable[[tuple[str, ...]], Soql], values: Iterable[str], limit: int = MAX_QUERY_URL
) -> list[Soql]:
    """Queries covering ``values`` (repeats dropped) in one ``IN`` list each, as few as fit.

    Args:
        build: The query for a tuple of values; its only variable part is one ``IN`` list.
        values: The values to look up.
        limit: Largest URL-encoded length of a query (a single value too long still gets one).

    Returns:
        One query per chunk; none for no values.
    """
    chunks: list[tuple[str, ...]] = []
    current: list[str] = []
    size = 0
    for value in dict.fromkeys(values):
        # URL encoding is per character, so the encoded length of "..., 'value'" adds up exactly.
        grown = size + len(quote_plus(", " + literal(value)))
        if current and grown > limit:
            chunks.append(tuple(current))
            current = []
        if not current:
            grown = len(quote_plus(build((value,)).text))
        current.append(value)
        size = grown
    if current:
        chunks.append(tuple(current))
    return [build(chunk) for chunk in chunks]


def read_rows(
    client: SalesforceClient, queries: Iterable[Soql], **kwargs: bool
) -> Iterator[JsonDict]:
    """Every row of every query, page after page (``kwargs`` go to ``client.query``)."""
    for soql in queries:
        for page in client.query(soql, **kwargs):
            yield from page


def enrich_people(
    client: SalesforceClient,
    settings: SalesforceSettings,
    object_type: ObjectType,
    people: Sequence[Person],
) -> list[Person]:
    """``people`` with ``status_history`` (Leads) and ``activities`` read from Salesforce.

    Returns:
        The people in the same order; Opportunities (no person) are returned unchanged.

    Raises:
        SmarketingError: As the client maps Salesforce's failures (after its retries).
    """
    if object_type not in (ObjectType.LEAD, ObjectType.CONTACT) or not people:
        return list(people)
    ids = list(dict.fromkeys(person.id for person in people))
    activities = read_activities(client, settings, ids)
    if object_type is not ObjectType.LEAD:
        converted = read_converted_history(client, ids)
        return [
            replace(
                p,
                status_history=converted.get(p.id, p.status_history),
                activities=activities.get(p.id, ()),
            )
            for p in people
        ]
    history = read_lead_history(client, ids)
    return [
        replace(
            person,
            status_history=status_history(
                history.get(person.id, ()), person.lead_status, person.created_at
            ),
            activities=activities.get(person.id, ()),
        )
        for person in people
    ]


def read_lead_history(client: SalesforceClient, ids: Sequence[str]) -> dict[str, list[JsonDict]]:
    """The Status and creation rows of LeadHistory, by Lead id (§12)."""

    def build(chunk: tuple[str, ...]) -> Soql:
        fields = ["Id", "LeadId", "Field", "OldValue", "NewValue", "CreatedDate"]
        return (
            Soql.select("LeadHistory", fields)
            .where(in_("LeadId", chunk), in_("Field", (STATUS, CREATED)))
            .order_by("CreatedDate", "Id")
        )

    found: dict[str, list[JsonDict]] = {}
    for row in read_rows(client, queries_in(build, ids)):
        found.setdefault(str(row.get("LeadId")), []).append(row)
    return found


def read_converted_history(
    client: SalesforceClient, contact_ids: Sequence[str]
) -> dict[str, tuple[StageEntry, ...]]:
    """The status stays of the Leads converted into each Contact, oldest first (§14).

    A Contact that more than one Lead was converted into gets all their stays, in time order.
    """

    def build(chunk: tuple[str, ...]) -> Soql:
        fields = ["Id", "ConvertedContactId", "Status", "CreatedDate"]
        return (
            Soql.select("Lead", fields)
            .where(in_("ConvertedContactId", chunk), eq("IsConverted", True))
            .order_by("Id")
        )

    leads = list(read_rows(client, queries_in(build, contact_ids)))
    history = read_lead_history(client, [str(lead["Id"]) for lead in leads])
    found: dict[str, list[StageEntry]] = {}
    for lead in leads:
        stays = status_history(
            history.get(str(lead["Id"]), ()),
            _value(lead.get("Status")) or None,
            parse_instant(lead.get("CreatedDate")),
        )
        found.setdefault(str(lead.get("ConvertedContactId")), []).extend(stays)
    return {
        contact: tuple(sorted(stays, key=lambda stay: stay.entered_at))
        for contact, stays in found.items()
    }


def status_history(
    rows: Iterable[Mapping[str, Any]], current: str | None, created_at: datetime | None
) -> tuple[StageEntry, ...]:
    """Stays in each status, oldest first, from LeadHistory rows in any order.

    Args:
        rows: ``Field`` ``'Status'`` rows (``OldValue``, ``NewValue``, ``CreatedDate``) and the
            ``'created'`` row.
        current: The Lead's status now (the only stay when no change is recorded).
        created_at: When the Lead was created, if the history has no ``'created'`` row.
    """
    changes: list[tuple[datetime, int, str, str]] = []
    for position, row in enumerate(rows):
        at = parse_instant(row.get("CreatedDate"))
        if at is None:
            continue
        if row.get("Field") == CREATED:
            created_at = at if created_at is None else min(created_at, at)
        elif row.get("Field") == STATUS:
            changes.append((at, position, _value(row.get("OldValue")), _value(row.get("NewValue"))))
    changes.sort()
    first = changes[0][2] if changes else (current or "")
    stays: list[StageEntry] = []
    if first and created_at is not None:
        stays.append(StageEntry(first, min(created_at, changes[0][0]) if changes else created_at))
    for at, _, _, new in changes:
        if stays and stays[-1].exited_at is None:
            if stays[-1].value == new:
                continue
            stays[-1] = replace(stays[-1], exited_at=at)
        if new:
            stays.append(StageEntry(new, at))
    return tuple(stays)


def read_activities(
    client: SalesforceClient, settings: SalesforceSettings, ids: Sequence[str]
) -> dict[str, tuple[Activity, ...]]:
    """Each person's closed tasks that are not ours, as activities sorted by time."""
    fields = ["Id", "WhoId", "OwnerId", "TaskSubtype", "Type", "CompletedDateTime"]

    def build(chunk: tuple[str, ...]) -> Soql:
        return Soql.select("Task", [*fields, "LastModifiedDate"]).where(
            in_("WhoId", chunk), eq("IsClosed", True), eq(settings.task_key_field, None)
        )

    found: dict[str, list[Activity]] = {}
    for row in read_rows(client, queries_in(build, ids)):
        activity = to_activity(row)
        if activity is not None:
            found.setdefault(str(row.get("WhoId")), []).append(activity)
    return {who: tuple(sorted(acts, key=lambda a: a.at)) for who, acts in found.items()}


def to_activity(task: Mapping[str, Any]) -> Activity | None:
    """The activity a closed task stands for; ``None`` without a readable time."""
    at = parse_instant(task.get("CompletedDateTime")) or parse_instant(task.get("LastModifiedDate"))
    if at is None:
        return None
    kind = ACTIVITY_KINDS.get(str(task.get("TaskSubtype") or "")) or ACTIVITY_KINDS.get(
        str(task.get("Type") or ""), ActivityKind.TASK
    )
    owner = task.get("OwnerId") or None
    return Activity(kind=kind, at=at, owner_id=None if owner is None else str(owner))


def parse_instant(value: object) -> datetime | None:
    """An aware datetime from Salesforce's ``…000+0000`` or ``…Z`` (§1); else ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _value(value: object) -> str:
    return "" if value is None else str(value)
