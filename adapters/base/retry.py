"""The one retry policy of the product, built in one function from one frozen settings object.

Why it is the only retry layer: retries stacked in several layers multiply (6 x 4 = 24 calls) and
blur the rate budget. The vendor SDKs retry on their own (urllib3's default ``Retry(3)`` under
``hubspot-api-client`` retries GETs that carry ``Retry-After``; simple-salesforce re-logs in and
retries on 401), so adapters switch those off (``retry=Retry(0)``, a bounded re-auth of their own)
and wrap each CRM call in :func:`retrying` instead.

What is retried: :class:`~adapters.base.errors.RetryLaterError` and its subclasses (429, 5xx,
locked records, timeouts and dropped connections), nothing else. Fatal errors (configuration,
auth, exhausted quota) and record errors (validation, not found) surface at once, as does any
exception an adapter failed to map: retrying a bug only hides it.

How long it waits: the server's ``Retry-After`` when the error carries one, exactly, because
sending inside that period earns another refusal. When ``Retry-After`` exceeds
``retry_after_cap`` the policy gives up instead of waiting less: the caller gets the error
with its ``retry_after`` and defers the work (the outbox keeps it). Otherwise exponential backoff
from ``initial_wait`` by ``multiplier`` up to ``max_wait``, with jitter so that workers which
failed together do not retry together. The policy stops after ``max_attempts`` calls or when the
next wait would pass ``max_total`` seconds since the first call.

Idempotency is the adapter's responsibility: a create whose response was lost may have been
applied, so a non-idempotent call is wrapped in this policy only when it carries an idempotency key
(an upsert on a unique key, or a lookup by key before the create). Calls without one are made
once, and their error goes to the outbox as "retry later" for the next cycle to reconcile.

Each attempt should acquire the rate budget *inside* the retried function, so retries are paced
like any other call. Every retry is logged at WARNING on the ``smarketing.retry`` logger with the
error class, the attempt number and the wait; messages are redacted.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import tenacity

from adapters.base.errors import ConfigurationError, RetryLaterError, redact

logger = logging.getLogger("smarketing.retry")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """How hard to try a transient failure again.

    Attributes:
        max_attempts: Calls in all, the first included.
        initial_wait: Backoff ceiling after the first failure, in seconds.
        max_wait: Largest backoff ceiling, in seconds.
        multiplier: Growth of the ceiling per attempt.
        jitter: Share of the ceiling that is random: 1.0 waits uniformly in [0, ceiling] ("full
            jitter"), 0.5 in [ceiling / 2, ceiling], 0.0 exactly the ceiling.
        max_total: No retry whose wait would end more than this many seconds after the first call.
        respect_retry_after: Wait what the server asked instead of backing off.
        retry_after_cap: The longest ``Retry-After`` we wait out; a longer one ends the retries.

    Raises:
        ConfigurationError: Listing every invalid value at once.
    """

    max_attempts: int = 6
    initial_wait: float = 0.5
    max_wait: float = 30.0
    multiplier: float = 2.0
    jitter: float = 1.0
    max_total: float = 120.0
    respect_retry_after: bool = True
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        checks = (
            (self.max_attempts >= 1, "max_attempts must be at least 1"),
            (self.initial_wait >= 0, "initial_wait must not be negative"),
            (self.max_wait >= self.initial_wait, "max_wait must be at least initial_wait"),
            (self.multiplier >= 1, "multiplier must be at least 1"),
            (0 <= self.jitter <= 1, "jitter must be between 0 and 1"),
            (self.max_total > 0, "max_total must be positive"),
            (self.retry_after_cap >= 0, "retry_after_cap must not be negative"),
        )
        problems = [text for ok, text in checks if not ok]
        if problems:
            raise ConfigurationError(f"invalid RetrySettings: {'; '.join(problems)} (got {self!r})")


@dataclass(frozen=True, slots=True)
class RetryAttemptInfo:
    """One failed attempt that will be retried, for metrics.

    Attributes:
        attempt: The number of the attempt that failed, from 1.
        error: What it failed with.
        wait: Seconds until the next attempt.
    """

    attempt: int
    error: RetryLaterError
    wait: float


def retrying(
    settings: RetrySettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[RetryAttemptInfo], None] | None = None,
    rng: random.Random | None = None,
) -> tenacity.Retrying:
    """Build the retry policy described in the module docstring.

    Args:
        settings: The limits.
        sleep: Waits between attempts; tests pass a fake that records or advances a fake clock.
        on_retry: Called before each wait, e.g. to count retries per error class.
        rng: Source of jitter; pass a seeded one for reproducible waits.

    Returns:
        A ``tenacity.Retrying``: call it with a function (``policy(fn, *args)``) or iterate it.
        When it gives up it re-raises the last error itself, never ``tenacity.RetryError``.
    """
    # Jitter spreads retries; it needs no cryptographic strength.
    source = rng if rng is not None else random.Random()  # noqa: S311

    def wait(state: tenacity.RetryCallState) -> float:
        delay = _retry_after(state, settings)
        if delay is not None:
            return delay
        ceiling = settings.initial_wait * settings.multiplier ** (state.attempt_number - 1)
        return min(settings.max_wait, ceiling) * (1 - settings.jitter * source.random())

    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= settings.max_attempts:
            return True
        delay = _retry_after(state, settings)
        if delay is not None and delay > settings.retry_after_cap:
            return True
        # tenacity times attempts with the real monotonic clock, which an injected sleep does not
        # advance; the time slept so far keeps the bound meaningful under a fake sleep too.
        elapsed = max(state.seconds_since_start or 0.0, state.idle_for)
        return elapsed + state.upcoming_sleep > settings.max_total

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = _error(state)
        if error is None:  # unreachable: only RetryLaterError outcomes are retried
            return
        info = RetryAttemptInfo(state.attempt_number, error, state.upcoming_sleep)
        logger.warning(
            "%s on attempt %d of %d; retrying in %.2f s: %s",
            type(error).__name__,
            info.attempt,
            settings.max_attempts,
            info.wait,
            redact(str(error)),
        )
        if on_retry is not None:
            on_retry(info)

    return tenacity.Retrying(
        sleep=sleep,
        stop=stop,
        wait=wait,
        retry=tenacity.retry_if_exception_type(RetryLaterError),
        before_sleep=before_sleep,
        reraise=True,
    )


def call_with_retry(
    fn: Callable[[], T],
    settings: RetrySettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[RetryAttemptInfo], None] | None = None,
    rng: random.Random | None = None,
) -> T:
    """Call ``fn`` under the retry policy (see :func:`retrying` for the arguments).

    Returns:
        What ``fn`` returned.

    Raises:
        RetryLaterError: The last transient error, once the policy gives up.
        Exception: Anything else ``fn`` raised, at once.
    """
    return retrying(settings, sleep=sleep, on_retry=on_retry, rng=rng)(fn)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Read a ``Retry-After`` header: delta-seconds or an HTTP date.

    Args:
        value: The header value, or ``None`` when absent.
        now: The current time for the HTTP-date form (aware); defaults to the system clock.

    Returns:
        Seconds to wait (0 for a date in the past), or ``None`` when absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    return seconds if 0 <= seconds < float("inf") else None


def _seconds_until(http_date: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a zone-less one is garbled
        return None
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def _error(state: tenacity.RetryCallState) -> RetryLaterError | None:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None and outcome.failed else None
    return error if isinstance(error, RetryLaterError) else None


def _retry_after(state: tenacity.RetryCallState, settings: RetrySettings) -> float | None:
    error = _error(state)
    if error is None or not settings.respect_retry_after:
        return None
    return error.retry_after
