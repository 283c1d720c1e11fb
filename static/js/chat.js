// One conversation, live. Messages are inserted as text (never HTML). Without a socket the
// composer is an ordinary form that posts and reloads the page.
(function () {
  var root = document.querySelector(".chat[data-conversation]");
  if (!root || !("WebSocket" in window)) return;
  var me = Number(root.dataset.me);
  var labels = JSON.parse(root.dataset.labels);
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-body");
  var typingLine = document.getElementById("chat-typing");
  var statusLine = document.getElementById("chat-status");
  var socket = null, delay = 1000, typingTimer = null, lastTypingSent = 0, readSent = 0, retry = null;
  var undelivered = false; // a saved message waits for the live channel: said in the status line

  function lastId() {
    var ids = Array.prototype.map.call(log.querySelectorAll(".bubble[data-id]"), function (b) {
      return Number(b.dataset.id) || 0;
    });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }
  function atBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function scrollDown() { log.scrollTop = log.scrollHeight; }
  // A new message's time as the page writes the others (the dates template filters): "4 дек,
  // 14:05" in Almaty time, the month from the page's language, the year only if not this one.
  var months = (root.dataset.months || "").split(" ");
  var almaty = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Almaty", year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });
  function almatyParts(date) {
    var parts = {};
    almaty.formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts;
  }
  function timeText(iso) {
    var p = almatyParts(new Date(iso));
    var month = months[Number(p.month) - 1] || p.month;
    var year = p.year !== almatyParts(new Date()).year ? " " + p.year : "";
    return Number(p.day) + " " + month + year + ", " + p.hour + ":" + p.minute;
  }
  function bubble(message, pending) {
    var mine = message.sender === me;
    var el = document.createElement("div");
    var side = message.sender === null ? "bubble--system" : (mine ? "bubble--mine" : "bubble--theirs");
    el.className = "bubble " + side + (pending ? " is-pending" : "");
    if (message.id) el.dataset.id = message.id;
    if (message.client_id) el.dataset.client = message.client_id;
    el.dataset.sender = message.sender;
    var text = document.createElement("p");
    text.className = "bubble__text";
    text.textContent = message.body;
    var meta = document.createElement("span");
    meta.className = "bubble__meta";
    var time = document.createElement("time");
    time.textContent = message.created_at ? timeText(message.created_at) : "…";
    if (message.created_at) time.dateTime = message.created_at;
    meta.appendChild(time);
    if (mine) {
      var tick = document.createElement("span");
      tick.className = "tick";
      tick.textContent = " ✓✓";
      tick.setAttribute("aria-label", labels.delivered);
      meta.appendChild(tick);
    } else if (message.sender !== null && message.id && root.dataset.reportUrl) {
      // An incoming message can be reported (the page renders the same link for history).
      var report = document.createElement("a");
      report.className = "bubble__report";
      report.rel = "nofollow";
      report.href = root.dataset.reportUrl + Number(message.id);
      report.textContent = root.dataset.reportLabel || "Report";
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(report);
    }
    // A warning (a fake site, a card number, ...) is shown to the recipient, above the text.
    var banner = !mine && message.sender !== null && message.warning &&
      root.querySelector('template[data-warning-banner="' + message.warning + '"]');
    if (banner) el.appendChild(banner.content.cloneNode(true));
    el.appendChild(text);
    el.appendChild(meta);
    return el;
  }
  function receive(message) {
    if (log.querySelector('.bubble[data-id="' + Number(message.id) + '"]')) return;
    var stick = atBottom() || message.sender === me;
    var pending = null;
    log.querySelectorAll(".bubble.is-pending").forEach(function (b) {
      if (message.client_id && b.dataset.client === message.client_id) pending = b;
    });
    var el = bubble(message, false);
    if (pending) { log.replaceChild(el, pending); } else { log.appendChild(el); }
    if (message.sender !== me) { typingLine.hidden = true; markRead(); }
    if (stick) scrollDown();
  }
  function markRead() {
    var theirs = log.querySelectorAll(".bubble--theirs[data-id]");
    if (!theirs.length || document.hidden || !socket || socket.readyState !== 1) return;
    var upTo = Number(theirs[theirs.length - 1].dataset.id);
    if (upTo > readSent) { readSent = upTo; socket.send(JSON.stringify({ type: "read", up_to: upTo })); }
  }
  function showRead(upTo) {
    log.querySelectorAll(".bubble--mine[data-id]").forEach(function (b) {
      if (Number(b.dataset.id) <= upTo) {
        var tick = b.querySelector(".tick");
        if (tick) { tick.classList.add("is-read"); tick.setAttribute("aria-label", labels.read); }
      }
    });
  }
  function status(text) { statusLine.textContent = text || ""; statusLine.hidden = !text; }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + root.dataset.socket + "?after=" + lastId());
    socket.onopen = function () { delay = 1000; status(""); markRead(); };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "message") {
        if (undelivered) { undelivered = false; status(""); } // the live channel is back
        receive(data.message);
      }
      else if (data.type === "typing") {
        typingLine.textContent = labels.typing; typingLine.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingLine.hidden = true; }, 4000);
      } else if (data.type === "read" && data.user !== me) showRead(data.up_to);
      else if (data.type === "error" && data.code === "undelivered") {
        // Saved, not yet delivered: shown as sent; the other side gets it when the server
        // catches up, and this page is told then too (a message event).
        undelivered = true;
        status(data.detail);
        receive(data.message);
      } else if (data.type === "error") {
        status(data.detail);
        var failed = log.querySelector(".bubble.is-pending");
        if (failed && input) {
          // Back in the composer; sent again unchanged, it keeps its id, so it cannot post twice.
          input.value = failed.querySelector(".bubble__text").textContent;
          retry = { body: input.value.trim(), clientId: failed.dataset.client };
          failed.remove();
        }
      }
    };
    socket.onclose = function (event) {
      // 44xx: refused (signed out, no such conversation); the error event before the close
      // said why, and it stays said. Anything else (4503: the live channel is away, 1006, 1012)
      // is retried, and the server sends what was missed after the last message shown.
      if (event.code >= 4400 && event.code < 4500) return;
      status(labels.offline);
      // A random share of the delay: after a server restart, clients come back spread out.
      setTimeout(connect, delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 30000);
    };
  }

  // A blocked conversation has no composer: it is read-only, and live for read receipts.
  if (form) form.addEventListener("submit", function (event) {
    var body = input.value.trim();
    if (!body) { event.preventDefault(); return; }
    if (!socket || socket.readyState !== 1) return; // the form posts the ordinary way
    event.preventDefault();
    var clientId = (retry && retry.body === body) ? retry.clientId
      : (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now() + Math.random());
    retry = null;
    log.appendChild(bubble({ sender: me, body: body, client_id: clientId }, true));
    scrollDown();
    socket.send(JSON.stringify({ type: "message", body: body, client_id: clientId }));
    input.value = "";
    status("");
  });
  if (input) input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  if (input) input.addEventListener("input", function () {
    var now = Date.now();
    if (socket && socket.readyState === 1 && now - lastTypingSent > 2000) {
      lastTypingSent = now;
      socket.send(JSON.stringify({ type: "typing" }));
    }
  });
  document.addEventListener("visibilitychange", markRead);
  scrollDown();
  connect();
})();
