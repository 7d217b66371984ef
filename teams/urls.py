from django.urls import path

from teams.apis import TeamCreateApi, TeamDetailApi, TeamMemberAddApi, TeamMemberRemoveApi

urlpatterns = [
    path("", TeamCreateApi.as_view(), name="team-create"),
    path("<id:team_id>/", TeamDetailApi.as_view(), name="team-detail"),
    path("<id:team_id>/members/", TeamMemberAddApi.as_view(), name="team-member-add"),
    path("<id:team_id>/members/<id:user_id>/", TeamMemberRemoveApi.as_view(), name="team-member-remove"),
]
