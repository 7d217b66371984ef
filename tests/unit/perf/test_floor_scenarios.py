"""The floors answer through the full stack and cost what they say (issue 19)."""

from __future__ import annotations

import pytest
from django.test import Client

from perf.harness import REGISTRY, capture_queries
from perf.scenarios import floor  # noqa: F401 - registers the scenarios

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["floor_drf", "floor_auth"])
def test_a_floor_answers_its_echo_without_a_statement(name: str) -> None:
    scenario = REGISTRY[name]()
    scenario.setup()
    assert capture_queries(scenario) == []  # the auth floor: its token is cached after the first call


def test_the_auth_floors_first_call_reads_the_token(django_assert_num_queries) -> None:
    scenario = REGISTRY["floor_auth"]()
    scenario.setup()
    with django_assert_num_queries(1):  # the token with its user (accounts.token_cache)
        scenario.run(None)


def test_the_auth_floor_refuses_a_request_without_a_token() -> None:
    client = floor.floor_client()
    assert client.post(floor.AUTH_PATH, floor.BODY, format="json").status_code == 401


def test_the_floors_and_the_project_urls_resolve_through_the_floor_client_only() -> None:
    client = floor.floor_client()
    assert client.get("/healthz").status_code == 200  # config.urls still served
    assert Client().post(floor.DRF_PATH, floor.BODY, content_type="application/json").status_code == 404
