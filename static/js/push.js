// "Turn on browser notifications" (templates/notifications/push_toggle.html): registers the
// service worker (/sw.js, scope /), subscribes this browser with the site's VAPID public key and
// keeps the subscription on the server (/api/v1/users/me/push-subscriptions, session + CSRF).
(function () {
  var box = document.querySelector(".js-push");
  if (!box) return;
  var status = box.querySelector(".js-push-status");
  var on = box.querySelector(".js-push-on");
  var off = box.querySelector(".js-push-off");
  var registration = null;

  function say(name) { status.textContent = box.getAttribute("data-text-" + name); }
  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    say(subscribed ? "on" : "off");
  }
  function keyBytes(base64url) {
    var text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") +
      "===".slice((base64url.length + 3) % 4));
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }
  function sameKey(subscription, bytes) {
    var current = subscription.options && subscription.options.applicationServerKey;
    if (!current) return true; // the browser does not tell: assume it is ours
    var mine = new Uint8Array(current);
    if (mine.length !== bytes.length) return false;
    for (var i = 0; i < mine.length; i++) if (mine[i] !== bytes[i]) return false;
    return true;
  }
  function api(method, body) {
    return fetch(box.getAttribute("data-api"), {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.getAttribute("data-csrf") },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok && response.status !== 404) throw new Error("HTTP " + response.status);
      return response;
    });
  }
  function subscribe() {
    var key = keyBytes(box.getAttribute("data-key"));
    return registration.pushManager
      .subscribe({ userVisibleOnly: true, applicationServerKey: key })
      .then(function (subscription) { return api("POST", subscription.toJSON()); });
  }
  function failed() { say("failed"); }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }
  if (Notification.permission === "denied") {
    say("denied");
    return;
  }
  navigator.serviceWorker.register("/sw.js", { scope: "/" })
    .then(function (found) {
      registration = found;
      return registration.pushManager.getSubscription();
    })
    .then(function (subscription) {
      if (!subscription) return show(false);
      if (!sameKey(subscription, keyBytes(box.getAttribute("data-key")))) {
        // The site's key changed: the old subscription is refused now; make a new one.
        return subscription.unsubscribe().then(subscribe).then(function () { show(true); });
      }
      // Tell the server again (this account may be new in this browser); then show it on.
      return api("POST", subscription.toJSON()).then(function () { show(true); });
    })
    .catch(failed);

  on.addEventListener("click", function () {
    on.disabled = true;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") { say(permission === "denied" ? "denied" : "off"); return; }
        return subscribe().then(function () { show(true); });
      })
      .catch(failed)
      .then(function () { on.disabled = false; });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    registration.pushManager.getSubscription()
      .then(function (subscription) {
        if (!subscription) return;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return api("DELETE", { endpoint: endpoint });
        });
      })
      .then(function () { show(false); })
      .catch(failed)
      .then(function () { off.disabled = false; });
  });
})();
