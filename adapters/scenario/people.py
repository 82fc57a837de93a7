"""People: who they are (name, company, title, source), their journey, owner and engagement.

People are generated in any order, then numbered by creation time, as CRM ids grow with it. E-mail
addresses are ``first.last@domain`` with a number appended on a clash, so they are unique.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import exp, log
from operator import attrgetter
from random import Random

from adapters.scenario.journey import (
    Journey,
    Window,
    fresh_mql_journey,
    mql_journey,
    nurture_journey,
    other_journey,
)
from adapters.scenario.model import ScenarioPerson
from adapters.scenario.owners import ENTERPRISE, SMB, Roster
from adapters.scenario.sales import draw_plan
from adapters.scenario.tables import (
    COMPANY_SIZES,
    COMPANY_WORDS,
    COUNTRIES,
    ENTERPRISE_EMPLOYEES,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    SOURCES,
    TITLES,
    Country,
    Industry,
    mean_fit,
    pick_one,
)
from rules.model import LeadStatus, Stage

P_OTHER = 0.01
"""People outside the funnel (partners, vendors)."""
P_MQL = 0.18
"""Subscribers and leads who become MQLs, on average over fit (published 10-25 %)."""
P_OWNED_BEFORE_MQL = 0.08
"""Pre-MQL people that already have an owner (named accounts, imports from events)."""
PEOPLE_PER_COMPANY = 3

_FIT_NORM = mean_fit(TITLES) * mean_fit(SOURCES)
_ENGAGEMENT: Mapping[Stage, tuple[float, float, float]] = {
    Stage.SUBSCRIBER: (3, 0.2, 1),
    Stage.LEAD: (6, 0.5, 1.5),
    Stage.MQL: (14, 1.2, 3),
    Stage.SAL: (18, 1.5, 4),
    Stage.SQL: (24, 2, 5),
    Stage.OPPORTUNITY: (30, 2.5, 6),
    Stage.CUSTOMER: (36, 3, 7),
    Stage.EVANGELIST: (40, 3.5, 9),
    Stage.OTHER: (2, 0.1, 0.3),
}
"""Mean page views, extra form submissions and e-mail clicks by current stage: engagement grows
as people move down the funnel, which is what engagement scoring relies on."""
_EDIT_LAG = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Company:
    """An account several people can work at."""

    name: str
    domain: str
    industry: Industry
    numemployees: int
    country: Country


@dataclass(frozen=True, slots=True)
class _Engagement:
    page_views: int
    form_submissions: int
    email_clicks: int
    last_click_at: datetime | None
    recent_conversion_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Draft:
    """A person before they get their number and their e-mail address."""

    first_name: str
    last_name: str
    company: Company
    jobtitle: str
    source: str
    owner_id: str | None
    journey: Journey
    engagement: _Engagement
    updated_at: datetime


def build_companies(rng: Random, people: int) -> tuple[Company, ...]:
    """About one company per ``PEOPLE_PER_COMPANY`` people, with distinct names."""
    first, second, third = COMPANY_WORDS
    total = len(first) * len(second) * len(third)
    companies = []
    for index in rng.sample(range(total), min(total, max(1, people // PEOPLE_PER_COMPANY))):
        head, rest = divmod(index, len(second) * len(third))
        words = (first[head], second[rest // len(third)], third[rest % len(third)])
        low, high = COMPANY_SIZES.pick(rng)
        # Log-uniform inside the band: small companies are more common than large ones.
        spread = exp(log(low) + (log(high + 1) - log(low)) * rng.random())
        employees = min(high, max(low, int(spread)))
        companies.append(
            Company(
                name=" ".join(words),
                domain="-".join(words).lower() + ".example",
                industry=INDUSTRIES.pick(rng),
                numemployees=employees,
                country=COUNTRIES.pick(rng),
            )
        )
    return tuple(companies)


def build_people(
    rng: Random, count: int, window: Window, roster: Roster, fresh: int
) -> tuple[ScenarioPerson, ...]:
    """``count`` people, the first ``fresh`` of them (before numbering) fresh MQLs."""
    companies = build_companies(rng, count)
    drafts = [_draft(rng, window, roster, companies, is_fresh=i < fresh) for i in range(count)]
    drafts.sort(key=attrgetter("journey.created_at"))
    emails: dict[str, int] = {}
    return tuple(_finish(key, draft, emails) for key, draft in enumerate(drafts, start=1))


def _draft(
    rng: Random, window: Window, roster: Roster, companies: tuple[Company, ...], is_fresh: bool
) -> _Draft:
    company = pick_one(rng, companies)
    title, source = TITLES.pick(rng), SOURCES.pick(rng)
    team = ENTERPRISE if company.numemployees > ENTERPRISE_EMPLOYEES else SMB
    rep, manager_id = pick_one(rng, roster.reps[team]), roster.managers[team]
    owner_id: str | None = rep
    if is_fresh:
        journey = fresh_mql_journey(rng, window, rep, manager_id)
    elif rng.random() < P_OTHER:
        journey, owner_id = other_journey(rng, window), None
    elif rng.random() < P_MQL * title.fit * source.fit / _FIT_NORM:
        plan = draw_plan(rng, team == ENTERPRISE)
        journey = mql_journey(rng, window, plan, rep, manager_id)
    else:
        journey = nurture_journey(rng, window)
        if rng.random() < P_OWNED_BEFORE_MQL:
            journey.history.statuses.append((LeadStatus.NEW, journey.created_at))
        else:
            owner_id = None
    engagement = _engagement(rng, journey, source.name, window.now)
    return _Draft(
        first_name=pick_one(rng, FIRST_NAMES),
        last_name=pick_one(rng, LAST_NAMES),
        company=company,
        jobtitle=title.name,
        source=source.name,
        owner_id=owner_id,
        journey=journey,
        engagement=engagement,
        updated_at=_updated_at(rng, journey, engagement, window.now),
    )


def _engagement(rng: Random, journey: Journey, source: str, now: datetime) -> _Engagement:
    stage = journey.history.stages[-1][0]
    views, extra_forms, clicks = _ENGAGEMENT[stage]
    created = journey.created_at
    # Imported people (OFFLINE) and partners did not need a form to get into the CRM.
    first_form = 0 if source == "OFFLINE" or stage is Stage.OTHER else 1
    forms = first_form + int(rng.expovariate(1 / extra_forms))
    click_count = int(rng.expovariate(1 / clicks))
    last_click = now - (now - created) * rng.random() ** 2 if click_count else None
    conversion = None
    if forms:
        # The conversion that made an MQL is their latest unless they came back for more content.
        conversion = journey.mql_at or created
        if forms > 1 or rng.random() < 0.3:
            conversion += (now - conversion) * rng.random()
    page_views = 1 + int(rng.expovariate(1 / views))
    return _Engagement(page_views, forms, click_count, last_click, conversion)


def _updated_at(rng: Random, journey: Journey, engagement: _Engagement, now: datetime) -> datetime:
    """The last change to the record: its last event, plus a moment for workflows to run."""
    history = journey.history
    clicked, converted = engagement.last_click_at, engagement.recent_conversion_at
    events = [history.stages[-1][1], *(at for at in (clicked, converted) if at is not None)]
    if history.statuses:
        events.append(history.statuses[-1][1])
    if history.activities:
        events.append(history.activities[-1].at)
    return min(now, max(events) + _EDIT_LAG * rng.random())


def _finish(key: int, draft: _Draft, emails: dict[str, int]) -> ScenarioPerson:
    company, journey, history = draft.company, draft.journey, draft.journey.history
    local = f"{draft.first_name}.{draft.last_name}".lower()
    clash = emails.get(f"{local}@{company.domain}", 0)
    emails[f"{local}@{company.domain}"] = clash + 1
    engagement = draft.engagement
    return ScenarioPerson(
        key=key,
        first_name=draft.first_name,
        last_name=draft.last_name,
        email=f"{local}{clash + 1 if clash else ''}@{company.domain}",
        company=company.name,
        domain=company.domain,
        jobtitle=draft.jobtitle,
        numemployees=company.numemployees,
        industry=company.industry,
        country=company.country,
        source=draft.source,
        owner_id=draft.owner_id,
        created_at=journey.created_at,
        stages=tuple(history.stages),
        statuses=tuple(history.statuses),
        first_touch_at=history.first_touch_at,
        activities=tuple(history.activities),
        rejection_reason=history.rejection_reason,
        page_views=engagement.page_views,
        form_submissions=engagement.form_submissions,
        email_clicks=engagement.email_clicks,
        last_click_at=engagement.last_click_at,
        recent_conversion_at=engagement.recent_conversion_at,
        updated_at=draft.updated_at,
    )
