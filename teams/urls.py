from django.urls import path

from config.serializers import register_id_converter
from teams.apis import TeamCreateApi, TeamDetailApi, TeamMemberAddApi, TeamMemberRemoveApi

register_id_converter()

urlpatterns = [
    path("", TeamCreateApi.as_view(), name="team-create"),
    path("<id:team_id>/", TeamDetailApi.as_view(), name="team-detail"),
    path("<id:team_id>/members/", TeamMemberAddApi.as_view(), name="team-member-add"),
    path("<id:team_id>/members/<id:user_id>/", TeamMemberRemoveApi.as_view(), name="team-member-remove"),
]
