"""The live page: plain HTML + JS served by the app; the data comes over the WebSocket."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from realtime import selectors


def tournament_live_page(request: HttpRequest, tournament_id: int) -> HttpResponse:
    # The page itself shows nothing private: the socket authenticates with a ticket the page
    # fetches with the session, and the watch policy decides whether it may listen.
    if not selectors.tournament_exists(tournament_id=tournament_id):
        raise Http404("No such tournament.")
    return render(request, "realtime/live.html", {"tournament_id": tournament_id})
