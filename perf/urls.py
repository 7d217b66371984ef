from django.urls import path

from perf.apis import ReferenceRecordCreateApi

urlpatterns = [
    path("reference/", ReferenceRecordCreateApi.as_view(), name="perf-reference"),
]
