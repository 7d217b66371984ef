from django.urls import path

from realtime.views import tournament_live_page

urlpatterns = [
    path("tournaments/<id:tournament_id>/live/", tournament_live_page, name="tournament-live"),
]
