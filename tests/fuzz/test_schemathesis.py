"""Schemathesis over every operation of /api/schema/, in-process (WSGI), as a staff user.

Two properties, for generated valid and invalid input alike: no 5xx, ever; and every
response whose status the schema documents matches the documented body and content
type. Undocumented 4xx statuses (the {code, detail} errors) are allowed: they are the
API refusing bad input, which is the point. ~1-2 minutes: FUZZ_MAX_EXAMPLES tunes it.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "30"))


@pytest.fixture
def staff_headers(db):
    """A staff user (organizer rights) so admin-only operations are fuzzed past the 403."""
    user = factories.user(username="fuzzer", is_staff=True)
    return {"Authorization": f"Token {user.auth_token.key}"}


@pytest.fixture
def test_transaction_kept():
    """Keep the test's connection across requests, as Django's own test client does.

    The WSGI app closes "old" connections around each request; with a pooled
    PostgreSQL connection that would hand the test's open transaction back to the pool.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_matches_its_schema(case, staff_headers, test_transaction_kept):
    case.call_and_validate(headers=staff_headers, checks=CHECKS)
