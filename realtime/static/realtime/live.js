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
      case "match.overridden": return ["results", "Match " + d.match_id + " corrected: " + d.score_a + " – " + d.score_b];
      case "round.paired": return ["other", "Round " + d.round + " paired"];
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

  // The board: the tournament's name and status, its bracket (elimination, a group
  // stage's playoff) or table (round robin, Swiss, groups), from the REST API; redrawn
  // after every event that can change it.
  var BOARD_EVENTS = /^(match\.|round\.|team\.|tournament\.|registrations?\.)/;
  var boardTimer = null;

  function getJson(path) {
    return fetch(path, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function teamRow(team, score, winnerId) {
    var row = element("div", "team" + (team && team.id === winnerId ? " winner" : ""));
    row.appendChild(element("span", "name", team ? team.name : "TBD"));
    row.appendChild(element("span", "score", score === null || score === undefined ? "" : String(score)));
    return row;
  }

  function roundTitle(bracket, round) {
    if (bracket === "grand_final") { return round === 1 ? "Grand final" : "Grand final, reset"; }
    if (bracket === "winners") { return "Winners round " + round; }
    if (bracket === "losers") { return "Losers round " + round; }
    return "Round " + round;
  }

  function drawBracket(matches) {
    var bracket = document.getElementById("bracket");
    bracket.textContent = "";
    // Columns in the API's order (rounds; double elimination: winners, losers, grand final).
    var columns = [];
    var byKey = {};
    matches.forEach(function (m) {
      var key = (m.bracket || "") + ":" + m.round;
      if (!byKey[key]) { byKey[key] = []; columns.push({ bracket: m.bracket || "", round: m.round, matches: byKey[key] }); }
      byKey[key].push(m);
    });
    columns.forEach(function (c) {
      var column = element("div", "round" + (c.bracket ? " " + c.bracket : ""));
      column.appendChild(element("h3", "", roundTitle(c.bracket, c.round)));
      c.matches.forEach(function (m) {
        var box = element("div", "match " + m.status);
        box.dataset.matchId = String(m.id);
        box.appendChild(teamRow(m.team_a, m.score_a, m.winner_id));
        box.appendChild(teamRow(m.team_b, m.score_b, m.winner_id));
        column.appendChild(box);
      });
      bracket.appendChild(column);
    });
  }

  function drawStandings(rows) {
    var table = document.getElementById("standings");
    var body = table.querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (r) {
      var line = element("tr");
      [r.rank === null ? "" : r.rank, r.team.name, r.played, r.wins, r.draws, r.losses, r.points, r.game_differential]
        .forEach(function (value, index) { line.appendChild(element("td", index === 1 ? "team" : "", String(value))); });
      body.appendChild(line);
    });
    table.hidden = false;
  }

  function drawBoard() {
    getJson("/api/tournaments/" + tournamentId + "/").then(function (tournament) {
      if (!tournament) { return; }
      document.getElementById("name").textContent = tournament.name;
      document.getElementById("tournament-status").textContent = tournament.status.replace(/_/g, " ");
      var league = tournament.format === "round_robin" || tournament.format === "swiss";
      if (league || tournament.format === "groups_playoffs") {
        getJson("/api/tournaments/" + tournamentId + "/standings/").then(function (rows) { if (rows) { drawStandings(rows); } });
      }
      getJson("/api/tournaments/" + tournamentId + "/matches/").then(function (matches) {
        if (!matches) { return; }
        drawBracket(league ? matches : matches.filter(function (m) { return m.group === undefined || m.group === null; }));
      });
    });
  }

  function redrawSoon() {
    clearTimeout(boardTimer);
    boardTimer = setTimeout(drawBoard, 150);
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
    if (BOARD_EVENTS.test(event.type)) { redrawSoon(); }
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

  drawBoard();
  connect();
})();
