"""The vocabulary of the scenario: names, companies, titles, sources, and how to draw from them.

Data only, plus :class:`Weighted` and the value types :class:`Industry` and :class:`Country`.
Names are ASCII, so they make valid e-mail local parts as is.
Company domains use the reserved ``.example`` top-level domain (RFC 2606) so that no seeded address
can ever reach a real mailbox, even if someone seeds a real CRM sandbox with the scenario.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Weighted(Generic[T]):
    """Values with relative weights; :meth:`pick` draws one with a single ``random()`` call."""

    values: tuple[T, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, float]]) -> Weighted[T]:
        """Build from ``(value, weight)`` pairs; weights need not sum to one."""
        return cls(tuple(v for v, _ in pairs), tuple(accumulate(w for _, w in pairs)))

    def pick(self, rng: Random) -> T:
        """One value, drawn in proportion to its weight."""
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def pick_one(rng: Random, values: Sequence[T]) -> T:
    """A uniformly drawn element with one ``random()`` call: several times cheaper than
    ``Random.choice``, which counts when people are drawn by the hundred thousand."""
    return values[int(rng.random() * len(values))]


@dataclass(frozen=True, slots=True)
class Trait:
    """A job title or a traffic source, and how much likelier than average its people are MQLs."""

    name: str
    fit: float


FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Oksana", "Olena", "Iryna", "Kateryna", "Maria", "Sofia", "Emma", "Olivia", "Lena",
    "Julia", "Laura", "Sarah", "Hannah", "Claire", "Agnieszka", "Marta", "Chloe", "Ingrid", "Lucia",
    "Priya", "Aisha", "Grace", "Nora", "Eva", "Andrii", "Oleksandr", "Dmytro", "Taras", "Mykola",
    "Lukas", "Jonas", "Felix", "Maximilian", "Piotr", "Tomasz", "James", "John", "Michael", "David",
    "Daniel", "Thomas", "Pierre", "Louis", "Lars", "Erik", "Marco", "Pablo", "Arjun", "Noah",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boyko",
    "Lysenko", "Moroz", "Savchenko", "Mueller", "Schmidt", "Schneider", "Fischer", "Weber",
    "Wagner", "Becker", "Hoffmann", "Nowak", "Kowalski", "Wisniewski", "Wojcik", "Smith", "Johnson",
    "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Anderson", "Clark",
    "Walker", "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Jansen", "deVries", "Bakker",
    "Visser", "Andersson", "Johansson", "Nilsson", "Rossi", "Russo", "Bianchi", "Garcia",
    "Fernandez", "Lopez", "Sharma", "Patel", "Gupta", "Murphy", "Kelly", "Campbell", "Stewart",
    "Young",
)  # fmt: skip

COMPANY_WORDS: tuple[tuple[str, ...], ...] = (
    (
        "Blue", "North", "Silver", "Bright", "Green", "Swift", "Clear", "Iron", "Red", "Urban",
        "Grand", "Prime", "Bold", "Quiet", "Rapid", "Golden", "Open", "True", "Deep", "Wide",
        "Solid", "Smart", "Lucky", "Noble", "Sunny", "Cobalt", "Amber", "Polar", "Coral", "Crystal",
        "Stone", "Cedar", "Maple", "Oak", "River", "Summit", "Harbor", "Meadow", "Falcon", "Orbit",
    ),
    (
        "Peak", "Wave", "Bridge", "Field", "Forge", "Gate", "Path", "Point", "Line", "Labs",
        "Works", "Hub", "Stack", "Cloud", "Signal", "Pixel", "Vector", "Matrix", "Logic", "Craft",
        "Nest", "Spark", "Shift", "Scale", "Loop", "Grid", "Tide", "Ridge", "Trail", "Beacon",
        "Anchor", "Arrow", "Bloom", "Canyon", "Delta", "Echo", "Flux", "Harvest", "Lantern", "Mill",
        "Pine", "Quarry", "Rocket", "Sail", "Thread", "Vale", "Willow", "Yard", "Zenith", "Atlas",
    ),
    (
        "Analytics", "Software", "Systems", "Solutions", "Group", "Partners", "Digital",
        "Logistics", "Health", "Finance", "Media", "Robotics", "Energy", "Retail", "Consulting",
        "Security", "Foods", "Education", "Travel", "Manufacturing", "Insurance", "Technologies",
        "Networks", "Studio", "Ventures",
    ),
)  # fmt: skip
"""Three word lists; a company name takes one word from each (50,000 distinct names)."""


class Industry(StrEnum):
    """A company's industry, in the scenario's own words; each emulator spells it as its CRM does
    (HubSpot's ``COMPUTER_SOFTWARE``, Salesforce's ``Technology``)."""

    SOFTWARE = "Software"
    IT_SERVICES = "IT Services"
    FINANCIAL_SERVICES = "Financial Services"
    MARKETING = "Marketing & Advertising"
    MANUFACTURING = "Manufacturing"
    RETAIL = "Retail"
    HEALTHCARE = "Healthcare"
    EDUCATION = "Education"
    LOGISTICS = "Logistics"
    TELECOMMUNICATIONS = "Telecommunications"
    REAL_ESTATE = "Real Estate"
    MEDIA = "Media"
    ENERGY = "Energy"
    NON_PROFIT = "Non-profit"


INDUSTRIES: Weighted[Industry] = Weighted.of(
    [
        (Industry.SOFTWARE, 20), (Industry.IT_SERVICES, 12), (Industry.FINANCIAL_SERVICES, 10),
        (Industry.MARKETING, 9), (Industry.MANUFACTURING, 8), (Industry.RETAIL, 7),
        (Industry.HEALTHCARE, 7), (Industry.EDUCATION, 5), (Industry.LOGISTICS, 5),
        (Industry.TELECOMMUNICATIONS, 4), (Industry.REAL_ESTATE, 4), (Industry.MEDIA, 4),
        (Industry.ENERGY, 3), (Industry.NON_PROFIT, 2),
    ]
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Country:
    """A country by its ISO 3166-1 alpha-2 code and its English name.

    Both CRMs spell a country by its name: HubSpot's ``country`` is text people type, and
    Salesforce's ``Country`` is text too, or with State and Country Picklists the picklist's label
    ("United States", its code ``US`` going to ``CountryCode``). So the name is kept here, once.
    """

    code: str
    name: str


COUNTRIES: Weighted[Country] = Weighted.of(
    [
        (Country("US", "United States"), 30), (Country("DE", "Germany"), 12),
        (Country("GB", "United Kingdom"), 10), (Country("UA", "Ukraine"), 8),
        (Country("PL", "Poland"), 7), (Country("FR", "France"), 6),
        (Country("NL", "Netherlands"), 5), (Country("CA", "Canada"), 5),
        (Country("SE", "Sweden"), 4), (Country("ES", "Spain"), 4), (Country("IT", "Italy"), 3),
        (Country("AU", "Australia"), 3), (Country("IN", "India"), 3),
    ]
)  # fmt: skip

COMPANY_SIZES: Weighted[tuple[int, int]] = Weighted.of(
    [((1, 10), 15), ((11, 50), 27), ((51, 200), 25), ((201, 1000), 18), ((1001, 5000), 10),
     ((5001, 50000), 5)]
)  # fmt: skip
"""Employee-count bands (inclusive) and their share of companies."""

ENTERPRISE_EMPLOYEES = 1000
"""Companies above this size are worked by the Enterprise team, the rest by SMB."""

TITLES: Weighted[Trait] = Weighted.of(
    [
        (Trait("CEO", 1.3), 4), (Trait("Founder", 1.3), 3), (Trait("VP Marketing", 1.8), 5),
        (Trait("Head of Growth", 1.6), 4), (Trait("Marketing Manager", 1.3), 12),
        (Trait("Demand Generation Manager", 1.6), 5),
        (Trait("Marketing Operations Manager", 1.7), 5),
        (Trait("Sales Director", 1.4), 5), (Trait("Sales Operations Analyst", 1.2), 5),
        (Trait("CRM Administrator", 1.1), 5), (Trait("Content Marketer", 0.8), 8),
        (Trait("Software Engineer", 0.4), 10), (Trait("Consultant", 0.7), 8),
        (Trait("Data Analyst", 0.6), 7), (Trait("Office Manager", 0.3), 5),
        (Trait("Student", 0.2), 4), (Trait("Intern", 0.2), 2),
    ]
)  # fmt: skip

SOURCES: Weighted[Trait] = Weighted.of(
    [
        (Trait("ORGANIC_SEARCH", 1.0), 28), (Trait("PAID_SEARCH", 1.2), 16),
        (Trait("EMAIL_MARKETING", 0.9), 12), (Trait("SOCIAL_MEDIA", 0.6), 12),
        (Trait("REFERRALS", 1.8), 8), (Trait("DIRECT_TRAFFIC", 1.0), 16),
        (Trait("OFFLINE", 1.1), 8),
    ]
)  # fmt: skip
"""HubSpot's original-source values, used as neutral labels. OFFLINE people came from imports
(event badge scans), so they need not have filled in any form."""


def mean_fit(table: Weighted[Trait]) -> float:
    """The weighted mean fit of a table, to normalise fit so that it does not move the MQL rate."""
    cumulative = table.cumulative
    weights = [b - a for a, b in zip((0.0, *cumulative[:-1]), cumulative, strict=True)]
    return sum(v.fit * w for v, w in zip(table.values, weights, strict=True)) / sum(weights)
