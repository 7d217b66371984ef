from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from config.errors import Conflict
from perf.models import ReferenceRecord
from perf.selectors import reference_record_last_sequence


@transaction.atomic
def reference_record_create(*, owner: User, payload: str) -> ReferenceRecord:
    """The reference workload: exactly one SELECT and one INSERT.

    It is the calibration yardstick of the SLO guard (docs/perf.md), so it must stay
    this small and this stable: do not add queries here. Two concurrent calls by one
    owner may pick the same sequence; the unique constraint turns that into a 409.
    """
    sequence = reference_record_last_sequence(owner=owner) + 1
    try:
        # No savepoint: the failed INSERT ends the service, so the whole transaction
        # rolls back, and the yardstick stays at two statements plus BEGIN/COMMIT.
        return ReferenceRecord.objects.create(owner=owner, sequence=sequence, payload=payload)
    except IntegrityError:
        raise Conflict("A concurrent reference write took this sequence.", code="sequence_taken") from None
