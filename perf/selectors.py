from __future__ import annotations

from django.contrib.auth.models import User

from perf.models import ReferenceRecord


def reference_record_last_sequence(*, owner: User) -> int:
    """The owner's highest sequence (0 when none): one indexed SELECT."""
    last = ReferenceRecord.objects.filter(owner=owner).order_by("-sequence").values_list("sequence", flat=True).first()
    return last or 0
