"""A lost or refused database connection answers 503 database_unavailable with Retry-After (issue 17, finding 10).

Before, such a request answered a bare 500 ``server_error``. The real-outage proof (a
private PostgreSQL restarted under a stream of transfers) is
tests/concurrency/economy/test_database_outage.py; these pin each path.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory

from config.errors import DatabaseUnavailableMiddleware, database_unavailable, handler500
from economy.models import LedgerTransaction


class _Cause(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _error(cls: type[Exception], sqlstate: str | None) -> Exception:
    error = cls("boom")
    error.__cause__ = _Cause(sqlstate)
    return error


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_error(OperationalError, None), True),  # connection refused / lost, pool timeout: no SQLSTATE
        (_error(OperationalError, "08006"), True),  # connection_failure
        (_error(OperationalError, "57P01"), True),  # admin_shutdown: the server is restarting
        (_error(InterfaceError, None), True),  # the connection is already closed
        (_error(OperationalError, "40001"), False),  # a serialization failure is not an outage
        (_error(OperationalError, "57014"), False),  # query_canceled (statement timeout)
        (_error(IntegrityError, None), False),
        (ValueError("x"), False),
        (None, False),
    ],
    ids=repr,
)
def test_database_unavailable_tells_an_outage_from_a_refused_statement(error, unavailable):
    assert database_unavailable(error) is unavailable


def test_api_answers_503_with_retry_after_and_writes_nothing(captain, member, client_for):
    client = client_for(captain)
    with mock.patch("economy.apis.wallet_transfer", side_effect=_error(OperationalError, None)):
        response = client.post(
            "/api/economy/transfers/", {"to_user_id": member.pk, "amount": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        )

    assert response.status_code == 503
    assert response.json() == {"code": "database_unavailable", "detail": "The database is unavailable; retry shortly."}
    assert response["Retry-After"] == "5"
    assert not LedgerTransaction.objects.filter(kind="transfer").exists()


def test_plain_django_view_answers_503_through_the_middleware():
    request = RequestFactory().get("/admin/login/")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]

    response = middleware.process_exception(request, _error(OperationalError, "57P01"))

    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert middleware.process_exception(request, ValueError("a bug")) is None  # a bug stays a 500


def test_handler500_answers_503_for_an_outage_raised_outside_a_view():
    request = RequestFactory().get("/healthz")
    try:
        raise _error(OperationalError, None)
    except OperationalError:
        response = handler500(request)
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    try:
        raise ValueError("a bug")
    except ValueError:
        assert handler500(request).status_code == 500
