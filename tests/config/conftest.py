import itertools

import pytest
from django.core.cache import cache

_addresses = (f"198.51.100.{n}" for n in itertools.cycle(range(1, 255)))


@pytest.fixture
def throttle_rates(settings):
    """Switch throttling on (tests run with it off) and start from empty counters."""

    def apply(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"auth": None, "transfers": None, "tickets": None, **rates},
        }

    cache.clear()
    yield apply
    cache.clear()


@pytest.fixture
def client_ip():
    """A client address of its own per test, so counters never leak between tests."""
    return next(_addresses)
