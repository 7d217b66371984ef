"""What the fuzzer found, pinned as plain tests so each stays fixed."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "9" * 30  # beyond 64 bits: SQLite refuses to bind it, PostgreSQL finds no row


@pytest.mark.parametrize(
    "path",
    [
        f"/api/tournaments/{HUGE}/",
        f"/api/tournaments/{HUGE}/matches/",
        f"/api/tournaments/{HUGE}/registrations/",
        f"/api/matches/{HUGE}/",
        f"/api/teams/{HUGE}/",
    ],
)
def test_out_of_range_id_in_the_path_is_a_json_404(client_for, organizer, path):
    response = client_for(organizer).get(path)

    assert response.status_code == 404
    assert response.json()["code"].endswith("not_found")
