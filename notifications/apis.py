"""A player's certificates: the list, and the download of one's own (docs/tasks.md)."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from notifications.models import Certificate
from notifications.selectors import certificate_file_get, certificate_list


class CertificateListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        tournament_id = serializers.IntegerField()
        tournament_name = serializers.CharField(source="tournament.name")
        placement = serializers.IntegerField()
        ready = serializers.SerializerMethodField(help_text="false until a worker has rendered it")
        created_at = serializers.DateTimeField()

        def get_ready(self, certificate: Certificate) -> bool:
            return bool(certificate.file)

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        """The caller's certificates, newest first."""
        certificates = certificate_list(user_id=authenticated_user(request).pk)
        return Response(self.OutputSerializer(certificates, many=True).data)


class CertificateDownloadApi(APIView):
    @extend_schema(responses={(200, "image/svg+xml"): OpenApiTypes.BINARY})
    def get(self, request: Request, certificate_id: int) -> FileResponse:
        """The certificate as SVG, for its owner only (anyone else: 404)."""
        certificate = certificate_file_get(certificate_id=certificate_id, user_id=authenticated_user(request).pk)
        response = FileResponse(
            certificate.file.open("rb"),
            as_attachment=True,
            filename=f"certificate-{certificate.tournament_id}.svg",
            content_type="image/svg+xml",
        )
        # Our own escaped SVG, but a document from the API origin: no script, nothing loaded.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response
