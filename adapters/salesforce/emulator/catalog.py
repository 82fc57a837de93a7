"""The standard objects the connector reads and writes, with their standard fields (§12).

Custom fields (``__c``) are not here: the seed and tests add them to a running org
(:meth:`~.org.Org.add_field`). Status-like picklists (Lead ``Status``, Opportunity ``StageName``,
Task ``Status``) start with the classic defaults and follow the LeadStatus, OpportunityStage and
TaskStatus rows the org holds (:mod:`.metadata`).
"""

from __future__ import annotations

from .fields import flag, names, number, picklist, readonly, ref, system_fields, text, typed
from .schema import FieldDef, FieldType, ObjectDef

T = FieldType

LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
"""Classic defaults (§12); the first is the default, ``Closed - Converted`` is IsConverted."""
OPPORTUNITY_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
"""Default stages from Prospecting to Closed Won/Lost (§12: the exact list is UNCONFIRMED)."""
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
"""Default task statuses (§12); ``Completed`` is the closed one."""
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit", "Other",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities",
)  # fmt: skip
"""The Industry picklist of a new org: the standard value set ``Industry``, which Lead and Account
share (orgs edit it; these are the values Salesforce ships)."""


def _address(prefix: str = "") -> list[FieldDef]:
    """The parts of a compound address as describe lists them (``MailingStreet``, ...)."""
    return [
        FieldDef(f"{prefix}Street", T.TEXTAREA, length=255),
        text(f"{prefix}City", 40),
        text(f"{prefix}State", 80),
        text(f"{prefix}PostalCode", 20),
        text(f"{prefix}Country", 80),
    ]


def _people_common() -> list[FieldDef]:
    return [
        *names(),
        text("Title", 128),
        typed("Email", T.EMAIL),
        typed("Phone", T.PHONE),
        picklist("LeadSource", LEAD_SOURCES),
        readonly(typed("LastActivityDate", T.DATE)),
    ]


def lead() -> ObjectDef:
    """Lead (§12): LastName and Company required; conversion fields are read-only."""
    return ObjectDef.build(
        "Lead",
        "00Q",
        [
            *system_fields(),
            readonly(ref("MasterRecordId", "Lead")),
            *_people_common(),
            text("Company", 255, required=True),
            *_address(),
            typed("Website", T.URL),
            picklist("Industry", INDUSTRIES),
            number("NumberOfEmployees", T.INT, 8),
            number("AnnualRevenue", T.CURRENCY, 18),
            picklist(
                "Status", LEAD_STATUSES, default=LEAD_STATUSES[0], restricted=True, required=True
            ),
            ref("OwnerId", "Group", "User", relationship="Owner"),
            readonly(flag("IsConverted")),
            readonly(typed("ConvertedDate", T.DATE)),
            readonly(ref("ConvertedAccountId", "Account")),
            readonly(ref("ConvertedContactId", "Contact")),
            readonly(ref("ConvertedOpportunityId", "Opportunity")),
            flag("IsUnreadByOwner"),
        ],
    )


def contact() -> ObjectDef:
    """Contact (§12): LastName required."""
    return ObjectDef.build(
        "Contact",
        "003",
        [
            *system_fields(),
            readonly(ref("MasterRecordId", "Contact")),
            ref("AccountId", "Account"),
            *_people_common(),
            text("Department", 80),
            *_address("Mailing"),
            ref("OwnerId", "User", relationship="Owner"),
        ],
    )


def account() -> ObjectDef:
    """Account: Name required; the company fields a converted Lead fills (:mod:`.conversion`)."""
    return ObjectDef.build(
        "Account",
        "001",
        [
            *system_fields(),
            readonly(ref("MasterRecordId", "Account")),
            text("Name", 255, required=True),
            picklist("Type", ("Prospect", "Customer - Direct", "Customer - Channel", "Other")),
            picklist("Industry", INDUSTRIES),
            typed("Website", T.URL),
            number("NumberOfEmployees", T.INT, 8),
            number("AnnualRevenue", T.CURRENCY, 18),
            *_address("Billing"),
            ref("OwnerId", "User", relationship="Owner"),
            readonly(typed("LastActivityDate", T.DATE)),
        ],
    )


def opportunity() -> ObjectDef:
    """Opportunity (§12): Name, StageName, CloseDate required; IsClosed/IsWon derived."""
    return ObjectDef.build(
        "Opportunity",
        "006",
        [
            *system_fields(),
            ref("AccountId", "Account"),
            text("Name", 120, required=True),
            picklist("StageName", OPPORTUNITY_STAGES, restricted=True, required=True),
            number("Amount", T.CURRENCY, 16, 2),
            number("Probability", T.PERCENT, 3),
            readonly(number("ExpectedRevenue", T.CURRENCY, 16, 2)),
            typed("CloseDate", T.DATE, required=True),
            picklist(
                "Type",
                ("New Business", "Existing Customer - Upgrade", "Existing Customer - Replacement"),
            ),
            picklist("LeadSource", LEAD_SOURCES),
            readonly(flag("IsClosed")),
            readonly(flag("IsWon")),
            readonly(
                picklist(
                    "ForecastCategory", ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed")
                )
            ),
            readonly(
                picklist(
                    "ForecastCategoryName", ("Omitted", "Pipeline", "Best Case", "Commit", "Closed")
                )
            ),
            ref("OwnerId", "User", relationship="Owner"),
            readonly(typed("LastActivityDate", T.DATE)),
        ],
    )


def task() -> ObjectDef:
    """Task (§12): ActivityDate is a date; Who is a Lead or Contact, What anything else."""
    return ObjectDef.build(
        "Task",
        "00T",
        [
            *system_fields(),
            ref("WhoId", "Contact", "Lead", relationship="Who"),
            ref("WhatId", "Account", "Opportunity", relationship="What"),
            typed("Subject", T.COMBOBOX),
            typed("ActivityDate", T.DATE),
            picklist(
                "Status", TASK_STATUSES, default=TASK_STATUSES[0], restricted=True, required=True
            ),
            picklist("Priority", ("High", "Normal", "Low"), default="Normal", required=True),
            readonly(flag("IsHighPriority")),
            ref("OwnerId", "User", "Group", relationship="Owner"),
            typed("Description", T.TEXTAREA),
            picklist("Type", ("Call", "Email", "Meeting", "Other")),
            readonly(flag("IsClosed")),
            readonly(ref("AccountId", "Account")),
            picklist("TaskSubtype", ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")),
            readonly(typed("CompletedDateTime", T.DATETIME)),
            typed("ReminderDateTime", T.DATETIME),
            flag("IsReminderSet"),
        ],
        activity=True,
    )
