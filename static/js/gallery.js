// The ad page's gallery. Without JavaScript the photos are a row that scrolls sideways (swipe
// or the scroll bar) and each one links to the full picture. With it: the thumbnails choose the
// photo, a tap or click opens a full-screen viewer (<dialog>: Escape closes it, focus stays in
// it and comes back to the photo), arrow keys and a swipe go to the next or previous photo, a
// "2 / 5" counter and the highlighted thumbnail say where you are. Only the photo strip ever
// scrolls, never the page.
(function () {
  "use strict";
  var root = document.querySelector("[data-gallery]");
  var track = root && root.querySelector(".gallery__track");
  if (!track) return;
  var links = Array.prototype.slice.call(track.querySelectorAll(".gallery__open"));
  var thumbs = Array.prototype.slice.call(root.querySelectorAll(".gallery__thumb"));
  var counter = root.querySelector("[data-gallery-counter]");
  var viewer = root.querySelector("[data-viewer]");
  var viewerImg = viewer && viewer.querySelector("[data-viewer-img]");
  var viewerCounter = viewer && viewer.querySelector("[data-viewer-counter]");
  var total = links.length;
  var current = 0;
  var SWIPE = 40; // px a pointer must travel sideways to count as a swipe

  function position(i) {
    return i + 1 + " / " + total;
  }

  // Keeps a thumbnail visible inside its own strip (scrollIntoView could move the page).
  function reveal(thumb) {
    var strip = thumb.parentNode;
    var left = thumb.offsetLeft;
    var right = left + thumb.offsetWidth;
    if (left < strip.scrollLeft) strip.scrollTo({ left: left - 8 });
    else if (right > strip.scrollLeft + strip.clientWidth) strip.scrollTo({ left: right - strip.clientWidth + 8 });
  }

  // Says which photo is shown: thumbnail, counters, the viewer's picture.
  function mark(i) {
    current = i;
    thumbs.forEach(function (thumb, n) {
      if (n === i) thumb.setAttribute("aria-current", "true");
      else thumb.removeAttribute("aria-current");
    });
    if (thumbs[i]) reveal(thumbs[i]);
    if (counter) counter.textContent = position(i);
    if (viewer && viewer.open) {
      viewerImg.src = links[i].href;
      viewerImg.alt = links[i].querySelector("img").alt;
      viewerCounter.textContent = position(i);
    }
  }

  function go(i, smooth) {
    i = (i + total) % total;
    mark(i);
    track.scrollTo({ left: i * track.clientWidth, behavior: smooth ? "smooth" : "auto" });
  }

  // A swipe on the strip itself (touch scrolling): the photo it settles on becomes current.
  var settle = null;
  function settled() {
    var i = Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
    if (i !== current && i >= 0 && i < total) mark(i);
  }
  if ("onscrollend" in window) track.addEventListener("scrollend", settled);
  else
    track.addEventListener("scroll", function () {
      clearTimeout(settle);
      settle = setTimeout(settled, 150);
    });
  window.addEventListener("resize", function () {
    track.scrollTo({ left: current * track.clientWidth });
  });

  thumbs.forEach(function (thumb, n) {
    thumb.addEventListener("click", function () {
      go(n, true);
    });
  });

  root.addEventListener("keydown", function (event) {
    if (viewer && viewer.open) return; // the viewer has its own keys
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      go(current + (event.key === "ArrowRight" ? 1 : -1), true);
      if (thumbs[current] && thumbs.indexOf(document.activeElement) >= 0) thumbs[current].focus({ preventScroll: true });
    }
  });

  if (!viewer || typeof viewer.showModal !== "function") return; // the links open the picture

  links.forEach(function (link, n) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      mark(n);
      viewer.showModal();
      mark(n); // now open: fills the viewer
      var close = viewer.querySelector("[data-viewer-close]");
      if (close) close.focus();
    });
  });

  viewer.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      go(current + (event.key === "ArrowRight" ? 1 : -1), false);
    } else if (event.key === "Tab") {
      // Tab goes round the viewer's buttons (a modal dialog alone lets it out to the browser).
      var buttons = Array.prototype.slice.call(viewer.querySelectorAll("button"));
      var at = buttons.indexOf(document.activeElement);
      var next = (at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length;
      event.preventDefault();
      buttons[at < 0 ? 0 : next].focus();
    }
  });
  viewer.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-viewer-close")) viewer.close();
    else if (target.hasAttribute("data-viewer-prev")) go(current - 1, false);
    else if (target.hasAttribute("data-viewer-next")) go(current + 1, false);
  });
  // Back on the page: the strip shows the photo last seen, and focus returns to it.
  viewer.addEventListener("close", function () {
    viewerImg.removeAttribute("src");
    go(current, false);
    links[current].focus({ preventScroll: true });
  });

  // Swipe in the viewer: pointer events cover touch, pen and a dragged mouse.
  var stage = viewer.querySelector("[data-viewer-stage]");
  var start = null;
  stage.addEventListener("pointerdown", function (event) {
    start = { x: event.clientX, y: event.clientY, id: event.pointerId };
  });
  stage.addEventListener("pointerup", function (event) {
    if (!start || start.id !== event.pointerId) return;
    var dx = event.clientX - start.x;
    var dy = event.clientY - start.y;
    start = null;
    if (Math.abs(dx) >= SWIPE && Math.abs(dx) > Math.abs(dy)) go(current + (dx < 0 ? 1 : -1), false);
  });
  stage.addEventListener("pointercancel", function () {
    start = null;
  });
  stage.addEventListener("dragstart", function (event) {
    event.preventDefault(); // a mouse drag swipes instead of dragging the picture away
  });
})();
