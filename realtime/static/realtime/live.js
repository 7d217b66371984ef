// Live tournament page: one WebSocket, reconnecting with ?since=<last seq> so nothing is missed.
// Each connection presents a fresh single-use ticket, fetched with the session: no
// credential ever sits in this page's URL (browser history, proxy logs).
(function () {
  "use strict";
  var tournamentId = document.body.dataset.tournamentId;
  var csrfToken = document.body.dataset.csrfToken;
  var lastSeq = 0;
  var retryDelay = 500;
  var FINAL_CODES = { 4401: "not signed in", 4403: "not allowed to watch", 4404: "unknown tournament" };

  function ticket() {
    return fetch("/api/realtime/tickets/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) { return null; }
      if (!response.ok) { throw new Error("ticket: HTTP " + response.status); }
      return response.json().then(function (body) { return body.ticket; });
    });
  }

  function socketUrl(ticketValue) {
    var params = new URLSearchParams();
    if (ticketValue) { params.set("ticket", ticketValue); }
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

  function retry() {
    document.getElementById("status").textContent = "reconnecting";
    setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10000);
  }

  function connect() {
    ticket().then(openSocket, retry);
  }

  function openSocket(ticketValue) {
    var socket = new WebSocket(socketUrl(ticketValue));
    var status = document.getElementById("status");
    socket.onopen = function () { status.textContent = "live"; retryDelay = 500; };
    socket.onmessage = function (message) { show(JSON.parse(message.data)); };
    socket.onclose = function (closed) {
      if (FINAL_CODES[closed.code]) { status.textContent = "closed: " + FINAL_CODES[closed.code]; return; }
      retry();
    };
  }

  connect();
})();
