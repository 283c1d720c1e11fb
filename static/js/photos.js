// Photo previews for the ad form, and auto-upload on the edit page. Without JavaScript the
// plain file input and its submit button do the same work.
(function () {
  document.querySelectorAll("[data-previews-for]").forEach(function (list) {
    var input = document.getElementById(list.getAttribute("data-previews-for"));
    if (!input) return;
    input.addEventListener("change", function () {
      list.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
      list.textContent = "";
      Array.prototype.slice.call(input.files, 0, 10).forEach(function (file, index) {
        var item = document.createElement("li");
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        item.appendChild(img);
        if (index === 0) {
          var badge = document.createElement("span");
          badge.className = "photos__cover";
          badge.textContent = list.getAttribute("data-cover-label") || "1";
          item.appendChild(badge);
        }
        list.appendChild(item);
      });
    });
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-autosubmit]") && input.files.length) {
      if (window.htmx) { window.htmx.trigger(input.form, "submit"); } else { input.form.submit(); }
    }
  });
})();
