"""Fixtures: one emulator server per test session, reset to fresh state and options per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from adapters.hubspot.emulator import (
    EmulatorOptions,
    HubSpotEmulator,
    ManualClock,
    ObjectType,
    Owner,
    RateLimits,
    Team,
)
from adapters.hubspot.emulator.writes import create


@pytest.fixture(scope="session")
def server() -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator() as emulator:
        yield emulator


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emu(server: HubSpotEmulator, clock: ManualClock) -> HubSpotEmulator:
    """The shared server with a fresh portal, unlimited buckets and the manual clock."""
    server.reset(
        EmulatorOptions(limits=RateLimits.unlimited(), now=clock.now, monotonic=clock.monotonic)
    )
    server.state.add_owners(
        [
            Owner("41629779", "ann@seller.example", "Ann", "Rep", 9001, (Team("7", "SMB"),)),
            Owner("41629780", "bob@seller.example", "Bob", "Rep", 9002),
        ]
    )
    return server


def configure(emulator: HubSpotEmulator, **changes: Any) -> None:
    """Reset with some option fields replaced (limits, faults, tokens, behaviour)."""
    emulator.reset(replace(emulator.runtime.options, **changes))


@pytest.fixture
def http(emu: HubSpotEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {emu.token}"}
    with httpx.Client(base_url=emu.base_url, headers=headers, timeout=5) as client:
        yield client


def make_contacts(emulator: HubSpotEmulator, count: int, **props: str) -> list[int]:
    """Create contacts through the write path; ``email`` gets a running number."""
    ids = []
    for index in range(count):
        values = {"email": f"person{index}@example.com", **props}
        ids.append(create(emulator.state, ObjectType.CONTACTS, values).id)
    return ids
