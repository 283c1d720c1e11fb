// The search page's filters (templates/listings/search.html). Without this file the page works
// as a form with a submit button and links (chips, "clear all", "show more"); with it:
// - wide screens: the panel is unfolded and a changed filter updates the results at once (htmx);
// - phones: the panel is a sheet opened by "Filters (N)"; as its fields change, its button
//   says how many ads they find ("Show N ads", from the count endpoint), and applies them;
// - the header's box (which belongs to the filters' form here) searches as one types.
// The layout is swapped by htmx when a chip is removed, so everything is looked up on use.
(function () {
  var FORM_ID = "search-filters";
  var wide = window.matchMedia("(min-width: 1024px)");
  if (!document.getElementById(FORM_ID)) return;

  function form() { return document.getElementById(FORM_ID); }
  function panel() { return document.querySelector("#" + FORM_ID + " .filters__details"); }
  function ours(element) { return element && element.form && element.form.id === FORM_ID; }

  function unfold() {
    var details = panel();
    if (details && wide.matches) details.open = true;
  }
  unfold();
  document.addEventListener("htmx:afterSettle", unfold);

  function apply() {
    var f = form();
    if (f.requestSubmit) f.requestSubmit(); else f.dispatchEvent(new Event("submit", { cancelable: true }));
  }

  // "Show N ads": the count for the panel's current choices; the newest answer wins.
  var asked = 0;
  function count() {
    var f = form();
    var label = document.getElementById("filters-apply-label");
    if (!f || !label) return;
    var params = new URLSearchParams(new FormData(f));
    var mine = ++asked;
    f.setAttribute("aria-busy", "true");
    fetch(f.dataset.countUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (answer) {
        if (mine !== asked) return;
        if (answer.ok) label.textContent = answer.data.label;
      })
      .catch(function () {})
      .then(function () { if (mine === asked) f.removeAttribute("aria-busy"); });
  }

  var timer;
  function later(action, ms) {
    clearTimeout(timer);
    timer = setTimeout(action, ms);
  }

  document.addEventListener("change", function (event) {
    if (!ours(event.target) || event.target.type === "search") return;
    if (wide.matches) later(apply, 0); else later(count, 0);
  });
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!ours(field)) return;
    if (field.name === "q") later(apply, 400);            // the header's box: search as one types
    else if (field.type === "number") later(wide.matches ? apply : count, 500);  // a price

  });

  // Applying on a phone folds the sheet and shows the results from their top.
  document.addEventListener("submit", function (event) {
    if (event.target.id !== FORM_ID || wide.matches) return;
    var details = panel();
    if (details && details.open) {
      details.open = false;
      var results = document.getElementById("results");
      if (results) results.scrollIntoView({ block: "start" });
    }
  });

  // The sheet's ×: without JS a link back to this page, here it just folds the sheet.
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest(".filters__close");
    if (!close) return;
    event.preventDefault();
    var details = panel();
    if (details) details.open = false;
    var summary = details && details.querySelector("summary");
    if (summary) summary.focus();
  });

  // The page behind an open sheet does not scroll, focus moves into it; Escape folds it.
  document.addEventListener("toggle", function (event) {
    if (!event.target.classList || !event.target.classList.contains("filters__details")) return;
    var sheet = event.target.open && !wide.matches;
    document.documentElement.classList.toggle("has-sheet", sheet);
    if (sheet) event.target.querySelector(".filters__close").focus();  // the sheet covers the summary
  }, true);
  document.addEventListener("keydown", function (event) {
    var details = panel();
    if (event.key === "Escape" && details && details.open && !wide.matches) {
      details.open = false;
      details.querySelector("summary").focus();
    }
  });
})();
