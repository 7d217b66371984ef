"""The floors: what any DRF POST through this project's stack costs, measured beside the hot paths.

Not hot paths but yardsticks (issue 19): a hot path's distance to the floor, its p95
per request divided by ``floor_drf``'s p95 of the same run, is what work on the hot
paths moves, and it means the same on a fast and a slow machine.

* ``floor_drf``: a DRF ``APIView`` that parses a small JSON body and echoes it, through
  the full middleware stack; no authentication, no permission, no throttle, no database;
* ``floor_auth``: the same view behind the project's default authentication and
  permission (``ExpiringTokenAuthentication``, ``IsAuthenticated``): what a hot path
  pays before its own work.

Their URLs are not the project's: the test client's handler routes these requests to
this module's ``urlpatterns`` (``request.urlconf``, as a middleware would), so nothing in
``config.urls`` knows about perf and every other URL still resolves.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, ForceAuthClientHandler
from rest_framework.views import APIView

from accounts.services import user_create
from perf.harness import Scenario, expect, register

DRF_PATH = "/perf/floor/"
AUTH_PATH = "/perf/floor/auth/"
BODY = {"n": 1, "name": "floor"}


class DrfFloorView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    def post(self, request: Request) -> Response:
        return Response(request.data)


class AuthFloorView(APIView):
    """The project's default authentication and permission classes, nothing else."""

    throttle_classes = ()

    def post(self, request: Request) -> Response:
        return Response({**dict(request.data), "user_id": request.user.pk})


urlpatterns = [
    path(DRF_PATH.strip("/") + "/", DrfFloorView.as_view()),
    path(AUTH_PATH.strip("/") + "/", AuthFloorView.as_view()),
    path("", include("config.urls")),
]


class FloorHandler(ForceAuthClientHandler):
    def get_response(self, request: Any) -> Any:
        request.urlconf = __name__
        return super().get_response(request)


def floor_client(**credentials: Any) -> APIClient:
    client = APIClient()
    client.handler = FloorHandler(enforce_csrf_checks=False)
    client.credentials(**credentials)
    return client


@register
class DrfFloorScenario(Scenario):
    name = "floor_drf"
    description = "Floor: a DRF APIView POST (JSON echo) through the full middleware stack; no auth, no database"

    def setup(self) -> None:
        self.client = floor_client()

    def run(self, item: Any) -> None:
        expect(self.client.post(DRF_PATH, BODY, format="json"), 200, lambda body: body == BODY)


@register
class AuthFloorScenario(Scenario):
    name = "floor_auth"
    description = "Floor: the same POST behind the project's token authentication and IsAuthenticated"

    def setup(self) -> None:
        self.user, token = user_create(username=f"perf-floor-{uuid.uuid4().hex[:12]}", password=uuid.uuid4().hex)
        self.client = floor_client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def run(self, item: Any) -> None:
        expected = {**BODY, "user_id": self.user.pk}
        expect(self.client.post(AUTH_PATH, BODY, format="json"), 200, lambda body: body == expected)
