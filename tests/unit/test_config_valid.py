"""Valid configurations: the shipped config.toml, and what each option turns into."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from connector.config import CrmKind, SalesforceAuth, Settings, load_config
from rules.model import ActivityKind, LeadStatus, Stage
from rules.ruleset import (
    DEFAULT_PLACEHOLDERS,
    CalendarSpec,
    ClockKind,
    Condition,
    Op,
    RejectionRule,
    ScoreGroup,
    ScoreRule,
    SlaRule,
    TaskPriority,
    TaskTemplate,
    TouchKind,
    TouchSignal,
)

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def shipped() -> Settings:
    return load_config(SHIPPED)


def test_shipped_services(shipped: Settings) -> None:
    assert shipped.crm.kind is CrmKind.HUBSPOT
    assert shipped.crm.base_url == "https://api.hubapi.com"
    assert shipped.crm.hubspot.token_env == "HUBSPOT_ACCESS_TOKEN"
    assert shipped.crm.salesforce is not None
    assert shipped.crm.salesforce.auth is SalesforceAuth.CLIENT_CREDENTIALS
    assert shipped.crm.salesforce.client_secret_env == "SALESFORCE_CLIENT_SECRET"
    assert shipped.crm.salesforce.api_version == "59.0"
    assert shipped.store.url == "sqlite:///smarketing.db"
    assert shipped.schedule.sync_every == timedelta(minutes=5)


def test_shipped_calendar_is_kyiv_office_hours(shipped: Settings) -> None:
    assert shipped.ruleset.calendar == CalendarSpec(
        timezone="Europe/Kyiv",
        workdays=(1, 2, 3, 4, 5),
        hours=((time(9), time(18)),),
        holiday_country="UA",
        holiday_subdivision=None,
        extra_holidays=(date(2026, 12, 31),),
        use_owner_timezone=False,
    )
    assert shipped.ruleset.calendar.business_day == 9 * HOUR


def test_shipped_stage_map_is_hubspots_standard(shipped: Settings) -> None:
    stage_map = shipped.ruleset.stage_map
    assert dict(stage_map.lifecycle) == {
        "subscriber": Stage.SUBSCRIBER,
        "lead": Stage.LEAD,
        "marketingqualifiedlead": Stage.MQL,
        "salesqualifiedlead": Stage.SQL,
        "opportunity": Stage.OPPORTUNITY,
        "customer": Stage.CUSTOMER,
        "evangelist": Stage.EVANGELIST,
        "other": Stage.OTHER,
    }
    assert dict(stage_map.lead_status) == {
        "NEW": LeadStatus.NEW,
        "OPEN": LeadStatus.NEW,
        "IN_PROGRESS": LeadStatus.ATTEMPTING,
        "ATTEMPTED_TO_CONTACT": LeadStatus.ATTEMPTING,
        "CONNECTED": LeadStatus.CONNECTED,
        "OPEN_DEAL": LeadStatus.QUALIFIED,
        "UNQUALIFIED": LeadStatus.DISQUALIFIED,
        "BAD_TIMING": LeadStatus.RECYCLED,
    }
    assert dict(stage_map.stage_date_properties) == {
        value: f"hs_v2_date_entered_{value}" for value in stage_map.lifecycle
    }


def test_shipped_mql_first_touch_sla(shipped: Settings) -> None:
    assert shipped.ruleset.sla[0] == SlaRule(
        name="mql-first-touch",
        stage=Stage.MQL,
        within=4 * HOUR,
        clock=ClockKind.BUSINESS,
        where=(),
        touches=(
            TouchSignal(kind=TouchKind.PROPERTY, property="hs_sa_first_engagement_date"),
            TouchSignal(
                kind=TouchKind.STATUS, statuses=(LeadStatus.ATTEMPTING, LeadStatus.CONNECTED)
            ),
            TouchSignal(
                kind=TouchKind.ACTIVITY,
                activities=(ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL),
                by_owner_only=True,
            ),
        ),
        warn_before=HOUR,
        escalate_after=8 * HOUR,
        task=TaskTemplate(
            subject="Call new MQL {email} ({company})",
            body="Due {due}.",
            priority=TaskPriority.HIGH,
        ),
        escalation_task=TaskTemplate(
            subject="Escalation: MQL {email} not touched", body="Owner: {owner_name}"
        ),
    )


def test_shipped_sql_follow_up_counts_business_days(shipped: Settings) -> None:
    sla = shipped.ruleset.sla[1]
    assert (sla.name, sla.stage, sla.clock) == ("sql-follow-up", Stage.SQL, ClockKind.BUSINESS)
    assert (sla.within, sla.warn_before, sla.escalate_after) == (18 * HOUR, 4 * HOUR, 27 * HOUR)
    ranges = ("50-100", "100-500", "500-1000", "1000+")  # HubSpot's dropdown of ranges
    assert sla.where == (Condition("numemployees", Op.IN, ranges),)
    assert sla.task.priority is TaskPriority.MEDIUM


def test_shipped_rejection_rule(shipped: Settings) -> None:
    assert shipped.ruleset.rejection == (
        RejectionRule(
            name="disqualified-needs-reason",
            statuses=(LeadStatus.DISQUALIFIED,),
            reason_field="smarketing_rejection_reason",
            grace=9 * HOUR,
            clock=ClockKind.BUSINESS,
            placeholders=DEFAULT_PLACEHOLDERS,
            task=TaskTemplate(
                subject="Add a rejection reason for {email}", priority=TaskPriority.MEDIUM
            ),
        ),
    )


def test_shipped_scoring_model(shipped: Settings) -> None:
    scoring = shipped.ruleset.scoring
    rules = {rule.name: rule for rule in scoring.rules}
    assert (scoring.fit_cap, scoring.engagement_cap, scoring.total_cap) == (60, 40, 100)
    assert len(scoring.rules) == 13
    assert [rule.group for rule in scoring.rules].count(ScoreGroup.FIT) == 8
    assert rules["free-email-domain"] == ScoreRule(
        name="free-email-domain",
        group=ScoreGroup.FIT,
        when=Condition(
            "hs_email_domain", Op.IN, ("gmail.com", "yahoo.com", "outlook.com", "ukr.net", "i.ua")
        ),
        points=-20,
    )
    mid_size = ("50-100", "100-500", "500-1000")
    assert rules["company-mid-size"].when == Condition("numemployees", Op.IN, mid_size)
    assert rules["recent-form-submission"] == ScoreRule(
        name="recent-form-submission",
        group=ScoreGroup.ENGAGEMENT,
        when=Condition("recent_conversion_date", Op.EXISTS),
        points=15,
        half_life_days=7.0,
        at="recent_conversion_date",
    )
    assert all(
        rule.half_life_days and rule.at for rule in scoring.rules if rule.group == "engagement"
    )


MINIMAL = """\
[crm]
kind = "hubspot"

[calendar]
timezone = "Europe/Kyiv"
hours = ["09:00-18:00"]

[stages.lifecycle]
marketingqualifiedlead = "mql"

[stages.lead_status]
UNQUALIFIED = "disqualified"

[[sla]]
name = "mql"
stage = "mql"
within = "4h"
touches = [{ kind = "property", property = "hs_sa_first_engagement_date" }]

[[rejection]]
name = "reason"
statuses = ["disqualified"]
reason_field = "reason"

[[scoring.rule]]
name = "clicked"
group = "engagement"
when = { field = "hs_email_last_click_date", exists = true }
points = 5
half_life = 7
at = "hs_email_last_click_date"
"""

Read = Callable[[Settings], object]


@pytest.mark.parametrize(
    ("old", "new", "read", "expected"),
    [
        pytest.param("", "", lambda s: s.store.url, "sqlite:///smarketing.db", id="store-default"),
        pytest.param(
            "",
            "",
            lambda s: s.crm.hubspot.base_url,
            "https://api.hubapi.com",
            id="hubspot-default-url",
        ),
        pytest.param(
            "", "", lambda s: s.ruleset.sla[0].clock, ClockKind.BUSINESS, id="clock-default"
        ),
        pytest.param(
            "",
            "",
            lambda s: s.ruleset.sla[0].task,
            TaskTemplate(subject="Follow up with {email} ({rule})"),
            id="default-task",
        ),
        pytest.param(
            "", "", lambda s: s.ruleset.rejection[0].grace, 9 * HOUR, id="grace-default-1-day"
        ),
        pytest.param(
            "",
            "",
            lambda s: s.ruleset.rejection[0].placeholders,
            DEFAULT_PLACEHOLDERS,
            id="default-placeholders",
        ),
        pytest.param(
            "", "", lambda s: s.ruleset.calendar.workdays, (1, 2, 3, 4, 5), id="workdays-default"
        ),
        pytest.param(
            'within = "4h"',
            'within = "2 days"\nclock = "calendar"',
            lambda s: s.ruleset.sla[0].within,
            timedelta(days=2),
            id="calendar-days",
        ),
        pytest.param(
            'within = "4h"',
            'within = "2 days"',
            lambda s: s.ruleset.sla[0].within,
            18 * HOUR,
            id="days-on-business-clock",
        ),
        pytest.param(
            'within = "4h"',
            'within = "8 calendar hours"',
            lambda s: s.ruleset.sla[0].clock,
            ClockKind.CALENDAR,
            id="clock-implied-by-duration",
        ),
        pytest.param(
            'hours = ["09:00-18:00"]',
            'hours = ["14:00-18:00", "09:00-13:00"]',
            lambda s: (s.ruleset.calendar.hours, s.ruleset.calendar.business_day),
            (((time(9), time(13)), (time(14), time(18))), 8 * HOUR),
            id="lunch-break-sorted",
        ),
        pytest.param(
            'hours = ["09:00-18:00"]',
            'hours = ["09:00-18:00"]\nworkdays = [7, "Monday", "tue"]',
            lambda s: s.ruleset.calendar.workdays,
            (1, 2, 7),
            id="workdays-names-and-numbers",
        ),
        pytest.param(
            'timezone = "Europe/Kyiv"',
            'timezone = "America/New_York"\nholidays = { country = "us", subdivision = "ny" }',
            lambda s: (s.ruleset.calendar.holiday_country, s.ruleset.calendar.holiday_subdivision),
            ("US", "NY"),
            id="holiday-codes-normalised",
        ),
        pytest.param(
            'hours = ["09:00-18:00"]',
            'hours = ["09:00-18:00"]\nextra_holidays = ["2026-12-31", 2026-12-24, 2026-12-31]',
            lambda s: s.ruleset.calendar.extra_holidays,
            (date(2026, 12, 24), date(2026, 12, 31)),
            id="extra-holidays-sorted-unique",
        ),
        pytest.param(
            'stage = "mql"',
            'stage = "MQL"',
            lambda s: s.ruleset.sla[0].stage,
            Stage.MQL,
            id="stage-any-case",
        ),
        pytest.param(
            'reason_field = "reason"',
            'reason_field = "reason"\ngrace = "0h"\nplaceholders = ["tbd"]',
            lambda s: (s.ruleset.rejection[0].grace, s.ruleset.rejection[0].placeholders),
            (timedelta(0), ("tbd",)),
            id="grace-zero-own-placeholders",
        ),
        pytest.param(
            "half_life = 7",
            'half_life = "36h"',
            lambda s: s.ruleset.scoring.rules[0].half_life_days,
            1.5,
            id="half-life-as-duration",
        ),
        pytest.param(
            "", "", lambda s: s.ruleset.scoring.rules[0].half_life_days, 7.0, id="half-life-days"
        ),
        pytest.param(
            'within = "4h"',
            'within = "4h"\nwhere = [{ field = "createdate", between = [2026-01-01, 2026-12-31] },'
            ' { field = "hs_email_bounce", not_exists = true }]',
            lambda s: s.ruleset.sla[0].where,
            (
                Condition("createdate", Op.BETWEEN, (date(2026, 1, 1), date(2026, 12, 31))),
                Condition("hs_email_bounce", Op.NOT_EXISTS),
            ),
            id="conditions-dates-and-not-exists",
        ),
        pytest.param(
            '[crm]\nkind = "hubspot"',
            '[crm]\nkind = "salesforce"\n\n[crm.salesforce]\n'
            'instance_url = "https://acme.my.salesforce.com"\nauth = "jwt"\n'
            'username = "integration@acme.com"\nprivate_key_file = "/run/secrets/sf.key"',
            lambda s: (s.crm.kind, s.crm.base_url, s.crm.salesforce and s.crm.salesforce.auth),
            (CrmKind.SALESFORCE, "https://acme.my.salesforce.com", SalesforceAuth.JWT),
            id="salesforce-jwt",
        ),
        pytest.param(
            '[crm]\nkind = "hubspot"',
            '[crm]\nkind = "salesforce"\n\n[crm.salesforce]\n'
            'instance_url = "https://acme--uat.sandbox.my.salesforce.com"\n'
            'login_url = "https://test.salesforce.com"\nlifecycle_field = "acme__Stage__c"',
            lambda s: (
                s.crm.salesforce and (s.crm.salesforce.login_url, s.crm.salesforce.lifecycle_field)
            ),
            ("https://test.salesforce.com", "acme__Stage__c"),
            id="salesforce-login-url-and-namespaced-lifecycle-field",
        ),
        pytest.param(
            '[crm]\nkind = "hubspot"',
            '[crm]\nkind = "hubspot"\n\n[store]\nurl = "postgresql+psycopg://app@db/smarketing"'
            '\n\n[schedule]\nsync_every = "90 minutes"',
            lambda s: (s.store.url, s.schedule.sync_every),
            ("postgresql+psycopg://app@db/smarketing", timedelta(minutes=90)),
            id="postgres-store-and-schedule",
        ),
    ],
)
def test_option_becomes(old: str, new: str, read: Read, expected: object, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL.replace(old, new) if old else MINIMAL, encoding="utf-8")

    assert read(load_config(path)) == expected


def test_settings_are_frozen(shipped: Settings) -> None:
    with pytest.raises(AttributeError):
        shipped.ruleset = shipped.ruleset  # type: ignore[misc]
    with pytest.raises(ValueError, match="frozen"):
        shipped.store.url = "sqlite:///other.db"
