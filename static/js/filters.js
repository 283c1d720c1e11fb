// The filter panel is folded on phones (results first) and unfolded on wide screens.
(function () {
  var panel = document.querySelector(".filters__details");
  if (panel && window.matchMedia("(min-width: 1024px)").matches) panel.open = true;
})();
