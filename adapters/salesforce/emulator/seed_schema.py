"""The org set-up a seeded org has: custom fields, lead statuses, users' queue, business hours.

How the CRM-neutral scenario is spelled in Salesforce (see :mod:`.seed` for the whole mapping):

- **Lead statuses** (LeadStatus rows, §12): the classic four plus values a customised org adds:
  ``Open - Not Contacted`` (default) ← new, ``Working - Contacted`` ← attempting,
  ``Working - Connected`` ← connected, ``Qualified`` ← qualified, ``Nurturing`` ← recycled,
  ``Unqualified`` ← disqualified (the rejected value of the validation rule), ``Closed - Converted``
  (IsConverted), ``Closed - Not Converted`` (kept, unused).
- **Lifecycle stages**: the custom picklist ``Lifecycle_Stage__c`` on Lead and Contact (Subscriber,
  Lead, MQL, SAL, SQL, Opportunity, Customer, Evangelist, Other) with stage-date fields
  ``MQL_Date__c`` … ``Customer_Date__c``; Salesforce has no standard lifecycle stage.
- **Fit**: ``Industry`` holds a value of the standard picklist (:data:`INDUSTRY_VALUES`:
  ``Technology`` for software); ``Country`` (``BillingCountry``, ``MailingCountry``) the country's
  name ("United States", not ``US``), as a text address field or a State and Country picklist has.
- **Rejection reason**: the custom picklist ``Rejection_Reason__c`` on Lead (§12: no standard
  field), placeholders included as they are in real orgs.
- **Marketing fields** on Lead and Contact: ``Page_Views__c``, ``Form_Submissions__c``,
  ``Email_Clicks__c``, ``Last_Click_Date__c``, ``Recent_Conversion_Date__c``,
  ``Last_Visit_Date__c`` (empty) and the formula ``Email_Domain__c`` (what
  ``config.salesforce.toml`` scores on).
- **The connector's fields**, as an admin creates them from ``docs/salesforce.md``: on Lead and
  Contact ``Smarketing_Score__c`` Number(3,0), ``Smarketing_Score_Explanation__c`` Long Text
  Area(1000), ``Smarketing_SLA_Status__c`` Text(20), ``Smarketing_SLA_Due__c`` Date/Time; on Task
  ``Smarketing_Key__c`` Text(64), never External ID or Unique (§0.4), and ``Smarketing_Due__c``
  Date/Time. The names are the Salesforce adapter's defaults (``adapters/salesforce/schema.py``).
  ``connector_fields=False`` leaves them out: an org where ``smarketing setup`` creates them
  through the emulator's Tooling API (:mod:`.tooling`), as it would in an org whose admin has not.
"""

from __future__ import annotations

from datetime import time

from adapters.scenario import PLACEHOLDER_REASONS, REJECTION_REASONS, Industry
from rules.model import LeadStatus, Stage

from .fields import number, picklist, text, typed
from .metadata import LeadStatusSpec, set_business_hours, set_lead_statuses
from .org import Org
from .schema import FieldDef, FieldType

T = FieldType
STAGE_LABELS: dict[Stage, str] = {
    Stage.SUBSCRIBER: "Subscriber",
    Stage.LEAD: "Lead",
    Stage.MQL: "MQL",
    Stage.SAL: "SAL",
    Stage.SQL: "SQL",
    Stage.OPPORTUNITY: "Opportunity",
    Stage.CUSTOMER: "Customer",
    Stage.EVANGELIST: "Evangelist",
    Stage.OTHER: "Other",
}
STAGE_DATE_FIELDS: dict[Stage, str] = {
    Stage.MQL: "MQL_Date__c",
    Stage.SAL: "SAL_Date__c",
    Stage.SQL: "SQL_Date__c",
    Stage.OPPORTUNITY: "Opportunity_Date__c",
    Stage.CUSTOMER: "Customer_Date__c",
}
STATUS_VALUES: dict[LeadStatus, str] = {
    LeadStatus.NEW: "Open - Not Contacted",
    LeadStatus.ATTEMPTING: "Working - Contacted",
    LeadStatus.CONNECTED: "Working - Connected",
    LeadStatus.QUALIFIED: "Qualified",
    LeadStatus.RECYCLED: "Nurturing",
    LeadStatus.DISQUALIFIED: "Unqualified",
}
CONVERTED_STATUS = "Closed - Converted"
INDUSTRY_VALUES: dict[Industry, str] = {
    Industry.SOFTWARE: "Technology",
    # The picklist is coarser than HubSpot's: IT service firms (integrators, outsourcers) are
    # commonly filed under Consulting, which leaves Technology to software and hardware makers.
    Industry.IT_SERVICES: "Consulting",
    Industry.FINANCIAL_SERVICES: "Finance",
    Industry.MARKETING: "Media",  # no marketing or advertising value
    Industry.MANUFACTURING: "Manufacturing",
    Industry.RETAIL: "Retail",
    Industry.HEALTHCARE: "Healthcare",
    Industry.EDUCATION: "Education",
    Industry.LOGISTICS: "Transportation",
    Industry.TELECOMMUNICATIONS: "Telecommunications",
    Industry.REAL_ESTATE: "Other",  # no real-estate value
    Industry.MEDIA: "Media",
    Industry.ENERGY: "Energy",
    Industry.NON_PROFIT: "Not For Profit",
}
"""Scenario industries → values of the standard Industry picklist (:data:`.catalog.INDUSTRIES`)."""
ORG_LEAD_STATUSES = (
    LeadStatusSpec("Open - Not Contacted", default=True),
    LeadStatusSpec("Working - Contacted"),
    LeadStatusSpec("Working - Connected"),
    LeadStatusSpec("Qualified"),
    LeadStatusSpec("Nurturing"),
    LeadStatusSpec("Unqualified"),
    LeadStatusSpec(CONVERTED_STATUS, converted=True),
    LeadStatusSpec("Closed - Not Converted"),
)
QUEUE_NAME = "Marketing Queue"
ORG_TIMEZONE = "Europe/Kyiv"
OFFICE_HOURS = (time(9), time(17))


def _people_fields() -> list[FieldDef]:
    stage = picklist("Lifecycle_Stage__c", STAGE_LABELS.values())
    dates = [typed(name, T.DATETIME) for name in STAGE_DATE_FIELDS.values()]
    engagement = [
        number("Score__c", T.DOUBLE, 3),
        number("Page_Views__c", T.DOUBLE, 18),
        number("Form_Submissions__c", T.DOUBLE, 18),
        number("Email_Clicks__c", T.DOUBLE, 18),
        typed("Last_Click_Date__c", T.DATETIME),
        typed("Recent_Conversion_Date__c", T.DATETIME),
        # Filled by marketing automation in a real org; the scenario records no visits, so it
        # stays empty, as HubSpot's hs_analytics_last_visit_timestamp does in its emulator.
        typed("Last_Visit_Date__c", T.DATETIME),
        # Salesforce has no email-domain field: orgs add a formula (docs/salesforce.md). Here it is
        # plain text, so lead conversion copies it to the Contact as it copies mapped fields.
        text("Email_Domain__c", 255),
    ]
    return [stage, *dates, *engagement]


def _connector_fields() -> list[FieldDef]:
    # A Long Text Area is a ``textarea`` in describe, with its own length (not Text's 255 cap).
    explanation = FieldDef("Smarketing_Score_Explanation__c", T.TEXTAREA, length=1_000)
    return [
        number("Smarketing_Score__c", T.DOUBLE, 3),
        explanation,
        text("Smarketing_SLA_Status__c", 20),
        typed("Smarketing_SLA_Due__c", T.DATETIME),
    ]


def define_custom_fields(org: Org, *, connector_fields: bool = True) -> None:
    """Add the custom fields the scenario uses, and the connector's unless told not to
    (idempotent)."""
    reasons = [*REJECTION_REASONS, *(p for p in PLACEHOLDER_REASONS if p)]
    ours = _connector_fields() if connector_fields else []
    people = [*_people_fields(), *ours]
    lead = [*people, picklist("Rejection_Reason__c", reasons)]
    task = [text("Smarketing_Key__c", 64), typed("Smarketing_Due__c", T.DATETIME)]
    for object_name, fields in (
        ("Lead", lead),
        ("Contact", people),
        ("Task", task if connector_fields else []),
    ):
        for definition in fields:
            org.add_field(object_name, definition)


def define_org(org: Org, *, connector_fields: bool = True) -> str:
    """Statuses, business hours and the queue of a seeded org; returns the queue's id.

    ``connector_fields=False`` leaves out the fields the connector writes (module docstring).
    """
    define_custom_fields(org, connector_fields=connector_fields)
    set_lead_statuses(org, ORG_LEAD_STATUSES)
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    set_business_hours(org, ORG_TIMEZONE, dict.fromkeys(days, OFFICE_HOURS))
    queue = org.insert_raw(
        "Group", {"Name": QUEUE_NAME, "DeveloperName": "Marketing_Queue", "Type": "Queue"}
    )
    return str(queue["Id"])
