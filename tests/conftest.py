"""Suite-wide settings: property-based tests are derandomized so every run checks the same cases."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "smarketing",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("smarketing")
