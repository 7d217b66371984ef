"""Schemathesis, stateful: sequences of calls chained on the ids earlier answers returned.

Schemathesis infers the links from the schema (a POST answering a resource with an
``id`` feeds the operations that take that id in their path), so a sequence creates a
team and then reads it, creates a tournament and then opens it, instead of probing
random ids that answer 404. The same properties as the stateless run: never a 5xx, and
every documented answer matches the schema. As a staff user, so organizer-only
operations are reached past the 403. Each sequence starts from the same database (a
savepoint rolled back after it): Hypothesis replays sequences while shrinking and
needs them to see the same answers. FUZZ_STATEFUL_EXAMPLES / FUZZ_STATEFUL_STEPS tune it.
"""

import os
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings

from tests import factories
from tests.fuzz.test_schemathesis import CHECKS, schema, test_transaction_kept  # noqa: F401 - a fixture

MAX_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", "30"))
STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "10"))


@pytest.mark.django_db
def test_call_sequences_never_fail_and_match_the_schema(test_transaction_kept):  # noqa: F811
    token = factories.user(username="stateful-fuzzer", is_staff=True).auth_token.key
    answered: Counter[tuple[str, int]] = Counter()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response, case, **kwargs):
            answered[case.operation.label, response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )

    # The run chained calls: an operation addressed by an id from an earlier answer succeeded.
    chained = sorted(label for label, status in answered if "{" in label and 200 <= status < 300)
    assert chained, f"no linked operation succeeded: {sorted(answered)}"
