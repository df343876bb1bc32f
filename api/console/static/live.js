// The dashboard's live feed: the programActivity subscription over graphql-transport-ws on
// /graphql, with the signed-in user's access token fetched from /console/live-token (the
// refresh token stays in its HttpOnly cookie). Each event is prepended to the list; a closed
// socket is opened again with a fresh token. Texts come from the page, in its language.
(function () {
  "use strict";
  var feed = document.getElementById("live-feed");
  if (!feed) return;
  var status = document.getElementById("live-status");
  var empty = document.getElementById("live-empty");
  var query = feed.dataset.query;
  var memberWord = feed.dataset.member;
  var kept = 50;
  var retryMs = 5000;

  function say(text) { status.textContent = text; }

  function timeOf(iso) {
    var at = new Date(iso);
    return at.toISOString().slice(11, 19);
  }

  function show(item) {
    var li = document.createElement("li");
    li.dataset.eventType = item.type;
    var time = document.createElement("time");
    time.dateTime = item.occurredAt;
    time.textContent = timeOf(item.occurredAt);
    var kind = document.createElement("code");
    kind.textContent = item.type;
    li.appendChild(time);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(kind);
    if (item.memberId) {
      li.appendChild(document.createTextNode(" · "));
      var link = document.createElement("a");
      link.href = "/console/members/" + encodeURIComponent(item.memberId);
      link.textContent = memberWord + " " + item.memberId;
      li.appendChild(link);
    }
    if (empty) { empty.remove(); empty = null; }
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > kept) feed.removeChild(feed.lastChild);
  }

  function connect() {
    say(feed.dataset.connecting);
    fetch("/console/live-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (!answer.ok) throw new Error("no token");
        return answer.json();
      })
      .then(function (body) { open(body.token); })
      .catch(function () { later(); });
  }

  function later() {
    say(feed.dataset.retrying);
    window.setTimeout(connect, retryMs);
  }

  function open(token) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/graphql", "graphql-transport-ws");
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: "Bearer " + token } }));
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "live", type: "subscribe", payload: { query: query } }));
        say(feed.dataset.live);
        feed.dataset.connected = "yes";
      } else if (data.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (data.type === "next" && data.payload && data.payload.data) {
        show(data.payload.data.programActivity);
      } else if (data.type === "error" || data.type === "complete") {
        socket.close();
      }
    };
    socket.onclose = function () {
      feed.dataset.connected = "no";
      later();
    };
  }

  connect();
})();
