"""One verdict per input of a batch write (hubspot-api.md §3, §12; failure-modes R3, F18).

- **200/201**: every input succeeded.
- **207**: inputs with a result succeeded and are never sent again; each error is tied to its
  input by the ``objectWriteTraceId`` we sent (§3) or by ``context.ids``, and classified by its
  ``category``: validation and not-found errors reject the input, rate limits, locks and internal
  errors leave it for a later retry, authentication and scope errors stop the run.
- **A whole batch refused** with a 4xx that names no input: the batch is halved and each half sent
  again until the inputs at fault are alone ("split retries", R3), within
  :data:`MAX_SPLIT_CALLS` extra calls per batch; what is still unresolved then is retried later.
- **Retries exhausted** (the one retry policy gave up on a 429/5xx/timeout): the run halts; that
  batch and every batch not sent yet are retried later, which spares calls while HubSpot is down.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from adapters.base.errors import (
    AuthError,
    MissingScopesError,
    NotFoundError,
    RecordError,
    RetryLaterError,
    redact,
)
from adapters.base.protocol import OutcomeStatus
from adapters.hubspot.batches import BATCH_MAX, JsonDict, batch_call, chunked, read_objects, unique
from adapters.hubspot.client import HubSpotClient
from adapters.hubspot.settings import HubSpotSettings

MAX_SPLIT_CALLS: Final = 32
"""Extra calls spent isolating the bad inputs of a batch refused as a whole: one bad input among
100 costs 2 x ceil(log2 100) = 14 calls, so this isolates two or three."""
MAX_REASON: Final = 500

# Categories of per-input errors (§12). Unknown categories are retried later: the outbox bounds
# the attempts, whereas a wrong rejection would drop a write for good.
_PERMANENT: Final = frozenset(
    {"VALIDATION_ERROR", "OBJECT_NOT_FOUND", "CONFLICT", "OBJECT_ALREADY_EXISTS"}
)
_FATAL: Final = frozenset({"INVALID_AUTHENTICATION", "MISSING_SCOPES"})
# HubSpot's "Property values were not valid: [{..."name":"smarketing_score"...}]" (§12).
_NAMED_PROPERTY: Final = re.compile(r'"name"\s*:\s*"([A-Za-z0-9_]+)"')
# A create refused by a unique property: "Task already exists. Existing ID: 1234".
_EXISTING_ID: Final = re.compile(r"Existing ID:\s*(\d+)")


@dataclass(slots=True)
class Run:
    """One ``apply``: the client, the settings, and whether the run stopped sending."""

    client: HubSpotClient
    settings: HubSpotSettings
    halted: RetryLaterError | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """Why HubSpot refused one input (or a whole batch).

    Attributes:
        category: The error ``category`` (§12), e.g. ``VALIDATION_ERROR``.
        message: HubSpot's message, redacted and shortened.
        properties: Properties the error names (``errors[].context.propertyName``).
        existing_id: The record a unique property already points to (409 on a create).
    """

    category: str
    message: str
    properties: tuple[str, ...] = ()
    existing_id: str | None = None

    @property
    def permanent(self) -> bool:
        """Sending the same input again cannot succeed."""
        return self.category in _PERMANENT

    def raise_if_fatal(self) -> None:
        """Raise the run-stopping error an authentication or scope failure is."""
        if self.category == "MISSING_SCOPES":
            raise MissingScopesError(self.message, code=self.category)
        if self.category in _FATAL:
            raise AuthError(self.message, code=self.category)

    @classmethod
    def from_item(cls, error: Mapping[str, Any]) -> Failure:
        """One entry of a 207's ``errors[]``."""
        message = str(error.get("message") or "HubSpot refused this input")
        named: list[str] = []
        for detail in error.get("errors") or ():
            context = detail.get("context") if isinstance(detail, dict) else None
            if isinstance(context, dict):
                named.extend(str(name) for name in context.get("propertyName") or ())
        return cls(
            category=str(error.get("category") or "UNKNOWN"),
            message=_short(message),
            properties=tuple(unique(named or _NAMED_PROPERTY.findall(message))),
            existing_id=_existing_id(message),
        )

    @classmethod
    def from_error(cls, exc: RecordError) -> Failure:
        """A whole batch refused with a 4xx, as the client mapped it."""
        category = exc.code or ("OBJECT_NOT_FOUND" if isinstance(exc, NotFoundError) else "")
        message = str(exc)
        return cls(
            category=category or "VALIDATION_ERROR",
            message=_short(message),
            properties=tuple(unique(_NAMED_PROPERTY.findall(message))),
            existing_id=_existing_id(message),
        )


def _existing_id(message: str) -> str | None:
    match = _EXISTING_ID.search(message)
    return match[1] if match else None


def _short(text: str) -> str:
    text = redact(" ".join(text.split()))
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What became of one batch input; ``failure`` is set when HubSpot refused it."""

    status: OutcomeStatus
    crm_id: str | None = None
    reason: str | None = None
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One batch input: ``trace`` ties it to its result or error (``objectWriteTraceId``)."""

    trace: str
    payload: JsonDict


Send = Callable[[Sequence[Item]], tuple[int, JsonDict]]
Decide = Callable[[Item, Failure], Verdict]
ResultTrace = Callable[[JsonDict], str | None]


def default_decide(item: Item, failure: Failure) -> Verdict:
    """The default verdict on a refused input: rejected if permanent, else retried later.

    Raises:
        AuthError: The failure is an authentication or scope error (fatal for the run).
    """
    failure.raise_if_fatal()
    status = OutcomeStatus.REJECTED if failure.permanent else OutcomeStatus.RETRY_LATER
    return Verdict(status, reason=f"{failure.message} ({failure.category})", failure=failure)


def trace_or_id(result: JsonDict) -> str | None:
    """A result's trace id, else its record id (for updates, whose trace is the record id)."""
    trace = result.get("objectWriteTraceId") or result.get("id")
    return None if trace is None else str(trace)


def interpret(
    items: Sequence[Item],
    status: int,
    body: JsonDict,
    decide: Decide = default_decide,
    result_trace: ResultTrace = trace_or_id,
) -> dict[str, Verdict]:
    """One verdict per input of an answered batch write (see the module docstring)."""
    by_trace = {item.trace: item for item in items}
    verdicts: dict[str, Verdict] = {}
    for result in body.get("results") or ():
        trace = result_trace(result) if isinstance(result, dict) else None
        if trace in by_trace and trace not in verdicts:
            verdicts[trace] = Verdict(OutcomeStatus.DONE, crm_id=_text(result.get("id")))
    if status != 207:
        return {trace: verdicts.get(trace, Verdict(OutcomeStatus.DONE)) for trace in by_trace}
    untied: list[Failure] = []
    for error in body.get("errors") or ():
        if not isinstance(error, dict):
            continue
        failure = Failure.from_item(error)
        traces = [t for t in _error_traces(error) if t in by_trace and t not in verdicts]
        if not traces:
            untied.append(failure)
        for trace in traces:
            verdicts[trace] = decide(by_trace[trace], failure)
    leftover = _merge(untied)
    for trace, item in by_trace.items():
        if trace not in verdicts:
            verdicts[trace] = decide(item, leftover)
    return verdicts


def _error_traces(error: Mapping[str, Any]) -> list[str]:
    context = error.get("context")
    if not isinstance(context, dict):
        return []
    values = [*(context.get("objectWriteTraceId") or ()), *(context.get("ids") or ())]
    return [str(value) for value in values]


def _merge(failures: Sequence[Failure]) -> Failure:
    """The failure of inputs HubSpot named no error for: the only untied error, or all of them."""
    if len(failures) == 1:
        return failures[0]
    if not failures:
        return Failure("UNKNOWN", "HubSpot returned neither a result nor an error for it")
    categories = {failure.category for failure in failures}
    category = categories.pop() if len(categories) == 1 else "UNKNOWN"
    message = _short("; ".join(unique(failure.message for failure in failures)))
    return Failure(category, message)


def update_sender(run: Run, object_type: str) -> Send:
    """Batch updates of ``object_type`` that survive records gone since they were read.

    HubSpot may refuse a whole batch with 404 when its records are gone (the emulator does when
    all are). Rather than halving, one batch read names the records that are gone (its 207 lists
    them, §3); they are refused as not found and the others are sent again (failure-modes F13).
    """

    def send(group: Sequence[Item]) -> tuple[int, JsonDict]:
        body = {"inputs": [item.payload for item in group]}
        try:
            return batch_call(run.client, "update", object_type, body)
        except NotFoundError as exc:
            present = {
                str(record.get("id"))
                for record in read_objects(run.client, object_type, [i.trace for i in group], [])
            }
            gone = [item.trace for item in group if item.trace not in present]
            if not gone:
                raise
            error = {"category": "OBJECT_NOT_FOUND", "message": str(exc), "context": {"ids": gone}}
            rest = [item.payload for item in group if item.trace in present]
            answer: JsonDict = {"results": []}
            if rest:
                answer = batch_call(run.client, "update", object_type, {"inputs": rest})[1]
            return 207, answer | {"errors": [*(answer.get("errors") or ()), error]}

    return send


def send_items(
    run: Run,
    items: Sequence[Item],
    send: Send,
    decide: Decide = default_decide,
    result_trace: ResultTrace = trace_or_id,
) -> dict[str, Verdict]:
    """Send ``items`` in batches of 100 and return one verdict per trace.

    Raises:
        FatalError: Authentication, scopes, quota or configuration: the run stops.
    """
    verdicts: dict[str, Verdict] = {}
    for chunk in chunked(items, BATCH_MAX):
        verdicts |= _send_splitting(run, chunk, send, decide, result_trace)
    return verdicts


def _send_splitting(
    run: Run, items: Sequence[Item], send: Send, decide: Decide, result_trace: ResultTrace
) -> dict[str, Verdict]:
    verdicts: dict[str, Verdict] = {}
    queue: deque[Sequence[Item]] = deque([items])
    calls_left = MAX_SPLIT_CALLS
    while queue:
        group = queue.popleft()
        if run.halted is not None:
            verdicts |= _all(group, OutcomeStatus.RETRY_LATER, f"not sent: {run.halted}")
            continue
        try:
            status, body = send(group)
        except RetryLaterError as exc:
            run.halted = exc
            verdicts |= _all(group, OutcomeStatus.RETRY_LATER, str(exc))
            continue
        except RecordError as exc:
            failure = Failure.from_error(exc)
            if len(group) == 1:
                verdicts[group[0].trace] = decide(group[0], failure)
            elif calls_left >= 2:
                calls_left -= 2
                half = len(group) // 2
                queue.extend((group[:half], group[half:]))
            else:
                text = f"refused as part of a batch not split further: {failure.message}"
                verdicts |= _all(group, OutcomeStatus.RETRY_LATER, text)
            continue
        verdicts |= interpret(group, status, body, decide, result_trace)
    return verdicts


def _all(items: Iterable[Item], status: OutcomeStatus, reason: str) -> dict[str, Verdict]:
    verdict = Verdict(status, reason=_short(reason))
    return {item.trace: verdict for item in items}


def _text(value: object) -> str | None:
    return None if value is None else str(value)
