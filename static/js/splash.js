// The first-visit splash. Runs in <head> so the class is set before the first paint; without
// JavaScript, with reduced motion, or on any later visit nothing is hidden at all.
(function () {
  var KEY = "zattar:splash-seen";
  var root = document.documentElement;
  try {
    if (localStorage.getItem(KEY)) return;
    localStorage.setItem(KEY, "1");
  } catch (e) {
    return; // storage blocked: never risk showing the splash on every page
  }
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
  root.classList.add("splash-on");
  setTimeout(function () { root.classList.remove("splash-on"); }, 2000);
})();
