// The first-visit splash of the installed app (opened from the home screen, like a native
// app's launch screen). Runs in <head> so the class is set before the first paint. In a browser
// tab, without JavaScript, with reduced motion, or on any later visit nothing is hidden: a page
// opened from a search engine or a shared link shows its content at once.
(function () {
  var KEY = "zattar:splash-seen";
  var root = document.documentElement;
  if (!(window.matchMedia && window.matchMedia("(display-mode: standalone)").matches)) return;
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
