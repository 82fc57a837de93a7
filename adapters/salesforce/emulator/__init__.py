"""A stateful local Salesforce REST API emulator, faithful to ``shared/crm/salesforce-api.md``.

Section numbers (§) in this package refer to that fact sheet; §18 is its fidelity checklist.

Start it and talk to it over TLS::

    with SalesforceEmulator(EmulatorOptions()) as emu:       # https://127.0.0.1:<ephemeral port>
        session = requests.Session()
        session.verify = emu.ca_bundle_path                  # trust the start-up CA (trustme)
        session.trust_env = False                            # see the note below
        sf = Salesforce(instance_url=emu.instance_url, session_id=emu.token,
                        session=session, version="59.0")
        sf.query("SELECT Id, Owner.Name FROM Lead")

simple-salesforce always builds ``https://`` URLs (§13), hence TLS: at start-up a throw-away CA
issues a certificate for 127.0.0.1 and localhost; ``emu.ca_bundle_path`` is the CA's PEM file (in a
private temporary directory, deleted on stop). A client trusts it either with
``requests.Session().verify = emu.ca_bundle_path`` passed as ``Salesforce(session=...)``, or with
the environment variable ``REQUESTS_CA_BUNDLE=<ca path>``. **Note:** requests lets
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override ``session.verify`` (requests#3829), so when those
are set (many CI images set them) also set ``session.trust_env = False``, or point the variable at
the emulator's CA. ``emu.session()`` does all of this and also forwards ``*.salesforce.com`` to the
emulator, so the OAuth logins of simple-salesforce work too (§2)::

    sf = Salesforce(consumer_key=..., consumer_secret=..., domain="acme.my", session=emu.session())

Without sockets, :func:`~.wsgi.in_process_session` answers every ``https://`` request in-process
(simple-salesforce), and :func:`~.wsgi.build_wsgi` serves ``httpx.WSGITransport`` (§0.1, §18.9).
For a standalone process: ``serve(port, seed, records)`` (:mod:`.standalone`) prints the URL, the CA
file and a session id.

**Lifecycle stages** have no standard Salesforce field: a seeded org carries them in the custom
picklist ``Lifecycle_Stage__c`` on Lead and Contact (Subscriber … Evangelist) with the entry dates
``MQL_Date__c``, ``SAL_Date__c``, ``SQL_Date__c``, ``Opportunity_Date__c``, ``Customer_Date__c``;
``Status`` carries the sales status (LeadStatus rows, §12), ``Rejection_Reason__c`` the reason. A
person converts when their first deal is created; later stages live on the Contact (:mod:`.seed`).

Module map:

- running: ``server`` (TLS uvicorn thread) · ``tls`` (trustme) · ``asgi`` · ``wsgi`` (in-process)
  · ``client`` (trusting, login-forwarding session) · ``standalone`` (``serve``)
- request cycle: ``router`` (route table) · ``http`` (runtime, guard: session → allocation →
  fault) · ``routes/`` (``query``, ``sobjects``, ``collections``, ``composite``, ``replication``,
  ``meta``, ``tooling``) · ``render`` · ``describe`` · ``cursors`` · ``auth`` (sessions, OAuth) ·
  ``limits`` · ``faults`` · ``errors``
- SOQL: ``soql/`` (``lexer`` → ``parser`` → ``ast``; ``bind``, ``evaluate``, ``plan``, ``dates``)
- state: ``org`` · ``store`` (rows and indexes) · ``schema``, ``fields``, ``catalog``,
  ``catalog_setup`` (objects and fields) · ``metadata`` (statuses, business hours) · ``ids`` ·
  ``timefmt``
- saving: ``writes`` · ``values`` · ``checks`` · ``derive`` · ``history`` · ``conversion`` ·
  ``tooling`` (custom fields created through the Tooling API)
- seeding: ``seed`` · ``seed_schema`` · ``seed_loader`` · ``seed_sales``
- configuration: ``options`` (switches for every UNCONFIRMED fact) · ``clock``
"""

from __future__ import annotations

from .clock import ManualClock
from .conversion import Conversion, convert_lead, merge
from .options import Behaviour, ClientSpec, EmulatorOptions, FaultKind, Faults, Limits, TokenSpec
from .org import Org
from .seed import seeded_org
from .seed_schema import define_custom_fields, define_org
from .server import SalesforceEmulator
from .standalone import serve
from .writes import Actor
from .wsgi import build_wsgi, in_process_session

__all__ = [
    "Actor",
    "Behaviour",
    "ClientSpec",
    "Conversion",
    "EmulatorOptions",
    "FaultKind",
    "Faults",
    "Limits",
    "ManualClock",
    "Org",
    "SalesforceEmulator",
    "TokenSpec",
    "build_wsgi",
    "convert_lead",
    "define_custom_fields",
    "define_org",
    "in_process_session",
    "merge",
    "seeded_org",
    "serve",
]
