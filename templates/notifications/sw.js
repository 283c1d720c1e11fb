// Zattar's service worker (served at /sw.js, scope /): shows a Web Push notification and opens
// or focuses its page when it is clicked. The payload is {title, body, url, tag} (JSON).
"use strict";

var ICON = "{{ icon|escapejs }}";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = { body: event.data.text() }; }
  }
  var options = { body: data.body || "", icon: ICON, badge: ICON, data: { url: data.url || "/" } };
  if (data.tag) options.tag = data.tag;
  event.waitUntil(self.registration.showNotification(data.title || "Zattar", options));
});

// A page of this site only: another origin's address keeps its path, on this origin.
function pageOf(url) {
  var target = new URL(url || "/", self.location.origin);
  if (target.origin === self.location.origin) return target.href;
  return new URL(target.pathname + target.search + target.hash, self.location.origin).href;
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = pageOf(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (tabs) {
      for (var i = 0; i < tabs.length; i++) {
        if (tabs[i].url === url && "focus" in tabs[i]) return tabs[i].focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
