import pytest

from tests.unit.locks.capture import collecting


@pytest.fixture
def lock_events():
    with collecting() as collector:
        yield collector
