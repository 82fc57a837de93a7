"""Lead scoring: fit and engagement points from a :class:`~rules.ruleset.ScoringModel`.

How a score is made:

1. Every rule whose ``when`` holds (see :mod:`rules.conditions`) contributes its ``points``
   (negative allowed) to its group.
2. Decay: a rule with ``half_life_days`` earns ``points * 0.5 ** (age_days / half_life_days)``,
   where the age runs from the timestamp in field ``at`` (an aware datetime, a date read as
   midnight UTC, or an ISO string with an offset) to ``now``. A future timestamp counts as age 0;
   no readable timestamp means no decay. Each rule's points are rounded to an int half away from
   zero (2.5 -> 3, -2.5 -> -3), so scores do not depend on banker's rounding.
3. Caps: each group's sum is clamped to ``[-cap, cap]`` (``fit_cap``, ``engagement_cap``), then
   ``total = clamp(fit + engagement, 0, total_cap)``. :attr:`Score.fit` and
   :attr:`Score.engagement` are the clamped group sums.

``Score.parts`` lists ``(rule name, points)`` for every rule that fired with non-zero points
(after decay and rounding), in ruleset order: their sum is the uncapped score. ``Score.text``
explains the score in at most :data:`TEXT_LIMIT` characters, e.g.
``"Score 72/100 (fit 45, engagement 27): +20 title is VP; +15 company size 200+; -10 free email"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from rules.conditions import Matcher, compile_condition, to_instant
from rules.decisions import Score
from rules.model import Person
from rules.ruleset import ScoreGroup, ScoreRule, ScoringModel

TEXT_LIMIT = 1_000
"""The longest ``Score.text``: it must fit a CRM text property."""

MAX_CAP = 1_000_000
"""The largest cap accepted: it keeps the text's head short enough for :data:`TEXT_LIMIT`."""

_SECONDS_PER_DAY = 86_400.0

_Part = tuple[tuple[str, int], str]
"""A fired rule: its ``(name, points)`` entry in ``Score.parts`` and its text, ``"+20 title"``."""
_Decay = Callable[[Person, datetime], _Part | None]


class _Rule(NamedTuple):
    holds: Matcher
    is_fit: bool
    static: _Part  # what the rule adds when it does not decay
    decay: _Decay | None  # what it adds as of now, or None if that rounds to 0


class Scorer:
    """Scores people with one :class:`ScoringModel`, compiled once.

    Keeps no per-call state, so one instance can score any number of records, from any thread.
    """

    __slots__ = ("_engagement_cap", "_fit_cap", "_rules", "_total_cap")

    def __init__(self, model: ScoringModel) -> None:
        """Compile ``model``'s conditions and decay parameters.

        Raises:
            ValueError: Listing every problem at once: a cap outside ``0..MAX_CAP``, a
                ``half_life_days`` that is not a positive finite number or lacks ``at``, or a
                condition that does not compile (:class:`~rules.conditions.ConditionError`).
        """
        problems = [
            f"scoring.{name} = {cap}: must be in 0..{MAX_CAP}"
            for name, cap in (
                ("fit_cap", model.fit_cap),
                ("engagement_cap", model.engagement_cap),
                ("total_cap", model.total_cap),
            )
            if not 0 <= cap <= MAX_CAP
        ]
        compiled: list[_Rule] = []
        for index, rule in enumerate(model.rules):
            try:
                entry = _compile_rule(rule)
            except ValueError as exc:
                problems.append(f"scoring.rules[{index}] {rule.name!r}: {exc}")
                continue
            if entry is not None:
                compiled.append(entry)
        if problems:
            raise ValueError("invalid scoring model:\n  " + "\n  ".join(problems))
        self._rules = tuple(compiled)
        self._fit_cap = model.fit_cap
        self._engagement_cap = model.engagement_cap
        self._total_cap = model.total_cap

    def score(self, person: Person, now: datetime) -> Score:
        """Score ``person`` as of ``now``, deterministically (see the module docstring).

        Raises:
            ValueError: ``now`` is a naive datetime.
        """
        if now.utcoffset() is None:
            raise ValueError(f"now: naive datetime {now.isoformat()} (a time zone is required)")
        fit = engagement = 0
        decays = False
        parts: list[tuple[str, int]] = []
        bits: list[str] = []
        # Hot loop (millions of records per run): fired rules append prebuilt parts and texts;
        # only decaying rules build theirs per call.
        for holds, is_fit, static, decay in self._rules:
            if not holds(person):
                continue
            fired = static if decay is None else decay(person, now)
            if fired is None:
                continue
            decays = decays or decay is not None
            part, bit = fired
            parts.append(part)
            bits.append(bit)
            if is_fit:
                fit += part[1]
            else:
                engagement += part[1]
        # Sums are rarely out of range: a chained comparison is cheaper than min(max()).
        if not -self._fit_cap <= fit <= self._fit_cap:
            fit = _clamp(fit, -self._fit_cap, self._fit_cap)
        if not -self._engagement_cap <= engagement <= self._engagement_cap:
            engagement = _clamp(engagement, -self._engagement_cap, self._engagement_cap)
        total = fit + engagement
        if not 0 <= total <= self._total_cap:
            total = _clamp(total, 0, self._total_cap)
        head = f"Score {total}/{self._total_cap} (fit {fit}, engagement {engagement}): "
        return Score(total, fit, engagement, tuple(parts), _explain(head, bits), decays)


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def round_half_away(value: float) -> int:
    """``value`` rounded to the nearest int, ties away from zero (2.5 -> 3, -2.5 -> -3)."""
    magnitude = abs(value)
    whole = math.floor(magnitude)
    # magnitude - whole is exact in binary floating point; floor(magnitude + 0.5) is not
    # (0.49999999999999994 + 0.5 rounds up to 1.0).
    if magnitude - whole >= 0.5:
        whole += 1
    return whole if value >= 0 else -whole


def decay_factor(age_days: float, half_life_days: float) -> float:
    """The share of points left after ``age_days``: 1 at age 0 (or less), 0.5 per half-life."""
    if age_days <= 0:
        return 1.0
    return math.pow(0.5, age_days / half_life_days)


def _compile_rule(rule: ScoreRule) -> _Rule | None:
    """The rule in the shape :meth:`Scorer.score` loops over; ``None`` if it can never count."""
    holds = compile_condition(rule.when)
    label = " ".join(rule.name.split())  # one line in the CRM text, whatever the TOML held
    decay = _decay(rule, label)
    if rule.points == 0:
        return None
    static = ((rule.name, rule.points), f"{rule.points:+d} {label}")
    return _Rule(holds, rule.group is ScoreGroup.FIT, static, decay)


def _decay(rule: ScoreRule, label: str) -> _Decay | None:
    half_life = rule.half_life_days
    if half_life is None:
        return None
    if not (math.isfinite(half_life) and half_life > 0):
        raise ValueError(f"half_life_days = {half_life}: must be a positive number of days")
    at = rule.at
    if at is None:
        raise ValueError("half_life_days needs `at`, the field holding the timestamp to decay from")
    name, points = rule.name, rule.points
    whole = ((name, points), f"{points:+d} {label}")

    def decayed(person: Person, now: datetime) -> _Part | None:
        stamp = to_instant(person.get(at))
        if stamp is None or stamp >= now:
            return whole
        age_days = (now - stamp).total_seconds() / _SECONDS_PER_DAY
        earned = round_half_away(points * decay_factor(age_days, half_life))
        return ((name, earned), f"{earned:+d} {label}") if earned else None

    return decayed


def _explain(head: str, bits: list[str]) -> str:
    """``head`` plus as many whole parts as fit in :data:`TEXT_LIMIT`, then how many are left.

    Parts are dropped whole, never cut mid-word: ``"…; -10 free email; … (37 more)"``.
    """
    if not bits:
        return head + "no rules matched"
    text = head + "; ".join(bits)
    if len(text) <= TEXT_LIMIT:
        return text
    size, kept = len(head), 0
    for bit in bits:
        grown = size + len(bit) + (2 if kept else 0)
        if grown + len(_more(kept + 1, len(bits))) > TEXT_LIMIT:
            break
        size, kept = grown, kept + 1
    return head + "; ".join(bits[:kept]) + _more(kept, len(bits))


def _more(kept: int, total: int) -> str:
    return f"{'; ' if kept else ''}… ({total - kept} more)"
