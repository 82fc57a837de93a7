"""Deals in the default pipeline, consistent with the people they are linked to.

Every opportunity and customer has the deal that made them one: created when they entered the
opportunity stage, and closed won at the moment a customer became one (a CRM derives those stages
from deals). Further deals (expansions and renewals for customers, pilots and second teams for the
others) go to qualified people (SQL and beyond) until the requested count is reached. Sometimes a
deal also names colleagues of the same company who are qualified, as buying committees do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random

from adapters.scenario.model import LOST, OPEN_DEAL_STAGES, WON, ScenarioDeal, ScenarioPerson
from adapters.scenario.owners import ENTERPRISE
from adapters.scenario.sales import Lag, lag_hours
from adapters.scenario.tables import Weighted
from rules.model import Stage

QUALIFIED: frozenset[Stage] = frozenset(
    {Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.EVANGELIST}
)
"""The stages of people deals may be linked to."""
P_OPPORTUNITY_LOST = 0.40
"""Opportunities not won whose deal is already closed lost (if enough time has passed)."""
P_STALE_CLOSE_DATE = 0.15
"""Open deals whose expected close date has passed without anyone updating it."""
P_COLLEAGUES = 0.5
AMOUNT_MEDIAN: Mapping[bool, int] = {False: 16_000, True: 48_000}
"""Median new-business amount for SMB (False) and Enterprise (True); log-normal (sigma 0.6)."""
_AMOUNT_SIGMA = 0.6
_EXTRA_AMOUNT = 0.8
"""Expansions and pilots are somewhat smaller than the first deal."""
_KEEP_STAGE = 0.7
"""Deals skip some pipeline stages on their way to closing, as reps forget to move them."""
_CYCLE = Lag(720, 0.5, 168, 2160, 2.0)
"""Expected sales cycle of an open deal, for its close date: median 30 days, Enterprise 60."""
_TO_CLOSE = Lag(240, 0.7, 24, 1500, 1.6)
"""Creation to closing of an additional deal."""
_OPEN_STAGE: Weighted[str] = Weighted.of(
    list(zip(OPEN_DEAL_STAGES, (30, 25, 20, 15, 10), strict=True))
)
_EXTRA_OUTCOME: Mapping[bool, Weighted[str]] = {
    True: Weighted.of([(WON, 35), (LOST, 15), ("open", 50)]),
    False: Weighted.of([(LOST, 35), ("open", 65)]),
}
"""Outcomes of additional deals for customers (True) and for the others, who cannot win one
without becoming customers."""
_EXTRA_NAMES: Mapping[bool, tuple[str, ...]] = {
    True: ("Expansion", "Renewal", "Add-on", "More seats"),
    False: ("Pilot", "Second team", "Add-on"),
}
_EDIT_LAG = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class _Draft:
    """A deal before it gets its number."""

    name: str
    amount: int
    owner_id: str
    person_keys: tuple[int, ...]
    stages: tuple[tuple[str, datetime], ...]
    close_date: date
    updated_at: datetime

    def finish(self, key: int) -> ScenarioDeal:
        return ScenarioDeal(
            key=key,
            name=self.name,
            amount=self.amount,
            stage=self.stages[-1][0],
            pipeline="default",
            created_at=self.stages[0][1],
            close_date=self.close_date,
            owner_id=self.owner_id,
            person_keys=self.person_keys,
            stages=self.stages,
            updated_at=self.updated_at,
        )


def build_deals(
    rng: Random,
    people: Sequence[ScenarioPerson],
    teams: Mapping[str, str],
    now: datetime,
    target: int,
) -> tuple[ScenarioDeal, ...]:
    """Deals for ``people``, numbered by creation: ``target`` of them, or more if that many
    opportunities and customers need their deal. ``teams`` maps owner ids to teams."""
    qualified = [p for p in people if p.stage in QUALIFIED and p.owner_id is not None]
    colleagues: defaultdict[str, list[int]] = defaultdict(list)
    for person in qualified:
        colleagues[person.company].append(person.key)
    drafts = [
        _primary(rng, p, teams, colleagues, now)
        for p in qualified
        if p.entered(Stage.OPPORTUNITY) is not None
    ]
    for _ in range(target - len(drafts) if qualified else 0):
        extra = _extra(rng, rng.choice(qualified), teams, colleagues, now)
        if extra is not None:
            drafts.append(extra)
    drafts.sort(key=lambda d: d.stages[0][1])
    return tuple(draft.finish(key) for key, draft in enumerate(drafts, start=1))


def _primary(
    rng: Random,
    person: ScenarioPerson,
    teams: Mapping[str, str],
    colleagues: Mapping[str, list[int]],
    now: datetime,
) -> _Draft:
    created = person.entered(Stage.OPPORTUNITY) or now
    enterprise = teams.get(person.owner_id or "") == ENTERPRISE
    won_at = person.entered(Stage.CUSTOMER)
    if won_at is not None:
        stages = _closed_path(rng, WON, created, won_at)
    else:
        lost_at = created + timedelta(hours=lag_hours(rng, _TO_CLOSE, enterprise))
        if rng.random() < P_OPPORTUNITY_LOST and lost_at <= now:
            stages = _closed_path(rng, LOST, created, lost_at)
        else:
            stages = _open_path(rng, created, now)
    return _draft(
        rng,
        person,
        label="New business",
        size=1.0,
        stages=stages,
        enterprise=enterprise,
        colleagues=colleagues,
        now=now,
    )


def _extra(
    rng: Random,
    person: ScenarioPerson,
    teams: Mapping[str, str],
    colleagues: Mapping[str, list[int]],
    now: datetime,
) -> _Draft | None:
    """Another deal for ``person``, created after their last stage; ``None`` if no time is left."""
    since = person.stages[-1][1] + timedelta(minutes=1)
    if since >= now:
        return None
    customer = person.stage in (Stage.CUSTOMER, Stage.EVANGELIST)
    enterprise = teams.get(person.owner_id or "") == ENTERPRISE
    created = since + (now - since) * rng.random()
    outcome = _EXTRA_OUTCOME[customer].pick(rng)
    closed_at = created + timedelta(hours=lag_hours(rng, _TO_CLOSE, enterprise))
    if outcome in (WON, LOST) and closed_at <= now:
        stages = _closed_path(rng, outcome, created, closed_at)
    else:
        stages = _open_path(rng, created, now)
    return _draft(
        rng,
        person,
        label=rng.choice(_EXTRA_NAMES[customer]),
        size=_EXTRA_AMOUNT,
        stages=stages,
        enterprise=enterprise,
        colleagues=colleagues,
        now=now,
    )


def _draft(
    rng: Random,
    person: ScenarioPerson,
    *,
    label: str,
    size: float,
    stages: tuple[tuple[str, datetime], ...],
    enterprise: bool,
    colleagues: Mapping[str, list[int]],
    now: datetime,
) -> _Draft:
    amount = size * rng.lognormvariate(0, _AMOUNT_SIGMA) * AMOUNT_MEDIAN[enterprise]
    last = stages[-1][1]
    return _Draft(
        name=f"{person.company} - {label}",
        amount=max(500, round(amount / 100) * 100),
        owner_id=person.owner_id or "",  # never empty: qualified people are MQLs, all assigned
        person_keys=_people_on(rng, person, colleagues),
        stages=stages,
        close_date=_close_date(rng, stages, enterprise, now),
        updated_at=min(now, last + _EDIT_LAG * rng.random()),
    )


def _people_on(
    rng: Random, person: ScenarioPerson, colleagues: Mapping[str, list[int]]
) -> tuple[int, ...]:
    others = [key for key in colleagues[person.company] if key != person.key]
    if not others or rng.random() >= P_COLLEAGUES:
        return (person.key,)
    return tuple(sorted((person.key, *rng.sample(others, min(2, len(others))))))


def _closed_path(
    rng: Random, outcome: str, created: datetime, closed_at: datetime
) -> tuple[tuple[str, datetime], ...]:
    """From the first stage to ``outcome``, skipping some; the last entered at ``closed_at``."""
    reached = OPEN_DEAL_STAGES if outcome == WON else OPEN_DEAL_STAGES[: 1 + rng.randrange(5)]
    middle = [stage for stage in reached[1:] if rng.random() < _KEEP_STAGE]
    return _timed(rng, (OPEN_DEAL_STAGES[0], *middle, outcome), created, closed_at)


def _open_path(rng: Random, created: datetime, now: datetime) -> tuple[tuple[str, datetime], ...]:
    """From the first stage to an open one, the last moved some time before ``now``."""
    current = OPEN_DEAL_STAGES.index(_OPEN_STAGE.pick(rng))
    moved_at = created + (now - created) * (0.2 + 0.8 * rng.random())
    return _timed(rng, OPEN_DEAL_STAGES[: current + 1], created, moved_at)


def _timed(
    rng: Random, names: Sequence[str], start: datetime, end: datetime
) -> tuple[tuple[str, datetime], ...]:
    """``names`` entered at strictly increasing times: the first at ``start``, the last at ``end``,
    the others at distinct whole seconds between. Middle stages are dropped if seconds run out,
    and all but the first if not even one second separates ``start`` from ``end``."""
    seconds = int((end - start).total_seconds())
    if len(names) == 1 or seconds < 1:
        return ((names[0], start),)
    middle = names[1:-1][: max(0, seconds - 1)]
    offsets = sorted(rng.sample(range(1, seconds), len(middle))) if middle else []
    times = [start, *(start + timedelta(seconds=s) for s in offsets), end]
    return tuple(zip((names[0], *middle, names[-1]), times, strict=True))


def _close_date(
    rng: Random, stages: tuple[tuple[str, datetime], ...], enterprise: bool, now: datetime
) -> date:
    """When a closed deal closed; when an open one is expected to (sometimes already past)."""
    stage, last = stages[-1]
    if stage in (WON, LOST):
        return last.date()
    expected = (stages[0][1] + timedelta(hours=lag_hours(rng, _CYCLE, enterprise))).date()
    if expected < now.date() and rng.random() >= P_STALE_CLOSE_DATE:
        return now.date() + timedelta(days=7 + rng.randrange(45))
    return expected
