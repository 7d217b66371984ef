import pytest

from tests.core.capture import collecting


@pytest.fixture
def lock_events():
    with collecting() as collector:
        yield collector
