"""The project's URLs plus the perf reference endpoint, for the perf runner only.

Used only while ``config/urls.py`` does not route ``api/perf/`` itself (see
``perf.runner.reference_route``); once it does, this module is never loaded.
"""

from django.urls import include, path

from config import urls as project

urlpatterns = [path("api/perf/", include("perf.urls")), *project.urlpatterns]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
