from django.urls import path

from teams import apis

urlpatterns = [
    path("", apis.TeamCreateApi.as_view(), name="team-create"),
    path("invites/", apis.TeamInviteListApi.as_view(), name="team-invite-list"),
    path("invites/<id:invite_id>/accept/", apis.TeamInviteAcceptApi.as_view(), name="team-invite-accept"),
    path("invites/<id:invite_id>/decline/", apis.TeamInviteDeclineApi.as_view(), name="team-invite-decline"),
    path("<id:team_id>/", apis.TeamDetailApi.as_view(), name="team-detail"),
    path("<id:team_id>/invites/", apis.TeamInviteCreateApi.as_view(), name="team-invite-create"),
    path("<id:team_id>/leave/", apis.TeamLeaveApi.as_view(), name="team-leave"),
    path("<id:team_id>/captain/", apis.TeamCaptainTransferApi.as_view(), name="team-captain-transfer"),
    path("<id:team_id>/members/", apis.TeamMemberAddApi.as_view(), name="team-member-add"),
    path("<id:team_id>/members/<id:user_id>/", apis.TeamMemberRemoveApi.as_view(), name="team-member-remove"),
]
