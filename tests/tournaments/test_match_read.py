"""The hand-written match read loads what the ORM's select_related read would (issue 19)."""

from __future__ import annotations

import pytest

from tests.tournaments.builders import match_at, report_both, started_tournament
from tournaments.models import Match, Tournament
from tournaments.selectors.matches import RELATED, match_for_result

pytestmark = pytest.mark.django_db

LOADED = {
    "tournament": ("status", "organizer_id", "best_of", "round_best_of", "format"),
    "team_a": ("name", "tag", "captain_id"),
    "team_b": ("name", "tag", "captain_id"),
    "next_match": ("forfeited_by_id", "next_match_id"),
}


def orm_read(match_id: int) -> Match:
    return Match.objects.select_related(*RELATED).get(pk=match_id)


def assert_same(raw: Match, orm: Match) -> None:
    assert {f.attname: getattr(raw, f.attname) for f in Match._meta.concrete_fields} == {
        f.attname: getattr(orm, f.attname) for f in Match._meta.concrete_fields
    }
    for name, fields in LOADED.items():
        related, expected = getattr(raw, name), getattr(orm, name)
        if expected is None:
            assert related is None
            continue
        assert related.pk == expected.pk
        assert {field: getattr(related, field) for field in fields} == {
            field: getattr(expected, field) for field in fields
        }


def test_a_confirmed_match_with_a_datetime_and_json_reads_as_the_orm_reads_it(organizer, django_assert_num_queries):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    Tournament.objects.filter(pk=tournament.pk).update(round_best_of={"2": 3})
    semi = match_at(tournament, 1, 1)
    report_both(semi, 2, 1)
    with django_assert_num_queries(1):
        raw = match_for_result(match_id=semi.pk)
        # Loaded and cached: reading them costs nothing more.
        assert raw is not None
        assert (raw.tournament.round_best_of, raw.team_a.captain_id) == ({"2": 3}, semi.team_a.captain_id)
        assert raw.confirmed_at is not None
        assert raw.confirmed_at.tzinfo is not None  # aware, as the ORM makes it
    assert_same(raw, orm_read(semi.pk))


def test_the_final_and_a_match_still_waiting_for_a_team_read_their_nulls(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    final = match_at(tournament, 2, 1)  # no next match, no teams yet
    raw = match_for_result(match_id=final.pk)
    assert raw is not None
    assert (raw.next_match, raw.team_a, raw.team_b) == (None, None, None)
    assert_same(raw, orm_read(final.pk))


def test_an_unknown_match_is_none():
    assert match_for_result(match_id=987654321) is None
