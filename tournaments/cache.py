"""The tournament metadata cache (issue 20): whole tournament rows by id, read through.

The Phase 5 report asked for a Redis cache of tournament metadata (name, status, max
participants) with a 5-minute TTL. Every read endpoint that shows a tournament serializes
its whole row, so the cache keeps whole rows: detail, list, the live page (its header is
the detail endpoint's answer) and the reads that check the watch policy against the row
(standings, matches, registrations, audit). ``TOURNAMENT_CACHE_SECONDS`` (300; 0 turns
it off) is the TTL.

What retires an entry (``core.cache.RowCache``: bumped on commit; the writing
transaction reads the database until then):

* ``save()`` and ``delete()`` of a tournament (signals), creation included, so an id that
  a rolled-back transaction hands out again never meets the old row's entry;
* ``update()`` and ``bulk_create`` through ``Tournament.objects`` (``TournamentQuerySet``),
  which is how the services change status, seeding and rounds.

The write paths never read it: registration and the status machine read the row under
its lock (tournaments/locks.py). A cached row is shown, and the watch policy decides who
may see it; no write decides on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.cache import RowCache

if TYPE_CHECKING:
    from tournaments.models import Tournament

TOURNAMENT_CACHE: RowCache[Tournament] = RowCache("tournament", seconds_setting="TOURNAMENT_CACHE_SECONDS")


# A lazy sender: this module is imported by tournaments.models, before the model exists.
@receiver(post_save, sender="tournaments.Tournament", dispatch_uid="tournament_cache_saved")
@receiver(post_delete, sender="tournaments.Tournament", dispatch_uid="tournament_cache_deleted")
def _written(sender: type[Tournament], instance: Tournament, **kwargs: Any) -> None:
    TOURNAMENT_CACHE.forget([instance.pk])
