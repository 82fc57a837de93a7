"""Scoring: points, decay, rounding, caps, parts and the explanation text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.decisions import Score
from rules.model import FieldValue, Person
from rules.ruleset import Condition, Op, ScoreGroup, ScoreRule, ScoringModel
from rules.scoring import TEXT_LIMIT, Scorer, decay_factor, round_half_away

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
FIT, ENGAGEMENT = ScoreGroup.FIT, ScoreGroup.ENGAGEMENT


def rule(
    name: str,
    points: int,
    group: ScoreGroup = FIT,
    *,
    when: Condition | None = None,
    half_life_days: float | None = None,
    at: str | None = None,
) -> ScoreRule:
    """A rule that fires when field ``name`` exists, unless ``when`` says otherwise."""
    condition = when if when is not None else Condition(name, Op.EXISTS)
    return ScoreRule(name, group, condition, points, half_life_days, at)


def scored(
    *rules: ScoreRule, person: Person | None = None, caps: tuple[int, int, int] = (60, 40, 100)
) -> Score:
    """The score of ``person`` (by default: every rule's field is set) as of ``NOW``.

    ``caps`` are the fit, engagement and total caps.
    """
    who = person or Person(id="p1", fields={r.name: "yes" for r in rules})
    return Scorer(ScoringModel(rules, *caps)).score(who, NOW)


def test_the_example_from_the_brief() -> None:
    title = rule("title is VP", 20, when=Condition("jobtitle", Op.CONTAINS, "vp"))
    size = rule("company size 200+", 15, when=Condition("employees", Op.GTE, 200))
    free = rule("free email domain", -10, when=Condition("email", Op.CONTAINS, "@gmail."))
    student = rule("student", -20, when=Condition("jobtitle", Op.CONTAINS, "student"))
    demo = rule("demo requested", 27, ENGAGEMENT, when=Condition("demo", Op.EQ, True))
    ann = Person(
        id="p1",
        email="Ann@Gmail.com",
        fields={"jobtitle": "VP Marketing", "employees": "250", "demo": "true"},
    )
    score = scored(title, size, free, student, demo, person=ann)
    assert (score.total, score.fit, score.engagement) == (52, 25, 27)
    assert score.parts == (
        ("title is VP", 20),
        ("company size 200+", 15),
        ("free email domain", -10),
        ("demo requested", 27),
    )
    assert score.text == (
        "Score 52/100 (fit 25, engagement 27): +20 title is VP; +15 company size 200+; "
        "-10 free email domain; +27 demo requested"
    )


def test_parts_follow_ruleset_order_across_groups_and_omit_zero_points() -> None:
    rules = (rule("c", 5, ENGAGEMENT), rule("a", 0), rule("b", -3), rule("d", 7, ENGAGEMENT))
    assert scored(*rules).parts == (("c", 5), ("b", -3), ("d", 7))


def test_rules_that_do_not_hold_add_nothing() -> None:
    score = scored(rule("a", 10), rule("b", 20), person=Person(id="p1", fields={"b": "x"}))
    assert (score.total, score.parts) == (20, (("b", 20),))


def test_no_rules_matched() -> None:
    score = scored(rule("a", 10), person=Person(id="p1"))
    assert (score.total, score.fit, score.engagement, score.parts) == (0, 0, 0, ())
    assert score.text == "Score 0/100 (fit 0, engagement 0): no rules matched"


@pytest.mark.parametrize(
    ("points", "caps", "expected"),
    [
        ((50, 30, 20, 30), (60, 40, 100), (100, 60, 40)),  # both groups at their caps
        ((50, 30, 20, 30), (60, 40, 90), (90, 60, 40)),
        (
            (-80, 0, 10, 0),
            (60, 40, 100),
            (0, -60, 10),
        ),  # negative fit drags the total to 0, not below
        ((-20, 0, 30, 0), (60, 40, 100), (10, -20, 30)),
        ((10, 0, -50, 0), (60, 40, 100), (0, 10, -40)),
        ((70, 0, 0, 0), (100, 40, 100), (70, 70, 0)),
        ((5, 0, 5, 0), (0, 0, 100), (0, 0, 0)),
    ],
)
def test_caps(
    points: tuple[int, int, int, int],
    caps: tuple[int, int, int],
    expected: tuple[int, int, int],
) -> None:
    fit_a, fit_b, engagement_a, engagement_b = points
    rules = (
        rule("fa", fit_a),
        rule("fb", fit_b),
        rule("ea", engagement_a, ENGAGEMENT),
        rule("eb", engagement_b, ENGAGEMENT),
    )
    score = scored(*rules, caps=caps)
    assert (score.total, score.fit, score.engagement) == expected
    assert sum(p for _, p in score.parts) == sum(points)  # parts stay uncapped


# -- decay -------------------------------------------------------------------------------------


def decayed(points: int, stamp: FieldValue, half_life_days: float = 10.0) -> int:
    """The points one decaying rule earns with ``stamp`` in its ``at`` field (0 if omitted)."""
    visit = rule(
        "visit",
        points,
        ENGAGEMENT,
        when=Condition("visits", Op.GTE, 1),
        half_life_days=half_life_days,
        at="visited_at",
    )
    person = Person(id="p1", fields={"visits": 3, "visited_at": stamp})
    return sum(p for _, p in scored(visit, person=person).parts)


@pytest.mark.parametrize(
    ("points", "stamp", "expected"),
    [
        (10, NOW, 10),  # age 0
        (10, NOW - timedelta(days=10), 5),  # one half-life
        (10, NOW - timedelta(days=20), 3),  # two: 2.5 rounds away from zero
        (-10, NOW - timedelta(days=20), -3),
        (12, NOW - timedelta(days=20), 3),
        (10, NOW - timedelta(days=30), 1),  # 1.25
        (10, NOW - timedelta(days=5), 7),  # 7.07
        (1, NOW - timedelta(days=20), 0),  # 0.25 rounds to 0: no part at all
        (10, NOW + timedelta(days=3), 10),  # future: age 0
        (10, None, 10),  # no timestamp: no decay
        (10, "", 10),
        (10, "not a date", 10),
        (10, "2024-05-22T12:00:00", 10),  # naive: unreadable, so no decay
        (10, "2024-05-22T12:00:00Z", 5),
        (10, "2024-05-22T14:00:00+02:00", 5),
        (10, date(2024, 5, 22), 5),  # midnight UTC: 10.5 days
        (10, datetime(2024, 5, 22, 12, tzinfo=UTC), 5),
    ],
)
def test_decay(points: int, stamp: FieldValue, expected: int) -> None:
    assert decayed(points, stamp) == expected


def test_decay_applies_only_when_the_rule_holds() -> None:
    visit = rule("visit", 10, when=Condition("visits", Op.GTE, 1), half_life_days=1, at="at")
    person = Person(id="p1", fields={"visits": 0, "at": NOW})
    assert scored(visit, person=person).parts == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, 0),
        (-0.0, 0),
        (0.5, 1),
        (1.5, 2),
        (2.5, 3),
        (-0.5, -1),
        (-2.5, -3),
        (2.4999999, 2),
        (-2.5000001, -3),
        (0.49999999999999994, 0),  # floor(x + 0.5) would say 1
        (7.0710678, 7),
    ],
)
def test_round_half_away(value: float, expected: int) -> None:
    assert round_half_away(value) == expected


@pytest.mark.parametrize(
    ("age", "expected"), [(-5.0, 1.0), (0.0, 1.0), (10.0, 0.5), (20.0, 0.25), (30.0, 0.125)]
)
def test_decay_factor(age: float, expected: float) -> None:
    assert decay_factor(age, 10.0) == expected


# -- text --------------------------------------------------------------------------------------


def test_text_keeps_whole_parts_and_counts_the_rest() -> None:
    names = [f"rule number {i} with a rather long descriptive name" for i in range(200)]
    score = scored(
        *(rule(name, i % 7 - 3 or 1) for i, name in enumerate(names)), caps=(10**6, 0, 100)
    )
    assert len(score.text) <= TEXT_LIMIT
    head, _, body = score.text.partition(": ")
    assert head == f"Score {score.total}/100 (fit {score.fit}, engagement 0)"
    *kept, more = body.split("; ")
    omitted = int(more.removeprefix("… (").removesuffix(" more)"))
    assert kept == [f"{p:+d} {n}" for n, p in score.parts[: len(kept)]]  # none cut mid-word
    assert len(kept) + omitted == len(score.parts) == 200
    name, points = score.parts[len(kept)]
    assert len(score.text) + len(f"; {points:+d} {name}") > TEXT_LIMIT  # the next one won't fit


@given(
    lengths=st.lists(st.integers(1, 150), min_size=1, max_size=60),
    points=st.integers(-99, 99).filter(bool),
)
def test_text_is_filled_with_whole_parts_up_to_the_limit(lengths: list[int], points: int) -> None:
    names = [f"{i}{'x' * length}" for i, length in enumerate(lengths)]
    score = scored(*(rule(name, points) for name in names), caps=(10**6, 0, 100))
    bits = [f"{points:+d} {name}" for name in names]
    text = score.text
    assert len(text) <= TEXT_LIMIT
    head, _, body = text.partition(": ")
    if len(f"{head}: " + "; ".join(bits)) <= TEXT_LIMIT:
        assert body == "; ".join(bits)
        return
    body, _, more = body.rpartition("… (")
    kept = body.removesuffix("; ").split("; ") if body else []
    assert kept == bits[: len(kept)]  # whole parts, in order
    assert more == f"{len(bits) - len(kept)} more)"
    assert len(text) + len(bits[len(kept)]) + 2 > TEXT_LIMIT  # the next one would not fit


def test_text_with_one_huge_name_keeps_only_the_count() -> None:
    score = scored(rule("x" * 5000, 10))
    assert score.text == "Score 10/100 (fit 10, engagement 0): … (1 more)"


def test_text_puts_each_name_on_one_line() -> None:
    score = scored(rule("  title\n is\tVP ", 10))
    assert score.text.endswith(": +10 title is VP")
    assert score.parts == (("  title\n is\tVP ", 10),)


def test_scores_are_deterministic() -> None:
    rules = tuple(rule(f"r{i}", i - 5, FIT if i % 2 else ENGAGEMENT) for i in range(12))
    first = scored(*rules)
    assert scored(*rules) == first
    assert scored(*reversed(rules)).total == first.total


# -- configuration errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (ScoringModel(fit_cap=-1), r"scoring\.fit_cap = -1: must be in 0\.\.1000000"),
        (ScoringModel(total_cap=10**7), "scoring.total_cap"),
        (ScoringModel(rules=(rule("a", 1, half_life_days=0, at="t"),)), "positive number"),
        (ScoringModel(rules=(rule("a", 1, half_life_days=float("inf"), at="t"),)), "positive"),
        (ScoringModel(rules=(rule("a", 1, half_life_days=7),)), "needs `at`"),
        (
            ScoringModel(rules=(rule("a", 1, when=Condition("f", Op.GTE, "x")),)),
            r"scoring\.rules\[0\] 'a': condition 'f' gte: order needs",
        ),
    ],
)
def test_invalid_models_are_refused(model: ScoringModel, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Scorer(model)


def test_every_problem_is_reported_at_once() -> None:
    bad = ScoringModel(
        rules=(rule("ok", 1), rule("b", 1, half_life_days=7), rule("c", 0, half_life_days=-1)),
        engagement_cap=-5,
    )
    with pytest.raises(ValueError, match="engagement_cap") as caught:
        Scorer(bad)
    assert "rules[1] 'b'" in str(caught.value)
    assert "rules[2] 'c'" in str(caught.value)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="now: naive datetime"):
        Scorer(ScoringModel()).score(Person(id="p1"), datetime(2024, 6, 1))


# -- properties --------------------------------------------------------------------------------

RULES = st.lists(
    st.builds(
        rule,
        name=st.sampled_from("abcdefgh"),
        points=st.integers(-60, 60),
        group=st.sampled_from(ScoreGroup),
        half_life_days=st.none() | st.floats(0.5, 60),
        at=st.just("seen_at"),
    ),
    max_size=12,
)
FIELDS = st.dictionaries(st.sampled_from("abcdefgh"), st.just("yes"))
AGES = st.floats(-30, 400)
CAPS = st.integers(0, 200)


def person_with(fields: dict[str, FieldValue], age_days: float) -> Person:
    return Person(id="p1", fields={**fields, "seen_at": NOW - timedelta(days=age_days)})


@given(rules=RULES, fields=FIELDS, age=AGES, caps=st.tuples(CAPS, CAPS, CAPS))
def test_scores_stay_within_their_caps(
    rules: list[ScoreRule], fields: dict[str, FieldValue], age: float, caps: tuple[int, int, int]
) -> None:
    fit_cap, engagement_cap, total_cap = caps
    score = scored(*rules, person=person_with(fields, age), caps=caps)
    assert 0 <= score.total <= total_cap
    assert -fit_cap <= score.fit <= fit_cap
    assert -engagement_cap <= score.engagement <= engagement_cap
    assert all(points for _, points in score.parts)
    assert len(score.text) <= TEXT_LIMIT


@given(
    rules=RULES,
    fields=FIELDS,
    age=AGES,
    extra=st.builds(
        rule,
        name=st.sampled_from("abcdefgh"),
        points=st.integers(1, 60),
        group=st.sampled_from(ScoreGroup),
        half_life_days=st.none() | st.floats(0.5, 60),
        at=st.just("seen_at"),
    ),
    where=st.integers(0, 12),
)
def test_a_positive_rule_never_lowers_the_score(
    rules: list[ScoreRule],
    fields: dict[str, FieldValue],
    age: float,
    extra: ScoreRule,
    where: int,
) -> None:
    person = person_with(fields, age)
    before = Scorer(ScoringModel(tuple(rules))).score(person, NOW)
    rules.insert(where, extra)
    after = Scorer(ScoringModel(tuple(rules))).score(person, NOW)
    assert sum(p for _, p in after.parts) >= sum(p for _, p in before.parts)
    assert after.total >= before.total


@given(
    points=st.integers(-1000, 1000).filter(bool),
    half_life=st.floats(0.01, 1000),
    younger=AGES,
    older=AGES,
)
def test_decay_never_grows_with_age(
    points: int, half_life: float, younger: float, older: float
) -> None:
    younger, older = sorted((younger, older))
    decaying = replace(rule("visit", points), half_life_days=half_life, at="seen_at")
    fresh, stale = (
        sum(p for _, p in scored(decaying, person=person_with({"visit": "y"}, age)).parts)
        for age in (younger, older)
    )
    assert abs(stale) <= abs(fresh) <= abs(points)
    assert stale * points >= 0  # decay never flips the sign
