from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

import config.converters  # noqa: F401  (registers <id:...> before the includes below)
from config import errors
from config.admin_access import ThrottledAdminAuthenticationForm
from config.health import healthz
from config.schema_view import CachedSchemaApi
from core.metrics import metrics_view

api_patterns: list[URLPattern | URLResolver] = [
    path("auth/", include("accounts.urls")),
    path("teams/", include("teams.urls")),
    path("economy/", include("economy.urls")),
    path("realtime/", include("realtime.api_urls")),
    path("", include("tournaments.urls")),
    path("", include("webhooks.urls")),
    path("", include("notifications.urls")),
    path("schema/", CachedSchemaApi.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # Anything else under /api/ is a JSON 404, whatever DEBUG says.
    re_path(r"^.*$", errors.api_not_found),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("realtime.urls")),
]

# Every login path shares the failed-sign-in throttle (accounts.services).
admin.site.login_form = ThrottledAdminAuthenticationForm

handler400 = errors.handler400
handler403 = errors.handler403
handler404 = errors.handler404
handler500 = errors.handler500
