"""Who may reach ``/admin/``: a setting turns it off or limits it to addresses, and its
login form shares the API's failed-sign-in throttle (per username and per address).

The gate answers 404, not 403: a refused address learns nothing about whether there is
an admin to attack. It runs before the session and CSRF middleware, so a refused
request costs no session lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

from accounts.services import login_failure_record, login_throttle_wait
from core.network import address_in_networks

ADMIN_PREFIX = "/admin/"


def admin_allowed(*, remote_addr: str) -> bool:
    if not settings.ADMIN_ENABLED:
        return False
    networks = settings.ADMIN_ALLOWED_NETWORKS
    if not networks:
        return True
    return address_in_networks(remote_addr, networks)


class AdminGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX) and not admin_allowed(remote_addr=request.META.get("REMOTE_ADDR", "")):
            return HttpResponseNotFound(b"Not Found", content_type="text/plain")
        return self.get_response(request)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, refused while the username or address has failed too often."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        ip = self.request.META.get("REMOTE_ADDR", "") if self.request is not None else ""
        wait = login_throttle_wait(username=username, ip=ip)
        if wait is not None:
            raise ValidationError(f"Too many failed sign-ins. Try again in {wait} seconds.", code="throttled")
        try:
            return super().clean()
        except ValidationError:
            login_failure_record(username=username, ip=ip)
            raise
