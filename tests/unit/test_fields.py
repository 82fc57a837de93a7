"""The fields adapters request are exactly those the rules read."""

from __future__ import annotations

from pathlib import Path

from connector.config import load_config
from connector.fields import fields_used

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_rules_read_these_fields() -> None:
    fields = fields_used(load_config(ROOT / "config.toml").ruleset)
    assert "jobtitle" in fields
    assert "hs_sa_first_engagement_date" in fields  # a touch signal
    assert "smarketing_rejection_reason" in fields  # the rejection reason
    assert "recent_conversion_date" in fields  # a decay timestamp
    assert "hs_v2_date_entered_marketingqualifiedlead" in fields  # a stage date
    assert "email" not in fields  # mapped by every adapter itself
    assert list(fields) == sorted(set(fields))
