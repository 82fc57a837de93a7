"""Every kind of mistake in config.toml, each with the exact line the user sees.

Each case applies one mutation (replace a unique snippet) to a small valid config and expects
exactly one problem, rendered as ``config.toml:LINE: key.path: message``.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from connector.config import ConfigError, load_config

BASE = """\
[crm]
kind = "hubspot"

[crm.hubspot]
token_env = "HUBSPOT_ACCESS_TOKEN"

[store]
url = "sqlite:///test.db"

[calendar]
timezone = "Europe/Kyiv"
workdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-18:00"]
holidays = { country = "UA" }

[stages.lifecycle]
marketingqualifiedlead = "mql"
salesqualifiedlead = "sql"

[stages.lead_status]
ATTEMPTED_TO_CONTACT = "attempting"
UNQUALIFIED = "disqualified"

[[sla]]
name = "mql-first-touch"
stage = "mql"
within = "4 business hours"
warn_before = "1h"
escalate_after = "8 business hours"
touches = [{ kind = "status", statuses = ["attempting"] }]
task = { subject = "Call {email}" }

[[rejection]]
name = "needs-reason"
statuses = ["disqualified"]
reason_field = "smarketing_rejection_reason"
grace = "1 business day"

[scoring]
fit_cap = 60

[[scoring.rule]]
name = "vp"
group = "fit"
when = { field = "jobtitle", contains = "vp" }
points = 10

[[scoring.rule]]
name = "clicked"
group = "engagement"
when = { field = "hs_email_last_click_date", exists = true }
points = 5
half_life = "14 days"
at = "hs_email_last_click_date"
"""

STAGES = "subscriber, lead, mql, sal, sql, opportunity, customer, evangelist, other"
STATUSES = "new, attempting, connected, qualified, disqualified, recycled"
OPERATORS = "eq, neq, in, not_in, contains, gte, lte, between, exists, not_exists"
TRY = '(try "4h", "30m", "2 business days")'


class Case(NamedTuple):
    id: str
    old: str
    new: str
    problem: str


def mutate(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"{old!r} must occur exactly once in BASE"
    return BASE.replace(old, new)


def load_text(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConfigError:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(Path("config.toml"))
    return caught.value


CASES = [
    # --- TOML itself
    Case(
        "toml-syntax",
        'kind = "hubspot"',
        "kind = hubspot",
        "config.toml:2: not valid TOML: Invalid value (column 8)",
    ),
    # --- keys
    Case(
        "unknown-top-level-section",
        "[scoring]\n",
        "[scorring]\nx = 1\n\n[scoring]\n",
        'config.toml:39: scorring: unknown key "scorring" (did you mean "scoring"?)',
    ),
    Case(
        "unknown-key-did-you-mean",
        'warn_before = "1h"',
        'warn_befor = "1h"',
        'config.toml:28: sla[0].warn_befor: unknown key "warn_befor" (did you mean "warn_before"?)',
    ),
    Case(
        "unknown-key-lists-known-keys",
        'url = "sqlite:///test.db"',
        'url = "sqlite:///test.db"\ncolour = "blue"',
        'config.toml:9: store.colour: unknown key "colour" (known keys: url)',
    ),
    Case(
        "unknown-key-in-inline-table",
        'task = { subject = "Call {email}" }',
        'task = { subject = "Call {email}", prio = "high" }',
        'config.toml:31: sla[0].task.prio: unknown key "prio" (did you mean "priority"?)',
    ),
    Case(
        "missing-required-key",
        'stage = "mql"\n',
        "",
        "config.toml:24: sla[0].stage: required key is missing",
    ),
    Case(
        "missing-crm-kind",
        '[crm]\nkind = "hubspot"\n\n',
        "",
        "config.toml:1: crm.kind: required key is missing",
    ),
    Case(
        "missing-lifecycle-map",
        '[stages.lifecycle]\nmarketingqualifiedlead = "mql"\nsalesqualifiedlead = "sql"\n\n',
        "",
        "config.toml:16: stages.lifecycle: required key is missing",
    ),
    Case(
        "sla-written-as-single-table",
        "[[sla]]",
        "[sla]",
        "config.toml:24: sla: expected [[sla]] tables, one per rule, got a table",
    ),
    # --- types
    Case(
        "number-given-as-text",
        "fit_cap = 60",
        'fit_cap = "60"',
        'config.toml:40: scoring.fit_cap: expected a whole number, got "60"',
    ),
    Case(
        "text-given-as-number",
        'reason_field = "smarketing_rejection_reason"',
        "reason_field = 42",
        "config.toml:36: rejection[0].reason_field: expected text in quotes, got 42",
    ),
    Case(
        "boolean-given-as-text",
        'hours = ["09:00-18:00"]',
        'hours = ["09:00-18:00"]\nuse_owner_timezone = "yes"',
        'config.toml:14: calendar.use_owner_timezone: expected true or false, got "yes"',
    ),
    Case(
        "negative-cap",
        "fit_cap = 60",
        "fit_cap = -5",
        "config.toml:40: scoring.fit_cap: must be 0 or more, got -5",
    ),
    # --- stages and statuses
    Case(
        "unknown-stage-in-rule",
        'stage = "mql"',
        'stage = "mqll"',
        f'config.toml:26: sla[0].stage: unknown stage "mqll" (did you mean "mql"? valid: {STAGES})',
    ),
    Case(
        "unknown-stage-in-map",
        'salesqualifiedlead = "sql"',
        'salesqualifiedlead = "sqll"',
        "config.toml:18: stages.lifecycle.salesqualifiedlead: "
        f'unknown stage "sqll" (did you mean "sql"? valid: {STAGES})',
    ),
    Case(
        "unknown-status",
        'statuses = ["disqualified"]',
        'statuses = ["disqualifed"]',
        "config.toml:35: rejection[0].statuses[0]: "
        f'unknown lead status "disqualifed" (did you mean "disqualified"? valid: {STATUSES})',
    ),
    Case(
        "quoted-crm-value",
        'UNQUALIFIED = "disqualified"',
        'UNQUALIFIED = "disqualified"\n"Working - Contacted" = "atempting"',
        'config.toml:23: stages.lead_status."Working - Contacted": unknown lead status'
        f' "atempting" (did you mean "attempting"? valid: {STATUSES})',
    ),
    Case(
        "error-inside-a-multi-line-list",
        'touches = [{ kind = "status", statuses = ["attempting"] }]',
        'touches = [\n  { kind = "status", statuses = ["attempting"] },\n'
        '  { kind = "activity", activities = ["fax"] },\n]',
        'config.toml:32: sla[0].touches[1].activities[0]: unknown activity "fax"'
        " (valid: task, call, meeting, email)",
    ),
    Case(
        "stage-not-mapped-by-any-crm-value",
        'stage = "mql"',
        'stage = "sal"',
        'config.toml:26: sla[0].stage: no value in [stages.lifecycle] maps to "sal"'
        " (mapped stages: mql, sql)",
    ),
    Case(
        "status-not-mapped-by-any-crm-value",
        'statuses = ["attempting"]',
        'statuses = ["connected"]',
        "config.toml:30: sla[0].touches[0].statuses[0]: no value in [stages.lead_status] maps to"
        ' "connected" (mapped statuses: attempting, disqualified)',
    ),
    Case(
        "entered-date-for-unknown-lifecycle-value",
        'UNQUALIFIED = "disqualified"\n',
        'UNQUALIFIED = "disqualified"\n\n[stages.entered_date_property]\n'
        'marketingqualifiedlaed = "hs_v2_date_entered_marketingqualifiedlead"\n',
        "config.toml:25: stages.entered_date_property.marketingqualifiedlaed:"
        ' "marketingqualifiedlaed" is not a lifecycle value of [stages.lifecycle]'
        ' (did you mean "marketingqualifiedlead"?)',
    ),
    # --- calendar
    Case(
        "unknown-time-zone",
        'timezone = "Europe/Kyiv"',
        'timezone = "Mars/Olympus"',
        'config.toml:11: calendar.timezone: unknown time zone "Mars/Olympus"'
        ' (an IANA name such as "Europe/Kyiv")',
    ),
    Case(
        "misspelt-time-zone",
        'timezone = "Europe/Kyiv"',
        'timezone = "Europe/Kyvi"',
        'config.toml:11: calendar.timezone: unknown time zone "Europe/Kyvi"'
        ' (did you mean "Europe/Kyiv"?)',
    ),
    Case(
        "unknown-holiday-country",
        'holidays = { country = "UA" }',
        'holidays = { country = "Ukraine" }',
        'config.toml:14: calendar.holidays.country: unknown holiday country "Ukraine"'
        ' (did you mean "UKR"? use an ISO 3166 code such as "UA", "US", "DE")',
    ),
    Case(
        "unknown-holiday-subdivision",
        'holidays = { country = "UA" }',
        'holidays = { country = "UA", subdivision = "KY" }',
        'config.toml:14: calendar.holidays.subdivision: "KY" is not a subdivision of UA'
        " (valid: none)",
    ),
    Case(
        "hours-end-before-start",
        'hours = ["09:00-18:00"]',
        'hours = ["18:00-09:00"]',
        'config.toml:13: calendar.hours: "18:00-09:00" ends before it starts'
        " (night shifts are not supported)",
    ),
    Case(
        "hours-overlap",
        'hours = ["09:00-18:00"]',
        'hours = ["09:00-13:00", "12:00-18:00"]',
        'config.toml:13: calendar.hours: "12:00-18:00" overlaps "09:00-13:00"',
    ),
    Case(
        "hours-not-a-range",
        'hours = ["09:00-18:00"]',
        'hours = ["9-18"]',
        'config.toml:13: calendar.hours: "9-18" is not a time range (write "09:00-18:00")',
    ),
    Case(
        "unknown-weekday",
        'workdays = ["mon", "tue", "wed", "thu", "fri"]',
        'workdays = ["mon", "funday"]',
        'config.toml:12: calendar.workdays: "funday" is not a weekday'
        " (write mon, tue, wed, thu, fri, sat, sun)",
    ),
    Case(
        "weekday-number-out-of-range",
        'workdays = ["mon", "tue", "wed", "thu", "fri"]',
        "workdays = [1, 2, 8]",
        "config.toml:12: calendar.workdays: 8 is not a weekday number (1 = Monday … 7 = Sunday)",
    ),
    Case(
        "extra-holiday-not-a-date",
        'holidays = { country = "UA" }',
        'holidays = { country = "UA" }\nextra_holidays = [2026-12-31, "2026-13-01"]',
        'config.toml:15: calendar.extra_holidays[1]: "2026-13-01" is not a date (write 2026-12-31)',
    ),
    # --- durations and clocks
    Case(
        "duration-typo",
        'within = "4 business hours"',
        'within = "4 hourz"',
        f'config.toml:27: sla[0].within: "4 hourz" is not a duration {TRY}',
    ),
    Case(
        "duration-in-words",
        'within = "4 business hours"',
        'within = "four hours"',
        'config.toml:27: sla[0].within: "four hours" is not a duration:'
        f" write the number in digits {TRY}",
    ),
    Case(
        "duration-negative",
        'warn_before = "1h"',
        'warn_before = "-1h"',
        'config.toml:28: sla[0].warn_before: "-1h" is negative: a duration must be positive',
    ),
    Case(
        "duration-zero",
        'within = "4 business hours"',
        'within = "0h"',
        'config.toml:27: sla[0].within: "0h" is zero: give a length such as "4h"',
    ),
    Case(
        "duration-without-unit",
        'within = "4 business hours"',
        "within = 4",
        f"config.toml:27: sla[0].within: 4 has no unit: write it in quotes with one {TRY}",
    ),
    Case(
        "escalate-not-after-within",
        'escalate_after = "8 business hours"',
        'escalate_after = "4h"',
        'config.toml:29: sla[0].escalate_after: "4h" must be longer than within'
        ' ("4 business hours")',
    ),
    Case(
        "escalate-before-within-in-business-days",
        'within = "4 business hours"\nwarn_before = "1h"\nescalate_after = "8 business hours"',
        'within = "2 business days"\nwarn_before = "1h"\nescalate_after = "16h"',
        'config.toml:29: sla[0].escalate_after: "16h" must be longer than within'
        ' ("2 business days")',
    ),
    Case(
        "warn-not-before-within",
        'warn_before = "1h"',
        'warn_before = "4h"',
        'config.toml:28: sla[0].warn_before: "4h" must be shorter than within ("4 business hours")',
    ),
    Case(
        "clock-contradicts-duration",
        'escalate_after = "8 business hours"',
        'escalate_after = "8h"\nclock = "calendar"',
        'config.toml:27: sla[0].within: "4 business hours" is business time but clock = "calendar"',
    ),
    Case(
        "durations-name-different-clocks",
        'escalate_after = "8 business hours"',
        'escalate_after = "8 calendar hours"',
        'config.toml:29: sla[0].escalate_after: "8 calendar hours" is calendar time'
        " but within is business time",
    ),
    Case(
        "duration-mixes-clocks",
        'within = "4 business hours"',
        'within = "1 business day 2 calendar hours"',
        'config.toml:27: sla[0].within: "1 business day 2 calendar hours"'
        " mixes business and calendar time: pick one",
    ),
    Case(
        "grace-negative",
        'grace = "1 business day"',
        'grace = "-1 day"',
        'config.toml:37: rejection[0].grace: "-1 day" is negative: a duration must be positive',
    ),
    Case(
        "sync-too-often",
        'url = "sqlite:///test.db"\n',
        'url = "sqlite:///test.db"\n\n[schedule]\nsync_every = "0.5m"\n',
        'config.toml:11: schedule.sync_every: "0.5m" is too short: at least 1 minute',
    ),
    # --- names
    Case(
        "duplicate-name-across-sections",
        'name = "vp"',
        'name = "mql-first-touch"',
        'config.toml:43: scoring.rule[0].name: "mql-first-touch" is already the name of sla[0]',
    ),
    Case(
        "duplicate-name-ignores-case",
        'name = "clicked"',
        'name = "VP"',
        'config.toml:49: scoring.rule[1].name: "VP" is already the name of scoring.rule[0]',
    ),
    # --- secrets
    Case(
        "secret-inline",
        'token_env = "HUBSPOT_ACCESS_TOKEN"',
        'token_env = "HUBSPOT_ACCESS_TOKEN"\ntoken = "pat-na1-0000"',
        "config.toml:6: crm.hubspot.token: secrets never go in config.toml: write the name of the"
        " environment variable that holds it in token_env",
    ),
    Case(
        "secret-in-env-key",
        'token_env = "HUBSPOT_ACCESS_TOKEN"',
        'token_env = "pat-na1-1a2b3c4d-0000-1111-2222-333344445555"',
        'config.toml:5: crm.hubspot.token_env: "pat-…" looks like a secret, not the name of an'
        " environment variable: put the secret in an environment variable and write its name"
        ' here, e.g. "HUBSPOT_ACCESS_TOKEN"',
    ),
    Case(
        "env-key-not-a-name",
        'token_env = "HUBSPOT_ACCESS_TOKEN"',
        'token_env = "hubspot token"',
        'config.toml:5: crm.hubspot.token_env: "hubspot token" is not an environment variable'
        ' name (capitals, digits and _, e.g. "HUBSPOT_ACCESS_TOKEN")',
    ),
    Case(
        "password-in-store-url",
        'url = "sqlite:///test.db"',
        'url = "postgresql+psycopg://app:hunter2@db/smarketing"',
        "config.toml:8: store.url: the URL holds a password: remove it and set PGPASSWORD in the"
        " environment (or use a .pgpass file)",
    ),
    # --- tasks
    Case(
        "empty-task-subject",
        'task = { subject = "Call {email}" }',
        'task = { subject = "  " }',
        "config.toml:31: sla[0].task.subject: must not be empty: the task needs a subject",
    ),
    Case(
        "broken-placeholder",
        'task = { subject = "Call {email}" }',
        'task = { subject = "Call {email" }',
        'config.toml:31: sla[0].task.subject: "Call {email" has a broken placeholder:'
        " write {field}, e.g. {email} (double a literal brace: {{)",
    ),
    Case(
        "unknown-priority",
        'task = { subject = "Call {email}" }',
        'task = { subject = "Call {email}", priority = "urgent" }',
        'config.toml:31: sla[0].task.priority: unknown priority "urgent"'
        " (valid: low, medium, high)",
    ),
    # --- touches
    Case(
        "touch-without-its-key",
        'touches = [{ kind = "status", statuses = ["attempting"] }]',
        'touches = [{ kind = "property" }]',
        'config.toml:30: sla[0].touches[0].property: kind = "property" needs property',
    ),
    Case(
        "touch-with-key-of-another-kind",
        'touches = [{ kind = "status", statuses = ["attempting"] }]',
        'touches = [{ kind = "status", statuses = ["attempting"], activities = ["call"] }]',
        'config.toml:30: sla[0].touches[0].activities: not used with kind = "status"'
        " (it takes statuses)",
    ),
    Case(
        "no-touches",
        'touches = [{ kind = "status", statuses = ["attempting"] }]',
        "touches = []",
        "config.toml:30: sla[0].touches: must not be empty",
    ),
    # --- crm and store
    Case(
        "unknown-crm-kind",
        'kind = "hubspot"',
        'kind = "pipedrive"',
        'config.toml:2: crm.kind: unknown CRM kind "pipedrive" (valid: hubspot, salesforce)',
    ),
    Case(
        "salesforce-without-its-table",
        'kind = "hubspot"',
        'kind = "salesforce"',
        'config.toml:1: crm.salesforce: kind = "salesforce" needs a [crm.salesforce] table'
        " with instance_url",
    ),
    Case(
        "salesforce-jwt-without-username",
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n',
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n\n[crm.salesforce]\n'
        'instance_url = "https://acme.my.salesforce.com"\nauth = "jwt"\n'
        'private_key_file = "/run/secrets/sf.key"\n',
        'config.toml:7: crm.salesforce.username: required with auth = "jwt"',
    ),
    Case(
        "salesforce-login-url-not-https",
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n',
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n\n[crm.salesforce]\n'
        'instance_url = "https://acme.my.salesforce.com"\n'
        'login_url = "http://test.salesforce.com"\n',
        'config.toml:9: crm.salesforce.login_url: "http://test.salesforce.com" is not an https'
        ' URL: write it as "https://host"',
    ),
    Case(
        "salesforce-lifecycle-field-is-a-label",
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n',
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n\n[crm.salesforce]\n'
        'instance_url = "https://acme.my.salesforce.com"\n'
        'lifecycle_field = "Lifecycle Stage"\n',
        'config.toml:9: crm.salesforce.lifecycle_field: "Lifecycle Stage" is not a Salesforce'
        ' field API name: write it like "Lifecycle_Stage__c" (a letter, then letters, digits and'
        " single underscores; custom fields end in __c)",
    ),
    Case(
        "salesforce-lifecycle-field-is-a-relationship",
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n',
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n\n[crm.salesforce]\n'
        'instance_url = "https://acme.my.salesforce.com"\n'
        'lifecycle_field = "Stage__r"\n',
        'config.toml:9: crm.salesforce.lifecycle_field: "Stage__r" is not a Salesforce field API'
        ' name: write it like "Lifecycle_Stage__c" (a letter, then letters, digits and single'
        " underscores; custom fields end in __c)",
    ),
    Case(
        "salesforce-write-share-above-one",
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n',
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n\n[crm.salesforce]\n'
        'instance_url = "https://acme.my.salesforce.com"\n'
        "stop_writes_at = 80\n",
        "config.toml:9: crm.salesforce.stop_writes_at: 80 is not a share: write a number above 0"
        ' up to 1, or "80%"',
    ),
    Case(
        "salesforce-writes-stop-after-calls",
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n',
        'token_env = "HUBSPOT_ACCESS_TOKEN"\n\n[crm.salesforce]\n'
        'instance_url = "https://acme.my.salesforce.com"\n'
        'stop_writes_at = "96%"\n',
        "config.toml:9: crm.salesforce.stop_writes_at: 0.96 is above stop_calls_at (0.95): the"
        " connector stops writing before it stops calling",
    ),
    Case(
        "unsupported-store",
        'url = "sqlite:///test.db"',
        'url = "mysql://db/smarketing"',
        'config.toml:8: store.url: "mysql://db/smarketing" is not a supported store:'
        ' write "sqlite:///smarketing.db" or "postgresql+psycopg://host/dbname"',
    ),
    # --- conditions and scoring
    Case(
        "in-needs-a-list",
        'when = { field = "jobtitle", contains = "vp" }',
        'when = { field = "jobtitle", in = "vp" }',
        'config.toml:45: scoring.rule[0].when: in needs a non-empty list such as ["UA", "PL"],'
        ' got "vp"',
    ),
    Case(
        "between-low-above-high",
        'when = { field = "jobtitle", contains = "vp" }',
        'when = { field = "numemployees", between = [1000, 50] }',
        "config.toml:45: scoring.rule[0].when: between [1000, 50]: low is above high",
    ),
    Case(
        "exists-with-a-value",
        'when = { field = "hs_email_last_click_date", exists = true }',
        'when = { field = "hs_email_last_click_date", exists = "yes" }',
        "config.toml:51: scoring.rule[1].when: exists takes no value: write exists = true",
    ),
    Case(
        "unknown-operator",
        'when = { field = "jobtitle", contains = "vp" }',
        'when = { field = "jobtitle", contain = "vp" }',
        'config.toml:45: scoring.rule[0].when: unknown operator "contain"'
        f' (did you mean "contains"? valid: {OPERATORS})',
    ),
    Case(
        "two-operators",
        'when = { field = "jobtitle", contains = "vp" }',
        'when = { field = "jobtitle", contains = "vp", eq = "cto" }',
        "config.toml:45: scoring.rule[0].when: needs exactly one operator besides field, got 2"
        f" (contains, eq; valid: {OPERATORS})",
    ),
    Case(
        "fit-rule-cannot-decay",
        "points = 10",
        'points = 10\nhalf_life = "7 days"',
        "config.toml:47: scoring.rule[0].half_life: only engagement rules decay"
        ' (group = "engagement")',
    ),
    Case(
        "decay-without-timestamp",
        'at = "hs_email_last_click_date"\n',
        "",
        'config.toml:48: scoring.rule[1].at: half_life needs at = "<timestamp field>"'
        " to measure the age from",
    ),
    Case(
        "decay-on-business-time",
        'half_life = "14 days"',
        'half_life = "2 business days"',
        'config.toml:53: scoring.rule[1].half_life: "2 business days": decay runs on calendar'
        " time, write days",
    ),
    Case(
        "blank-value",
        'when = { field = "jobtitle", contains = "vp" }',
        'when = { field = "jobtitle", eq = " " }',
        "config.toml:45: scoring.rule[0].when: eq needs a value, not blank text"
        " (for an empty field: not_exists = true)",
    ),
    Case(
        "empty-status-list",
        'touches = [{ kind = "status", statuses = ["attempting"] }]',
        'touches = [{ kind = "status", statuses = [] }]',
        "config.toml:30: sla[0].touches[0].statuses: must not be empty",
    ),
    Case(
        "zero-points",
        "points = 10",
        "points = 0",
        "config.toml:46: scoring.rule[0].points: is 0: the rule would never change a score",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "problem"), [c[1:] for c in CASES], ids=[c.id for c in CASES]
)
def test_each_mistake_gives_its_exact_message(
    old: str, new: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = load_text(mutate(old, new), tmp_path, monkeypatch)

    assert error.lines() == [problem]
    assert str(error) == problem


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


def test_every_problem_is_reported_at_once_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        BASE.replace('kind = "hubspot"', 'kind = "pipedrive"')
        .replace('timezone = "Europe/Kyiv"', 'timezone = "Europe/Kyvi"')
        .replace('within = "4 business hours"', 'within = "4 hourz"')
        .replace('stage = "mql"', 'stage = "sal"')
        .replace('name = "vp"', 'name = "needs-reason"')
        .replace('token_env = "HUBSPOT_ACCESS_TOKEN"', 'token = "pat-na1-0000"')
    )

    error = load_text(text, tmp_path, monkeypatch)

    assert str(error).splitlines() == [
        "config.toml: 6 problems",
        'config.toml:2: crm.kind: unknown CRM kind "pipedrive" (valid: hubspot, salesforce)',
        "config.toml:5: crm.hubspot.token: secrets never go in config.toml: write the name of the"
        " environment variable that holds it in token_env",
        'config.toml:11: calendar.timezone: unknown time zone "Europe/Kyvi"'
        ' (did you mean "Europe/Kyiv"?)',
        'config.toml:26: sla[0].stage: no value in [stages.lifecycle] maps to "sal"'
        " (mapped stages: mql, sql)",
        f'config.toml:27: sla[0].within: "4 hourz" is not a duration {TRY}',
        'config.toml:43: scoring.rule[0].name: "needs-reason" is already the name of rejection[0]',
    ]


def test_a_secret_is_never_echoed_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "pat-na1-1a2b3c4d-0000-1111-2222-333344445555"
    text = BASE.replace('token_env = "HUBSPOT_ACCESS_TOKEN"', f'token_env = "{secret}"')

    error = load_text(text, tmp_path, monkeypatch)

    assert secret not in str(error)
    assert secret[4:] not in str(error)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            BASE.replace("[crm]\n", "")
            .replace('kind = "hubspot"\n', "")
            .replace("[crm.hubspot]\n", "")
            .replace('token_env = "HUBSPOT_ACCESS_TOKEN"\n', ""),
            'config.toml: [crm] is missing: add a [crm] table with kind = "hubspot" or'
            ' kind = "salesforce"',
            id="no-crm-section",
        ),
        pytest.param(
            '[crm]\nkind = "hubspot"\n',
            "config.toml: [stages] is missing: add a [stages.lifecycle] table mapping your CRM's"
            " lifecycle values to stages",
            id="no-stages-section",
        ),
        pytest.param(
            BASE + "\n[[scoring.rule]]\nname = 'x'\n",
            "config.toml:56: scoring.rule[2].group: required key is missing",
            id="one-bad-rule-among-good-ones",
        ),
    ],
)
def test_missing_sections(
    text: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = load_text(text, tmp_path, monkeypatch)

    assert problem in error.lines()


def test_the_base_config_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE, encoding="utf-8")

    assert load_config(path).ruleset.sla[0].name == "mql-first-touch"
