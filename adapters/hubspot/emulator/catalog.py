"""The standard properties of each object type, as tables (fact sheet §2, §5, §7, §8, §10, §11).

Server-maintained and calculated properties are ``read_only_value``: writing them is a 400 (§19.4).
Stage-date properties are generated from the lifecycle stages and the deal stages.
"""

from __future__ import annotations

from collections.abc import Iterable

from .objects import ObjectType
from .pipelines import DEFAULT_PIPELINE, Pipeline
from .schema import Option, PropertyDef, PropertyGroup, PropertyRegistry, PropertyType, registry_of

STRING, NUMBER, DATETIME, DATE, ENUM, BOOL = (
    PropertyType.STRING,
    PropertyType.NUMBER,
    PropertyType.DATETIME,
    PropertyType.DATE,
    PropertyType.ENUMERATION,
    PropertyType.BOOL,
)

LIFECYCLE_STAGES: tuple[tuple[str, str], ...] = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)
"""Default lifecycle stages in funnel order (§10); portals may add numeric-id stages."""

LEAD_STATUSES: tuple[str, ...] = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
"""Default ``hs_lead_status`` options (§10)."""

TASK_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "DEFERRED", "COMPLETED")
TASK_PRIORITIES = ("NONE", "LOW", "MEDIUM", "HIGH")
TASK_TYPES = ("EMAIL", "CALL", "TODO")
ANALYTICS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    "PAID_SOCIAL",
)
EMPLOYEE_RANGES = ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")


def _options(values: Iterable[str] | Iterable[tuple[str, str]]) -> tuple[Option, ...]:
    options: list[Option] = []
    for index, item in enumerate(values):
        value, label = (item, item.replace("_", " ").title()) if isinstance(item, str) else item
        options.append(Option(value, label, index))
    return tuple(options)


def _prop(
    name: str,
    type_: PropertyType,
    group: str,
    *,
    read_only: bool = False,
    options: tuple[Option, ...] = (),
    unique: bool = False,
    field_type: str | None = None,
) -> PropertyDef:
    default_field = {
        STRING: "text",
        NUMBER: "number",
        DATETIME: "date",
        DATE: "date",
        ENUM: "select",
        BOOL: "booleancheckbox",
    }
    return PropertyDef(
        name=name,
        label=name.replace("_", " ").title(),
        type=type_,
        field_type=field_type or default_field.get(type_, "text"),
        group_name=group,
        options=options,
        read_only_value=read_only,
        calculated=read_only and name.startswith(("hs_v2_", "hs_date_", "hs_lifecyclestage_")),
        has_unique_value=unique,
    )


def _stage_dates(stage_ids: Iterable[str], group: str, legacy: str) -> list[PropertyDef]:
    props: list[PropertyDef] = []
    for stage in stage_ids:
        props.append(_prop(legacy.format(stage=stage), DATETIME, group, read_only=True))
        for kind in ("entered", "exited"):
            props.append(_prop(f"hs_v2_date_{kind}_{stage}", DATETIME, group, read_only=True))
    return props


def _common(created: str, modified: str, group: str) -> list[PropertyDef]:
    return [
        _prop("hs_object_id", NUMBER, group, read_only=True),
        _prop(created, DATETIME, group, read_only=True),
        _prop(modified, DATETIME, group, read_only=True),
        _prop("hubspot_owner_id", ENUM, group),
    ]


def _lifecycle(group: str) -> list[PropertyDef]:
    stages = [stage for stage, _ in LIFECYCLE_STAGES]
    return [
        _prop(
            "lifecyclestage", ENUM, group, options=_options(LIFECYCLE_STAGES), field_type="radio"
        ),
        _prop("hs_lead_status", ENUM, group, options=_options(LEAD_STATUSES), field_type="radio"),
        *_stage_dates(stages, group, "hs_lifecyclestage_{stage}_date"),
    ]


def contact_properties() -> list[PropertyDef]:
    """Standard contact properties."""
    info, analytics = "contactinformation", "analyticsinformation"
    plain = ("firstname", "lastname", "company", "jobtitle", "website", "city", "state", "country")
    return [
        *_common("createdate", "lastmodifieddate", info),
        _prop("hs_lastmodifieddate", DATETIME, info, read_only=True),
        _prop("email", STRING, info, unique=True),
        *(_prop(name, STRING, info) for name in plain),
        _prop("phone", STRING, info, field_type="phonenumber"),
        _prop("industry", STRING, info),
        _prop("annualrevenue", STRING, info),
        _prop("numemployees", ENUM, info, options=_options(EMPLOYEE_RANGES)),
        *_lifecycle(info),
        _prop("hs_merged_object_ids", STRING, info, read_only=True),
        _prop("hs_calculated_merged_vids", STRING, info, read_only=True),
        _prop(
            "hs_analytics_source",
            ENUM,
            analytics,
            read_only=True,
            options=_options(ANALYTICS_SOURCES),
        ),
        _prop("hs_analytics_num_page_views", NUMBER, analytics, read_only=True),
        _prop("num_conversion_events", NUMBER, analytics, read_only=True),
        _prop("hs_email_last_click_date", DATETIME, analytics, read_only=True),
        _prop("recent_conversion_date", DATETIME, analytics, read_only=True),
        _prop("first_conversion_date", DATETIME, analytics, read_only=True),
        _prop("hs_sa_first_engagement_date", DATETIME, info, read_only=True),
        _prop("hs_last_sales_activity_timestamp", DATETIME, info, read_only=True),
        _prop("notes_last_contacted", DATETIME, info, read_only=True),
        _prop("num_associated_deals", NUMBER, info, read_only=True),
    ]


def company_properties() -> list[PropertyDef]:
    """Standard company properties."""
    info = "companyinformation"
    return [
        *_common("createdate", "hs_lastmodifieddate", info),
        *(_prop(name, STRING, info) for name in ("name", "domain", "website", "city", "country")),
        _prop("phone", STRING, info, field_type="phonenumber"),
        _prop("industry", STRING, info),
        _prop("numberofemployees", NUMBER, info),
        _prop("annualrevenue", NUMBER, info),
        *_lifecycle(info),
        _prop("hs_merged_object_ids", STRING, info, read_only=True),
    ]


def deal_properties(pipelines: Iterable[Pipeline]) -> list[PropertyDef]:
    """Standard deal properties; ``dealstage`` options and stage dates follow the pipelines (§7)."""
    info, stages_group = "dealinformation", "dealstages"
    pipelines = tuple(pipelines)
    stage_ids = [stage.id for pipeline in pipelines for stage in pipeline.stages]
    return [
        *_common("createdate", "hs_lastmodifieddate", info),
        _prop("dealname", STRING, info),
        _prop("amount", NUMBER, info),
        _prop("closedate", DATETIME, info),
        _prop("pipeline", ENUM, info, options=_options((p.id, p.label) for p in pipelines)),
        _prop("dealstage", ENUM, info, options=_options(stage_ids)),
        _prop("dealtype", ENUM, info, options=_options(("newbusiness", "existingbusiness"))),
        _prop("closed_lost_reason", STRING, info),
        _prop("hs_is_closed", BOOL, info, read_only=True),
        _prop("hs_is_closed_won", BOOL, info, read_only=True),
        _prop("hs_merged_object_ids", STRING, info, read_only=True),
        *_stage_dates(stage_ids, stages_group, "hs_date_entered_{stage}"),
    ]


def task_properties() -> list[PropertyDef]:
    """Standard task properties (§8)."""
    info = "taskinformation"
    return [
        *_common("hs_createdate", "hs_lastmodifieddate", info),
        _prop("hs_timestamp", DATETIME, info),
        _prop("hs_task_subject", STRING, info),
        _prop("hs_task_body", STRING, info, field_type="html"),
        _prop("hs_task_status", ENUM, info, options=_options(TASK_STATUSES)),
        _prop("hs_task_priority", ENUM, info, options=_options(TASK_PRIORITIES)),
        _prop("hs_task_type", ENUM, info, options=_options(TASK_TYPES)),
        _prop("hs_task_reminders", STRING, info),
        _prop("hs_task_completion_date", DATETIME, info, read_only=True),
    ]


_GROUPS: dict[ObjectType, tuple[tuple[str, str], ...]] = {
    ObjectType.CONTACTS: (
        ("contactinformation", "Contact information"),
        ("analyticsinformation", "Web analytics history"),
    ),
    ObjectType.COMPANIES: (("companyinformation", "Company information"),),
    ObjectType.DEALS: (("dealinformation", "Deal information"), ("dealstages", "Deal stages")),
    ObjectType.TASKS: (("taskinformation", "Task information"),),
}


def standard_registries(
    pipelines: Iterable[Pipeline] = (DEFAULT_PIPELINE,),
) -> dict[ObjectType, PropertyRegistry]:
    """Fresh registries with the standard groups and properties of every object type."""
    props = {
        ObjectType.CONTACTS: contact_properties(),
        ObjectType.COMPANIES: company_properties(),
        ObjectType.DEALS: deal_properties(pipelines),
        ObjectType.TASKS: task_properties(),
    }
    return {
        obj: registry_of(
            (PropertyGroup(name, label, order) for order, (name, label) in enumerate(_GROUPS[obj])),
            props[obj],
        )
        for obj in ObjectType
    }
