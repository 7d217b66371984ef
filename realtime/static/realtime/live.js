// Live tournament page. The stream's rules (docs/realtime.md, "Recovery"): every connection
// starts with a stream.sync frame. recovered=true: the events after our last seq follow, in
// order. recovered=false: what we missed cannot be replayed (pruned, or the stream was reset):
// reload the state through the REST API, then apply the events after the frame's seq.
// Each connection presents a fresh single-use ticket, fetched with the session: no
// credential ever sits in this page's URL (browser history, proxy logs).
(function () {
  "use strict";
  var tournamentId = document.body.dataset.tournamentId;
  var csrfToken = document.body.dataset.csrfToken;
  var lastSeq = 0;
  var epoch = "";
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
    if (epoch) { params.set("epoch", epoch); }
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

  function append(listId, text, attributes) {
    var item = document.createElement("li");
    item.textContent = text;
    Object.keys(attributes).forEach(function (key) { item.dataset[key] = attributes[key]; });
    document.getElementById(listId).appendChild(item);
    return item;
  }

  function show(event) {
    if (event.seq <= lastSeq) { return; }
    if (event.seq !== lastSeq + 1) {
      // Never skip silently: the server vouches for order, so a hole means we must resync.
      resync("gap before seq " + event.seq);
      return;
    }
    lastSeq = event.seq;
    var target = describe(event);
    var item = append(target[0], target[1], { seq: String(event.seq), type: event.type });
    if (event.type === "match.disputed") { item.className = "disputed"; }
    document.getElementById("last-seq").textContent = String(lastSeq);
  }

  function clearLists() {
    ["registrations", "results", "other"].forEach(function (id) { document.getElementById(id).textContent = ""; });
  }

  function reloadFromApi(sync) {
    // The REST API holds the state the missed events described: the matches and their scores.
    clearLists();
    document.getElementById("recovery").textContent =
      "Earlier events could not be replayed; the results below were reloaded (as of event " + sync.seq + ").";
    return fetch("/api/tournaments/" + tournamentId + "/matches/", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (matches) {
        matches.filter(function (m) { return m.status === "confirmed" && m.score_a !== null; }).forEach(function (m) {
          append("results", "Match " + m.id + ": " + m.score_a + " – " + m.score_b, { reloaded: "1" });
        });
      });
  }

  function onSync(sync) {
    epoch = sync.epoch;
    if (!sync.recovered) {
      lastSeq = sync.seq;
      document.getElementById("last-seq").textContent = String(lastSeq);
      reloadFromApi(sync);
    }
  }

  var current = null;
  function resync(reason) {
    if (current) { current.close(4000, reason); }
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
    current = socket;
    var status = document.getElementById("status");
    socket.onopen = function () { status.textContent = "live"; retryDelay = 500; };
    socket.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === "stream.sync") { onSync(frame); } else { show(frame); }
    };
    socket.onclose = function (closed) {
      if (FINAL_CODES[closed.code]) { status.textContent = "closed: " + FINAL_CODES[closed.code]; return; }
      retry();
    };
  }

  connect();
})();
