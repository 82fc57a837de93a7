"""Business calendar properties, over random calendars in zones with awkward offsets and DST.

Random instants cluster around the 2024 DST transitions of the zones, and random opening hours
favour wall times where those zones skip or repeat clock time, so that the edge cases come up.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import chain, combinations
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rules.calendar import BusinessCalendar
from rules.ruleset import CalendarSpec

ZONES = {  # zone -> (holiday country, subdivision)
    "Europe/Kyiv": ("UA", None),
    "America/Los_Angeles": ("US", "CA"),
    "America/Phoenix": ("US", "AZ"),
    "Australia/Lord_Howe": ("AU", "NSW"),
    "Asia/Kolkata": ("IN", None),
}
# Each zone's 2024 UTC-offset changes (Phoenix and Kolkata have none).
TRANSITIONS = {
    "Europe/Kyiv": ("2024-03-31T01:00Z", "2024-10-27T01:00Z"),
    "America/Los_Angeles": ("2024-03-10T10:00Z", "2024-11-03T09:00Z"),
    "America/Phoenix": (),
    "Australia/Lord_Howe": ("2024-04-06T15:00Z", "2024-10-05T15:30Z"),
    "Asia/Kolkata": (),
}
# Where random instants cluster: the transitions, a spring day, and the local start of 2025.
ANCHORS = {
    zone: (
        *(datetime.fromisoformat(t) for t in changes or ("2024-03-10T10:00Z",)),
        datetime(2025, 1, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC),
    )
    for zone, changes in TRANSITIONS.items()
}
# Minutes after midnight inside or at the edge of those zones' skipped and repeated wall times
# (01:00-04:00); 1440 is an end of 00:00 (midnight at the end of the day).
DST_MINUTES = (0, 60, 90, 105, 120, 135, 150, 180, 195, 210, 240, 1440)
US = timedelta(microseconds=1)
SECOND = timedelta(seconds=1)
QUARTER = timedelta(minutes=15)
DAY_US = 86_400_000_000

# Module-level strategies: building strategies inside a draw is what would make this file slow.
minutes = st.one_of(st.sampled_from(DST_MINUTES), st.integers(0, 96).map(lambda q: q * 15))
picks = st.integers(0, 99)  # an index into a short list, modulo its length
workdays = st.sets(st.integers(1, 7), min_size=1).map(sorted).map(tuple)
holiday_picks = st.lists(st.tuples(picks, st.integers(-4, 4)), max_size=3)
elsewhere = st.one_of(
    st.integers(-16, 16).map(lambda n: n * QUARTER),
    st.integers(-4 * 96, 4 * 96).map(lambda n: n * QUARTER),
    st.integers(-5 * DAY_US, 5 * DAY_US).map(lambda n: n * US),
    st.none(),  # anywhere
)
anywhere = st.datetimes(datetime(2024, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC))
jitters = st.sampled_from((0 * US, -US, US))
day_shifts = st.integers(-3, 3)


def _wall(minute: int) -> time:
    return time(minute // 60 % 24, minute % 60)


@st.composite
def specs(draw: st.DrawFn) -> CalendarSpec:
    zone = draw(st.sampled_from(sorted(ZONES)))
    count = draw(st.sampled_from((2, 4)))  # one or two open intervals
    points = sorted(draw(st.sets(minutes, min_size=count, max_size=count)))
    country, subdivision = ZONES[zone] if draw(st.booleans()) else (None, None)
    anchors = ANCHORS[zone]
    extra = {anchors[i % len(anchors)].date() + timedelta(n) for i, n in draw(holiday_picks)}
    return CalendarSpec(
        timezone=zone,
        workdays=draw(workdays),
        hours=tuple((_wall(points[i]), _wall(points[i + 1])) for i in range(0, count, 2)),
        holiday_country=country,
        holiday_subdivision=subdivision,
        extra_holidays=tuple(sorted(extra)),
    )


def _instant(draw: st.DrawFn, clock: BusinessCalendar) -> datetime:
    """Half the time an opening or closing of a day near an anchor of the calendar's zone, give
    or take a microsecond; else an instant near an anchor (often on a quarter-hour grid), or
    anywhere. So equal and adjacent instants come up, and so do DST transitions."""
    anchors = ANCHORS[clock.timezone]
    anchor = anchors[draw(picks) % len(anchors)]
    if draw(st.booleans()):
        local_day = anchor.astimezone(ZoneInfo(clock.timezone)).date()
        day_edges = list(chain(*clock.open_intervals(local_day + timedelta(draw(day_shifts)))))
        if day_edges:
            return day_edges[draw(picks) % len(day_edges)] + draw(jitters)
    offset = draw(elsewhere)
    return draw(anywhere) if offset is None else anchor + offset


@st.composite
def scenarios(draw: st.DrawFn, count: int = 1) -> tuple[BusinessCalendar, list[datetime]]:
    """A random calendar and ``count`` instants drawn with it in mind."""
    clock = BusinessCalendar(draw(specs()))
    return clock, [_instant(draw, clock) for _ in range(count)]


durations = st.one_of(
    st.integers(0, 12 * 96).map(lambda n: n * QUARTER),
    st.integers(0, 12 * DAY_US).map(lambda n: n * US),
)
positive_durations = durations.filter(bool)
examples = settings(deadline=None, max_examples=100)
Scenario = tuple[BusinessCalendar, list[datetime]]


@examples
@given(scenarios(), durations)
def test_elapsed_measures_what_add_added(scenario: Scenario, duration: timedelta) -> None:
    clock, [start] = scenario
    assert clock.elapsed(start, clock.add(start, duration)) == duration


@examples
@given(scenarios(count=2))
def test_add_finds_the_earliest_instant_with_the_elapsed_open_time(scenario: Scenario) -> None:
    clock, instants = scenario
    start, end = sorted(instants)
    due = clock.add(start, clock.elapsed(start, end))
    assert due <= end or clock.elapsed(start, end) == timedelta(0)
    assert clock.elapsed(due, end) == timedelta(0)
    if clock.elapsed(start, end) and clock.is_open(end - US):
        assert due == end


@examples
@given(scenarios(), durations, durations)
def test_add_is_monotonic_in_the_duration(scenario: Scenario, d1: timedelta, d2: timedelta) -> None:
    clock, [start] = scenario
    d1, d2 = sorted((d1, d2))
    assert clock.add(start, d1) <= clock.add(start, d2)


@examples
@given(scenarios(count=2), durations)
def test_add_is_monotonic_in_the_start(scenario: Scenario, duration: timedelta) -> None:
    clock, starts = scenario
    s1, s2 = sorted(starts)
    assert clock.add(s1, duration) <= clock.add(s2, duration)


@examples
@given(scenarios(), durations, positive_durations)
def test_add_is_additive(scenario: Scenario, a: timedelta, b: timedelta) -> None:
    clock, [start] = scenario
    # b > 0: adding zero to a closing instant moves it to the next opening, by definition.
    assert clock.add(clock.add(start, a), b) == clock.add(start, a + b)


@examples
@given(scenarios(), positive_durations)
def test_add_ends_inside_open_time_or_exactly_at_a_closing(
    scenario: Scenario, duration: timedelta
) -> None:
    clock, [start] = scenario
    due = clock.add(start, duration)
    assert clock.is_open(due - US)
    assert due - clock.next_open(start) >= duration  # open time never runs faster than real time


@examples
@given(scenarios())
def test_next_open_is_open_and_skips_no_open_time(scenario: Scenario) -> None:
    clock, [t] = scenario
    opening = clock.next_open(t)
    assert clock.is_open(opening)
    assert clock.elapsed(t, opening) == timedelta(0)
    assert (opening == t) is clock.is_open(t)
    assert opening >= t


@examples
@given(scenarios(count=3))
def test_elapsed_is_additive_and_bounded_by_real_time(scenario: Scenario) -> None:
    clock, instants = scenario
    a, b, c = sorted(instants)
    assert clock.elapsed(a, c) == clock.elapsed(a, b) + clock.elapsed(b, c)
    assert timedelta(0) <= clock.elapsed(a, c) <= c - a


@examples
@given(scenarios())
def test_elapsed_counts_an_instant_exactly_when_it_is_open(scenario: Scenario) -> None:
    clock, [t] = scenario
    assert clock.elapsed(t, t + US) == (US if clock.is_open(t) else timedelta(0))


def _open_by_the_wall_clock(spec: CalendarSpec, local: datetime) -> bool:
    """The definition, read literally: a working day, and a wall time in one of the intervals."""
    day, wall = local.date(), local.time()
    closed = set(spec.extra_holidays)
    if spec.holiday_country:
        closed |= set(
            holidays.country_holidays(
                spec.holiday_country, subdiv=spec.holiday_subdivision, years=day.year
            )
        )
    if day.isoweekday() not in spec.workdays or day in closed:
        return False
    return any(start <= wall and (wall < end or end == time(0)) for start, end in spec.hours)


@settings(deadline=None, max_examples=200)
@given(scenarios())
def test_is_open_follows_the_wall_clock_where_it_is_unambiguous(scenario: Scenario) -> None:
    clock, [t] = scenario
    local = t.astimezone(ZoneInfo(clock.timezone))
    # In a repeated (fall-back) hour the calendar keeps each interval in one piece (see the
    # module docstring), which the literal reading does not; everywhere else they must agree.
    assume(local.replace(fold=1 - local.fold).astimezone(UTC) == t)
    assert clock.is_open(t) is _open_by_the_wall_clock(clock.spec, local)


@pytest.mark.parametrize(
    ("zone", "transition"),
    [(zone, datetime.fromisoformat(t)) for zone, changes in TRANSITIONS.items() for t in changes],
)
def test_is_open_follows_the_wall_clock_on_dst_days_for_every_early_interval(
    zone: str, transition: datetime
) -> None:
    # Every interval between half hours of 00:00-06:00, so that each end lands before, in, on
    # the edge of and after the gap or repeat; probed every 5 minutes from 2 hours before the
    # day, and right at the transition and at each opening and closing.
    tz = ZoneInfo(zone)
    day = transition.astimezone(tz).date()
    assert day.isoweekday() == 7  # every 2024 transition of these zones falls on a Sunday
    walls = [time(minute // 60, minute % 60) for minute in range(0, 6 * 60 + 1, 30)]
    first = datetime.combine(day, time(), tz).astimezone(UTC) - timedelta(hours=2)
    grid = [first + n * timedelta(minutes=5) for n in range(10 * 12)]
    near = [transition + step for step in (-SECOND, -US, 0 * US, US, SECOND)]
    for start, end in combinations(walls, 2):
        spec = CalendarSpec(timezone=zone, workdays=(7,), hours=((start, end),))
        clock = BusinessCalendar(spec)
        edges = [
            edge + step for edge in chain(*clock.open_intervals(day)) for step in (-US, 0 * US)
        ]
        for t in grid + near + edges:
            local = t.astimezone(tz)
            if local.replace(fold=1 - local.fold).astimezone(UTC) == t:  # not in a repeat
                assert clock.is_open(t) is _open_by_the_wall_clock(spec, local), (start, end, t)
