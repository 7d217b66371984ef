"""API routes of the tournaments app: tournaments and registrations, then matches."""

from tournaments.urls_matches import urlpatterns as match_urlpatterns
from tournaments.urls_registration import urlpatterns as registration_urlpatterns

urlpatterns = registration_urlpatterns + match_urlpatterns
