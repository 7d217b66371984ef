from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from config.serializers import RejectUnknownFieldsMixin
from perf.services import reference_record_create


class ReferenceRecordCreateApi(APIView):
    """The perf suite's calibration endpoint (docs/perf.md "Reference workload")."""

    class InputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
        payload = serializers.CharField(max_length=64)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        sequence = serializers.IntegerField()
        payload = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = reference_record_create(owner=authenticated_user(request), **data.validated_data)
        return Response(self.OutputSerializer(record).data, status=status.HTTP_201_CREATED)
