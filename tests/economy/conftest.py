from __future__ import annotations

import pytest

from economy.services import treasury_get


@pytest.fixture
def treasury(db):
    """The treasury exists up front so that query counts measure the steady state."""
    return treasury_get()
