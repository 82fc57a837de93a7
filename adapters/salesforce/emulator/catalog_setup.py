"""Setup and history objects: users, queues, status tables, field history, business hours (§12).

These are read-only through the API except User and Group; the org and the seed fill them.
"""

from __future__ import annotations

from .catalog import account, contact, lead, opportunity, task
from .fields import flag, names, number, picklist, readonly, ref, system_fields, text, typed
from .schema import FieldDef, FieldType, ObjectDef

T = FieldType
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LEAD_HISTORY_FIELDS = ("created", "Status", "Owner", "leadConverted", "Lifecycle_Stage__c")


def user() -> ObjectDef:
    """User (§12): Id, Name, Email, IsActive, TimeZoneSidKey, ManagerId, UserType."""
    return ObjectDef.build(
        "User",
        "005",
        [
            *system_fields(),
            text("Username", 80, required=True, unique=True),
            *names(),
            typed("Email", T.EMAIL, required=True),
            text("Alias", 8),
            flag("IsActive", default=True),
            text("TimeZoneSidKey", 40, required=True),
            ref("ManagerId", "User", relationship="Manager"),
            readonly(picklist("UserType", ("Standard", "AutomatedProcess"))),
            text("Title", 80),
            text("Department", 80),
        ],
    )


def group() -> ObjectDef:
    """Group: queues own unassigned Leads (``OwnerId`` may be a ``00G`` queue, §12)."""
    return ObjectDef.build(
        "Group",
        "00G",
        [
            *system_fields(),
            text("Name", 40, required=True),
            text("DeveloperName", 80),
            picklist("Type", ("Queue", "Regular"), default="Regular"),
        ],
    )


def _status_object(name: str, extra: list[FieldDef]) -> ObjectDef:
    base = [
        *system_fields(),
        text("ApiName", 255),
        text("MasterLabel", 255),
        number("SortOrder", T.INT, 9),
    ]
    return ObjectDef.build(name, "01J", [readonly(f) for f in (*base, *extra)], createable=False)


def lead_status() -> ObjectDef:
    """LeadStatus (§12): query it, never hard-code the values."""
    return _status_object("LeadStatus", [flag("IsDefault"), flag("IsConverted")])


def opportunity_stage() -> ObjectDef:
    """OpportunityStage (§12): IsClosed, IsWon, DefaultProbability, ForecastCategory."""
    return _status_object(
        "OpportunityStage",
        [
            flag("IsActive", default=True),
            flag("IsClosed"),
            flag("IsWon"),
            number("DefaultProbability", T.PERCENT, 3),
            text("ForecastCategory", 40),
            text("ForecastCategoryName", 40),
            text("Description", 255),
        ],
    )


def task_status() -> ObjectDef:
    """TaskStatus (§18.8)."""
    return _status_object("TaskStatus", [flag("IsDefault"), flag("IsClosed")])


def lead_history() -> ObjectDef:
    """LeadHistory (§12): one row per change of a tracked field; no SystemModstamp."""
    fields = [
        *system_fields(modstamp=False, modified=False),
        ref("LeadId", "Lead", required=True),
        picklist("Field", LEAD_HISTORY_FIELDS),
        text("DataType", 40),
        typed("OldValue", T.ANYTYPE),
        typed("NewValue", T.ANYTYPE),
    ]
    return ObjectDef.build(
        "LeadHistory",
        "017",
        [readonly(f) for f in fields],
        createable=False,
        cursor_field="CreatedDate",
    )


def opportunity_history() -> ObjectDef:
    """OpportunityHistory (§12): stage history, always on."""
    fields = [
        *system_fields(modified=False),
        ref("OpportunityId", "Opportunity", required=True),
        text("StageName", 255),
        number("Amount", T.CURRENCY, 16, 2),
        number("ExpectedRevenue", T.CURRENCY, 16, 2),
        typed("CloseDate", T.DATE),
        number("Probability", T.PERCENT, 3),
        text("ForecastCategory", 40),
        number("PrevAmount", T.CURRENCY, 16, 2),
        typed("PrevCloseDate", T.DATE),
    ]
    return ObjectDef.build(
        "OpportunityHistory", "008", [readonly(f) for f in fields], createable=False
    )


def business_hours() -> ObjectDef:
    """BusinessHours (§12): ``<Day>StartTime``/``EndTime`` are times; null means closed."""
    days = [typed(f"{day}{edge}Time", T.TIME) for day in DAYS for edge in ("Start", "End")]
    fields = [
        *system_fields(),
        text("Name", 80),
        flag("IsActive", default=True),
        flag("IsDefault"),
        text("TimeZoneSidKey", 40),
        *days,
    ]
    return ObjectDef.build("BusinessHours", "01m", [readonly(f) for f in fields], createable=False)


def holiday() -> ObjectDef:
    """Holiday (§12): suspends business hours on its day."""
    fields = [
        *system_fields(),
        text("Name", 80),
        text("Description", 100),
        flag("IsAllDay", default=True),
        typed("ActivityDate", T.DATE),
        number("StartTimeInMinutes", T.INT, 4),
        number("EndTimeInMinutes", T.INT, 4),
        flag("IsRecurrence"),
    ]
    return ObjectDef.build("Holiday", "0C0", [readonly(f) for f in fields], createable=False)


def standard_objects() -> dict[str, ObjectDef]:
    """Fresh definitions of every emulated object, by name."""
    builders = (
        lead,
        contact,
        account,
        opportunity,
        task,
        user,
        group,
        lead_status,
        opportunity_stage,
        task_status,
        lead_history,
        opportunity_history,
        business_hours,
        holiday,
    )
    objects = [build() for build in builders]
    return {obj.name: obj for obj in objects}
