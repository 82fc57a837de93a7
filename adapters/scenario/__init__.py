"""A realistic, deterministic sales and marketing world to seed the CRM emulators with.

:func:`generate` is a pure function of ``(seed, people, now)``: one ``random.Random(seed)``, no
clock, no module-level state. It speaks in CRM-neutral terms (canonical :class:`~rules.model.Stage`,
:class:`~rules.model.LeadStatus`, :class:`~rules.model.ActivityKind`); each emulator expresses it
in its own CRM's spelling, so the HubSpot and Salesforce emulators hold the same world.

Choices, with the ranges of ``funnel-facts.md`` they follow. The rates are expectations: 100,000
people land within a point of each; 5,000 people within a few points (sampling noise).

- **Sales team** (:mod:`.owners`): a VP, an SMB and an Enterprise team with a manager each, 3-6
  reps per team growing with size; reps in Europe/Kyiv, Europe/Warsaw, Europe/Berlin,
  America/New_York or without a time zone. Companies of more than 1,000 employees go to Enterprise.
- **Creation**: everyone was created in the 90 days before ``now``, three times as many at the
  end of the window as at its start. About 1 % are outside the funnel (``other``).
- **Funnel** (:mod:`.people`, :mod:`.sales`): inquiry -> MQL 18 % (published 10-25 %), weighted
  by fit (job title, source) without moving the average; MQL -> SAL ~48 % (40-60 %); SAL -> SQL
  56 % (50-70 %), so MQL -> SQL ~27 % (inside the reported 5-40 % spread; the 13-22 % SaaS
  median is only reached at the low ends of the two ranges above); SQL -> opportunity 55 % and
  opportunity -> won 45 %, so SQL -> closed won ~25 % (20-30 %); 10 % of customers turn
  evangelist.
  Every timeline is strictly increasing and ends by ``now``: outcomes are drawn first and the MQL
  moment is then chosen early enough for them to happen (so the window does not censor them).
- **Office hours** (:mod:`.clock`): 80 % of MQLs arrive in Kyiv office hours (Mon-Fri 09-17),
  the rest in evenings, early mornings and weekends, when the business clock is stopped.
- **Speed to lead**: 15 % of MQLs are never touched (HBR 2011: 23 % of leads never answered).
  Of the touched, 10 % within 5 minutes, 35 % within the hour (38 % of all MQLs within an hour:
  HBR's 37 %), 30 % more within the 4-business-hour SLA, 10 % later that or the next business day
  and 15 % after 1-3 business days. Faster answers are accepted more often (HBR: ~7x likelier to
  qualify within the hour). A touch is a call or e-mail by the owner and a status change to
  attempting or connected; 10 % of touched out-of-hours MQLs get an eager rep within the hour.
  One MQL per 500 people (at least 3) arrived 5-225 business minutes before ``now`` and is still
  untouched, so a demo with a moving clock sees SLA clocks cross. 5 % of MQLs also get a review
  task from the team manager, which is not a touch by the owner.
- **Ownership**: every MQL and beyond has a rep of the team that serves its company; 8 % of
  earlier people already have one (named accounts), with status ``new``.
- **Rejections**: touched MQLs that sales does not accept, and SALs that do not become SQLs, are
  disqualified, recycled or still being worked; 70 % of disqualifications carry a reason from
  :data:`REJECTION_REASONS`, 15 % a placeholder from :data:`PLACEHOLDER_REASONS`, 15 % nothing.
- **Engagement**: page views, form submissions and e-mail clicks grow with the stage; the last
  click and the last conversion lie between creation and ``now``.
- **Deals** (:mod:`.deals`): every opportunity and customer has the deal that made them one (won
  when they became a customer), then expansions, renewals, pilots for qualified people up to
  ``deals_per_100_people``. Amounts are log-normal around 16,000 (SMB) and 48,000 (Enterprise):
  median ~15,000, mean ~20,000. With the published funnel only ~5 % of people reach SQL, so the
  default of 20 deals per 100 people means about four deals per qualified person; pass ~5 for
  one deal each.
"""

from adapters.scenario.generator import generate
from adapters.scenario.model import (
    DEAL_STAGES,
    PLACEHOLDER_REASONS,
    REJECTION_REASONS,
    Scenario,
    ScenarioActivity,
    ScenarioDeal,
    ScenarioOwner,
    ScenarioPerson,
)
from adapters.scenario.tables import Country, Industry

__all__ = [
    "DEAL_STAGES",
    "PLACEHOLDER_REASONS",
    "REJECTION_REASONS",
    "Country",
    "Industry",
    "Scenario",
    "ScenarioActivity",
    "ScenarioDeal",
    "ScenarioOwner",
    "ScenarioPerson",
    "generate",
]
