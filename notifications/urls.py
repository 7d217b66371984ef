"""API routes of the notifications app (mounted under /api/)."""

from django.urls import path

from notifications.apis import CertificateDownloadApi, CertificateListApi

urlpatterns = [
    path("certificates/", CertificateListApi.as_view(), name="certificate-list"),
    path("certificates/<id:certificate_id>/", CertificateDownloadApi.as_view(), name="certificate-download"),
]
