"""A perf-only table: the reference workload's one INSERT lands here."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReferenceRecord(models.Model):
    """One row per reference request. The table exists to give the calibration
    workload a real, indexed write; nothing in the product reads it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    payload = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "sequence"], name="uniq_reference_owner_sequence")]

    def __str__(self) -> str:
        return f"{self.owner_id}#{self.sequence}"
