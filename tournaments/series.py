"""Best-of-N series (issue 16): the series score is derived from the games, never typed.

Django-free: the result service and the API both use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

BEST_OF_CHOICES = (1, 3, 5, 7)
#: The key of ``round_best_of`` for the last match, whatever its round number.
FINAL = "final"


class InvalidSeries(ValueError):
    """The games do not form one decided series of this length."""


def best_of_for(*, best_of: int, round_best_of: Mapping[str, int], round_: int, is_final: bool) -> int:
    """A match's series length: the final's override, else its round's, else the tournament's."""
    if is_final and FINAL in round_best_of:
        return round_best_of[FINAL]
    return round_best_of.get(str(round_), best_of)


def series_score(games: Sequence[tuple[int, int]], *, best_of: int) -> tuple[int, int]:
    """Games won by each side, once the games are checked to be one decided series.

    Each game has a winner; the series ends at the game in which one side reaches a
    majority of ``best_of`` (2 of 3, 3 of 5, ...), and no game follows it.
    """
    needed = best_of // 2 + 1
    wins = [0, 0]
    for number, (score_a, score_b) in enumerate(games, start=1):
        if max(wins) == needed:
            raise InvalidSeries(f"game {number} was played after the series was decided")
        if score_a == score_b:
            raise InvalidSeries(f"game {number} is a draw; every game needs a winner")
        wins[0 if score_a > score_b else 1] += 1
    if max(wins) != needed:
        raise InvalidSeries(f"best of {best_of}: one side needs {needed} game wins, the games give {wins[0]}-{wins[1]}")
    return wins[0], wins[1]


def round_best_of_check(value: object) -> dict[str, int]:
    """``{"<round>" | "final": n}`` with n in ``BEST_OF_CHOICES``, or ``InvalidSeries``."""
    if not isinstance(value, dict):
        raise InvalidSeries("round_best_of must be an object")
    for key, length in value.items():
        if not (key == FINAL or (isinstance(key, str) and key.isdigit() and int(key) >= 1)):
            raise InvalidSeries(f"round_best_of key {key!r}: a round number or {FINAL!r}")
        if isinstance(length, bool) or length not in BEST_OF_CHOICES:
            raise InvalidSeries(f"round_best_of[{key!r}] must be one of {list(BEST_OF_CHOICES)}")
    return dict(value)
