"""One verdict per record of an sObject Collections call (salesforce-api.md §5, §11; R3).

A well-formed collection call answers **200** with one SaveResult per record, in input order, even
when some records failed (§5). Each SaveResult becomes a :class:`Verdict`:

- ``success: true`` → done, never sent again;
- a per-record error is classified by its ``statusCode`` (§5: not ``errorCode``) with the table
  of §11: a lock or a rolled-back neighbour is retried later, a data error (validation rule,
  required field, restricted picklist) or a dead record (deleted, merged, malformed id) is
  rejected with Salesforce's message and the record's name, a missing or read-only field stops
  the run with a :class:`~adapters.base.errors.ConfigurationError` (every record would fail the
  same way, and a rejection would drop the write for good);
- an unknown code is retried later: the outbox bounds the attempts, whereas a wrong rejection
  would lose a write.

A whole call that fails transiently (the retry policy gave up on a 5xx, a timeout, a lock) or
that Salesforce refuses for the daily allocation (403 ``REQUEST_LIMIT_EXCEEDED``, §10) *halts*
the run: that chunk and every chunk not sent yet are retried later, with the reason, and no
further write is attempted (failure-modes R6). A whole call refused with a 400 names no record
(§5: a malformed request); its records are retried later with the reason rather than rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from adapters.base.errors import (
    ConfigurationError,
    QuotaExhaustedError,
    RecordError,
    RetryLaterError,
    redact,
)
from adapters.base.protocol import OutcomeStatus

if TYPE_CHECKING:
    from adapters.salesforce.client import SalesforceClient
    from adapters.salesforce.settings import SalesforceSettings

JsonDict = dict[str, Any]
T = TypeVar("T")

COLLECTION_MAX: Final = 200  # §5: at most 200 records per collection call
COLLECTIONS: Final = "composite/sobjects"  # §5, relative to /services/data/vXX.X/
MAX_REASON: Final = 500

RETRY_CODES: Final = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",  # §11: retry with backoff (jsforce#1018)
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",  # §11: not this record's fault
        "PROCESSING_HALTED",
        "TXN_SECURITY_METERING_ERROR",  # §11: a transient policy timeout
        "REQUEST_LIMIT_EXCEEDED",
        "SERVER_UNAVAILABLE",
        "UNKNOWN_EXCEPTION",
    }
)
"""Per-record codes that may succeed when sent again."""
REJECT_CODES: Final = frozenset(
    {
        # §11: data errors, "reject the record with its reason"
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "DUPLICATES_DETECTED",
        "DUPLICATE_VALUE",
        "STRING_TOO_LONG",
        "JSON_PARSER_ERROR",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "FIELD_INTEGRITY_EXCEPTION",
        "CANNOT_UPDATE_CONVERTED_LEAD",  # §14: converted leads are read-only
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        # §11, §14: the record is gone (deleted, merged) or the id is wrong
        "ENTITY_IS_DELETED",
        "NOT_FOUND",
        "INVALID_ID_FIELD",
        "INVALID_CROSS_REFERENCE_KEY",
        "MALFORMED_ID",
    }
)
"""Per-record codes that sending the same record again cannot fix."""
CONFIG_CODES: Final = frozenset(
    {"INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_TYPE"}
)
"""Per-record codes that mean the org lacks a field or object we write (§7, §11): fatal."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What became of one record of a call.

    Attributes:
        status: Done, retry later or rejected.
        crm_id: The record's id (the created or found task's id for tasks).
        reason: Why it is not done, naming the record.
        code: Salesforce's ``statusCode``, when it refused the record.
        fields: The fields Salesforce blamed (``errors[].fields``).
    """

    status: OutcomeStatus
    crm_id: str | None = None
    reason: str | None = None
    code: str | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One record of a collection call.

    Attributes:
        ref: What its verdict is filed under (a record id, a task key).
        name: How reasons name it, e.g. ``Lead 00Q…`` or ``task smk-… on lead 00Q…``.
        record: The record as sent, ``attributes`` included.
    """

    ref: str
    name: str
    record: JsonDict


@dataclass(slots=True)
class Run:
    """One ``apply``: the client, the settings, and why it stopped sending (``None``: it did not).

    Attributes:
        client: The Salesforce client.
        settings: The adapter's settings.
        halted: The reason no more calls are made in this run, once one failed for good.
    """

    client: SalesforceClient
    settings: SalesforceSettings
    halted: str | None = None

    def halt(self, exc: RetryLaterError | QuotaExhaustedError) -> None:
        """Stop sending for this run: every later action is retried later with this reason."""
        if self.halted is None:
            self.halted = short(str(exc))


Send = Callable[[Sequence[Item]], Any]
"""One collection call for a chunk; returns the decoded body (a list of SaveResults)."""
Decide = Callable[[Item, Verdict], Verdict]
"""Turns the verdict of a refused record into the caller's verdict (e.g. gone → done)."""


def chunked(items: Sequence[T], size: int = COLLECTION_MAX) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def collection_body(items: Sequence[Item]) -> JsonDict:
    """The body of a collection call: never all-or-none, so one bad record spares the rest (§5)."""
    return {"allOrNone": False, "records": [item.record for item in items]}


def keep(_: Item, verdict: Verdict) -> Verdict:
    """The default :data:`Decide`: the verdict as classified."""
    return verdict


def send_items(
    run: Run, items: Sequence[Item], send: Send, decide: Decide = keep
) -> dict[str, Verdict]:
    """Send ``items`` in chunks of 200 and return one verdict per ``ref``.

    Raises:
        FatalError: The credentials were refused, or the org lacks a field or object we write.
    """
    verdicts: dict[str, Verdict] = {}
    for chunk in chunked(items):
        if run.halted is not None:
            verdicts |= _all(chunk, f"not sent: {run.halted}")
            continue
        try:
            body = send(chunk)
        except (RetryLaterError, QuotaExhaustedError) as exc:
            run.halt(exc)
            verdicts |= _all(chunk, str(exc))
            continue
        except RecordError as exc:  # §5: a malformed request names no record
            verdicts |= _all(chunk, f"the collection call was refused as a whole: {exc}")
            continue
        verdicts |= interpret(chunk, body, decide)
    return verdicts


def interpret(items: Sequence[Item], body: Any, decide: Decide = keep) -> dict[str, Verdict]:
    """One verdict per item from the SaveResults of one call (§5: in input order).

    Raises:
        ConfigurationError: A record was refused for a field or object the org lacks.
    """
    results = body if isinstance(body, list) else []
    verdicts: dict[str, Verdict] = {}
    for index, item in enumerate(items):
        result = results[index] if index < len(results) else None
        if not isinstance(result, Mapping):
            text = f"{item.name}: Salesforce answered without a result for it"
            verdicts[item.ref] = Verdict(OutcomeStatus.RETRY_LATER, reason=text)
            continue
        verdict = verdict_of(result, item.name)
        verdicts[item.ref] = (
            verdict if verdict.status is OutcomeStatus.DONE else decide(item, verdict)
        )
    return verdicts


def verdict_of(result: Mapping[str, Any], name: str) -> Verdict:
    """The verdict of one SaveResult; ``name`` names the record in the reason.

    Raises:
        ConfigurationError: The error code says the org lacks a field or object we write.
    """
    record_id = _text(result.get("id"))
    if result.get("success") is True:
        return Verdict(OutcomeStatus.DONE, crm_id=record_id)
    errors = [e for e in result.get("errors") or () if isinstance(e, Mapping)]
    first = errors[0] if errors else {}
    code = str(first.get("statusCode") or first.get("errorCode") or "UNKNOWN")
    fields = tuple(str(f) for e in errors for f in e.get("fields") or ())
    message = "; ".join(str(e.get("message") or "") for e in errors) or "refused without a message"
    reason = short(f"{name}: {message} ({code})")
    if code in CONFIG_CODES:
        raise ConfigurationError(
            f"{reason}: the org lacks a field or object the connector writes, or the integration "
            "user cannot edit it; `smarketing check --online` lists what an admin must create",
            code=code,
        )
    status = OutcomeStatus.REJECTED if code in REJECT_CODES else OutcomeStatus.RETRY_LATER
    return Verdict(status, crm_id=record_id, reason=reason, code=code, fields=fields)


def short(text: str) -> str:
    """``text`` on one line, redacted and at most :data:`MAX_REASON` characters."""
    text = redact(" ".join(text.split()))
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def _all(items: Sequence[Item], reason: str) -> dict[str, Verdict]:
    return {
        item.ref: Verdict(OutcomeStatus.RETRY_LATER, reason=short(f"{item.name}: {reason}"))
        for item in items
    }


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
