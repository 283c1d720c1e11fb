// The unread badge in the header and the inbox, and the bell's count of unread notifications,
// kept live over /api/v1/ws/me/.
(function () {
  var scheme = location.protocol === "https:" ? "wss:" : "ws:";
  var delay = 1000;
  function show(selector, count) {
    document.querySelectorAll(selector).forEach(function (badge) {
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = !count;
    });
  }
  function connect() {
    var socket = new WebSocket(scheme + "//" + location.host + "/api/v1/ws/me/");
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "unread") show(".js-unread", data.count);
      if (data.type === "notifications") show(".js-bell", data.unread);
      if (data.type === "unread" || data.type === "activity") {
        document.body.dispatchEvent(new CustomEvent("zattar:inbox"));
      }
    };
    socket.onclose = function (event) {
      if (event.code >= 4400 && event.code < 4500) return; // refused (signed out): final
      // A random share of the delay: after a server restart, clients come back spread out.
      setTimeout(connect, delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 30000);
    };
  }
  if ("WebSocket" in window) connect();
})();
