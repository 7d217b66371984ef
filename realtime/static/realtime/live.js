// Live tournament page: one WebSocket, reconnecting with ?since=<last seq> so nothing is missed.
(function () {
  "use strict";
  var tournamentId = document.body.dataset.tournamentId;
  var pageParams = new URLSearchParams(window.location.search);
  var lastSeq = 0;
  var retryDelay = 500;
  var FINAL_CODES = { 4401: "not signed in", 4404: "unknown tournament" };

  function socketUrl() {
    var params = new URLSearchParams();
    if (pageParams.get("token")) { params.set("token", pageParams.get("token")); }
    params.set("since", String(lastSeq));
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + "/ws/tournaments/" + tournamentId + "/?" + params.toString();
  }

  function describe(event) {
    var d = event.data || {};
    switch (event.type) {
      case "registration.created": return ["registrations", "Team " + (d.team_name || d.team_id) + " registered"];
      case "registration.withdrawn": return ["registrations", "Team " + (d.team_name || d.team_id) + " withdrew"];
      case "match.confirmed": return ["results", "Match " + d.match_id + ": " + d.score_a + " – " + d.score_b];
      case "match.disputed": return ["results", "Match " + d.match_id + " disputed"];
      case "match.resolved": return ["results", "Match " + d.match_id + " resolved: " + d.score_a + " – " + d.score_b];
      case "tournament.finalized": return ["other", "Tournament finalized"];
      default: return ["other", event.type];
    }
  }

  function show(event) {
    if (event.seq <= lastSeq) { return; }
    lastSeq = event.seq;
    var target = describe(event);
    var item = document.createElement("li");
    item.textContent = target[1];
    item.dataset.seq = String(event.seq);
    item.dataset.type = event.type;
    if (event.type === "match.disputed") { item.className = "disputed"; }
    document.getElementById(target[0]).appendChild(item);
    document.getElementById("last-seq").textContent = String(lastSeq);
  }

  function connect() {
    var socket = new WebSocket(socketUrl());
    var status = document.getElementById("status");
    socket.onopen = function () { status.textContent = "live"; retryDelay = 500; };
    socket.onmessage = function (message) { show(JSON.parse(message.data)); };
    socket.onclose = function (closed) {
      if (FINAL_CODES[closed.code]) { status.textContent = "closed: " + FINAL_CODES[closed.code]; return; }
      status.textContent = "reconnecting";
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  connect();
})();
