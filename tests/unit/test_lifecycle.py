"""Raw CRM values map to canonical stages exactly as configured; unknown values are kept."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rules.lifecycle import LifecycleClassifier, as_instant, classify
from rules.model import FieldValue, LeadStatus, Stage, StageEntry
from rules.ruleset import StageMap
from tests.unit.factories import STAGE_MAP, entry, person, utc

MQL_DATE = "hs_v2_date_entered_marketingqualifiedlead"


@pytest.mark.parametrize(
    ("lifecycle", "lead_status", "stage", "status", "unknown"),
    [
        ("marketingqualifiedlead", "NEW", Stage.MQL, LeadStatus.NEW, ()),
        ("MarketingQualifiedLead", "new", Stage.MQL, LeadStatus.NEW, ()),
        ("customer", "UNQUALIFIED", Stage.CUSTOMER, LeadStatus.DISQUALIFIED, ()),
        ("153180554", None, None, None, ("lifecycle='153180554'",)),
        (None, "Working - Contacted", None, None, ("lead_status='Working - Contacted'",)),
        ("x", "y", None, None, ("lifecycle='x'", "lead_status='y'")),
        (" lead", None, None, None, ("lifecycle=' lead'",)),
        ("", "", None, None, ()),
        (None, None, None, None, ()),
    ],
)
def test_raw_values_map_exactly_then_case_insensitively_and_unknowns_are_kept(
    lifecycle: str | None,
    lead_status: str | None,
    stage: Stage | None,
    status: LeadStatus | None,
    unknown: tuple[str, ...],
) -> None:
    view = classify(person(lifecycle=lifecycle, lead_status=lead_status), STAGE_MAP)

    assert (view.stage, view.status, view.unknown) == (stage, status, unknown)


@pytest.mark.parametrize(
    ("raw", "stage"),
    [
        ("MQL", Stage.MQL),
        ("mql", Stage.SQL),
        ("Mql", None),  # two spellings disagree: matching it to either would be a guess
        ("lead", Stage.LEAD),  # two spellings agree
    ],
)
def test_spellings_that_differ_only_in_case_match_only_exactly_when_they_disagree(
    raw: str, stage: Stage | None
) -> None:
    stage_map = StageMap(
        lifecycle={"MQL": Stage.MQL, "mql": Stage.SQL, "Lead": Stage.LEAD, "LEAD": Stage.LEAD}
    )

    assert LifecycleClassifier(stage_map).stage_of(raw) is stage


T0 = utc(10, 8)
T1 = utc(12, 9)
T2 = utc(14, 10)


@pytest.mark.parametrize(
    ("history", "fields", "entered_at"),
    [
        pytest.param((entry("marketingqualifiedlead", T1),), {MQL_DATE: T0}, T1, id="history-wins"),
        pytest.param(
            (
                entry("marketingqualifiedlead", T0, T1),
                entry("salesqualifiedlead", T1, T2),
                entry("marketingqualifiedlead", T2),
            ),
            {},
            T2,
            id="latest-open-stay",
        ),
        pytest.param(
            (entry("marketingqualifiedlead", T0, T1),), {MQL_DATE: T2}, T2, id="closed-stay-ignored"
        ),
        pytest.param((entry("lead", T0),), {}, None, id="other-stage-open"),
        pytest.param((), {MQL_DATE: T1}, T1, id="property-datetime"),
        pytest.param(
            (), {MQL_DATE: "2024-01-10T08:00:00.000Z"}, utc(10, 8), id="property-hubspot-string"
        ),
        pytest.param(
            (),
            {MQL_DATE: "2024-01-10T10:00:00+02:00"},
            utc(10, 8),
            id="property-string-with-offset",
        ),
        pytest.param((), {MQL_DATE: "2024-01-10T08:00:00"}, None, id="property-naive-string"),
        pytest.param((), {MQL_DATE: "last tuesday"}, None, id="property-garbage"),
        pytest.param((), {MQL_DATE: date(2024, 1, 10)}, None, id="property-date-only"),
        pytest.param((), {}, None, id="nothing-known"),
    ],
)
def test_stage_entered_at_comes_from_history_then_stage_date_property_then_nowhere(
    history: tuple[StageEntry, ...], fields: dict[str, FieldValue], entered_at: datetime | None
) -> None:
    view = classify(person(stage_history=history, fields=fields), STAGE_MAP)

    assert view.stage is Stage.MQL
    assert view.stage_entered_at == entered_at


def test_an_unknown_stage_has_no_entry_time_even_with_history() -> None:
    record = person(lifecycle="153180554", stage_history=(entry("153180554", T0),))

    assert classify(record, STAGE_MAP).stage_entered_at is None


@pytest.mark.parametrize(
    ("history", "entered_at"),
    [
        ((entry("NEW", T0, T1), entry("UNQUALIFIED", T1)), T1),
        ((entry("UNQUALIFIED", T0, T1), entry("NEW", T1, T2)), None),
        ((), None),
    ],
)
def test_status_entered_at_comes_from_the_open_status_history_entry(
    history: tuple[StageEntry, ...], entered_at: datetime | None
) -> None:
    view = classify(person(lead_status="UNQUALIFIED", status_history=history), STAGE_MAP)

    assert view.status is LeadStatus.DISQUALIFIED
    assert view.status_entered_at == entered_at


@pytest.mark.parametrize(
    ("history", "fields", "first"),
    [
        (
            (
                entry("lead", T0, T1),
                entry("MarketingQualifiedLead", T1, T2),
                entry("marketingqualifiedlead", T2),
            ),
            {},
            T1,
        ),
        ((), {MQL_DATE: "2024-01-12T09:00:00Z", "hs_v2_date_entered_lead": T0}, T1),
        ((entry("lead", T0),), {}, None),
    ],
)
def test_first_entered_finds_the_earliest_entry_under_any_spelling(
    history: tuple[StageEntry, ...], fields: dict[str, FieldValue], first: datetime | None
) -> None:
    record = person(stage_history=history, fields=fields)

    assert LifecycleClassifier(STAGE_MAP).first_entered(record, Stage.MQL) == first


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (utc(10, 8), utc(10, 8)),
        ("2024-01-10T08:00:00.000Z", utc(10, 8)),
        (" 2024-01-10T11:00:00+03:00 ", utc(10, 8)),
        ("2024-01-10T08:00:00", None),
        ("2024-01-10", None),
        ("", None),
        ("1704873600000", None),
        (1704873600000, None),
        (date(2024, 1, 10), None),
        (True, None),
        (None, None),
    ],
)
def test_as_instant_accepts_aware_datetimes_and_iso_strings_with_an_offset(
    value: FieldValue, expected: datetime | None
) -> None:
    # An aware datetime never equals a naive one, so equality also proves the result is aware.
    assert as_instant(value) == expected
