// Photos of the ad form. On the "post an ad" page each picked photo uploads at once, with a
// progress bar, and the form carries the upload's id: an error elsewhere in the form keeps it.
// On the edit page the picked photos are added to the ad at once. Picking more than fits says
// so at once and keeps the first ones. Without JavaScript the plain file input and its submit
// button do the same work (the server keeps the first photos that fit too).
(function () {
  function csrf(form) {
    var field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function say(box, text) {
    var status = box && box.querySelector("[data-status]");
    if (status) status.textContent = text;
  }

  function leftOut(template, count) {
    return (template || "").replace("{count}", String(count));
  }

  function markCover(list) {
    var label = list.getAttribute("data-cover-label") || "1";
    list.querySelectorAll(".photos__cover").forEach(function (badge) { badge.remove(); });
    var first = list.querySelector("li");
    if (first) {
      var badge = document.createElement("span");
      badge.className = "photos__cover";
      badge.textContent = label;
      first.appendChild(badge);
    }
  }

  // --- The "post an ad" page: each photo uploads on its own as soon as it is picked. ---
  function upload(box, list, form, file) {
    var item = document.createElement("li");
    item.className = "previews__item previews__item--uploading";
    var img = document.createElement("img");
    img.src = URL.createObjectURL(file);
    img.alt = file.name;
    img.width = 160;
    img.height = 120;
    var progress = document.createElement("progress");
    progress.className = "previews__progress";
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", (box.getAttribute("data-uploading") || "") + " " + file.name);
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "pending_photos";
    hidden.value = "";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "previews__remove";
    remove.textContent = "✕";
    remove.setAttribute("aria-label", box.getAttribute("data-remove-label") || "✕");
    remove.title = remove.getAttribute("aria-label");
    item.append(img, progress, hidden, remove);
    list.appendChild(item);

    function fail(message) {
      item.xhr = null;
      item.classList.remove("previews__item--uploading");
      item.classList.add("previews__item--failed");
      progress.remove();
      var error = document.createElement("span");
      error.className = "previews__error";
      error.textContent = message;
      item.appendChild(error);
      say(box, file.name + ": " + message);
    }

    var xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("POST", box.getAttribute("data-upload-url"));
    xhr.setRequestHeader("X-CSRFToken", csrf(form));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress.value = Math.round((event.loaded * 100) / event.total);
    });
    xhr.addEventListener("load", function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 201 && data && data.id) {
        item.xhr = null;
        hidden.value = String(data.id);
        URL.revokeObjectURL(img.src);
        img.src = data.thumbnail;
        remove.setAttribute("data-remove-url", box.getAttribute("data-remove-url").replace("/0/", "/" + data.id + "/"));
        progress.remove();
        item.classList.remove("previews__item--uploading");
        item.setAttribute("data-pending", "");
        if (!list.querySelector(".previews__item--uploading")) say(box, box.getAttribute("data-done") || "");
      } else {
        var errors = data && data.errors && data.errors.photo;
        fail(errors ? errors.join(" ") : box.getAttribute("data-failed"));
      }
    });
    xhr.addEventListener("error", function () { fail(box.getAttribute("data-failed")); });
    var body = new FormData();
    body.append("photo", file);
    xhr.send(body);
  }

  document.querySelectorAll("[data-uploader]").forEach(function (box) {
    var input = box.querySelector("input[type=file]");
    var list = box.querySelector(".previews");
    if (!input || !list || !window.FormData) return;
    var form = input.form;
    var max = parseInt(box.getAttribute("data-max"), 10) || 10;
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      input.value = ""; // they go up now, not a second time with the form
      var free = Math.max(max - list.querySelectorAll("li:not(.previews__item--failed)").length, 0);
      var kept = files.slice(0, free);
      say(box, files.length > kept.length ? leftOut(box.getAttribute("data-too-many"), files.length - kept.length) : "");
      kept.forEach(function (file) { upload(box, list, form, file); });
      markCover(list);
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest(".previews__remove");
      if (!button) return;
      var item = button.closest("li");
      var url = button.getAttribute("data-remove-url");
      if (item.xhr) item.xhr.abort();
      if (url) fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf(form) }, credentials: "same-origin" });
      item.remove();
      markCover(list);
      say(box, "");
      input.focus();
    });
    form.addEventListener("submit", function (event) {
      if (list.querySelector(".previews__item--uploading")) {
        event.preventDefault();
        say(box, box.getAttribute("data-wait") || "");
      }
    });
  });

  // --- The edit page: the picked photos are added to the ad at once (the photo panel). ---
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input.matches && input.matches("input[data-autosubmit]") && input.files.length)) return;
    var form = input.form;
    var panel = form.closest("#photos");
    if (!window.FormData || !panel) { form.submit(); return; }
    var files = Array.prototype.slice.call(input.files);
    input.value = "";
    var free = Math.max((parseInt(form.getAttribute("data-max"), 10) || 10) - (parseInt(form.getAttribute("data-count"), 10) || 0), 0);
    var kept = files.slice(0, free);
    var note = files.length > kept.length ? leftOut(form.getAttribute("data-too-many"), files.length - kept.length) : "";
    say(panel, note);
    if (!kept.length) return;
    var progress = form.querySelector("progress");
    progress.hidden = false;
    progress.value = 0;
    progress.setAttribute("aria-label", form.getAttribute("data-uploading") || "");
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf(form));
    kept.forEach(function (file) { body.append("photos", file); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true"); // the answer is the photo panel alone
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) progress.value = Math.round((e.loaded * 100) / e.total);
    });
    xhr.addEventListener("load", function () {
      if (xhr.status !== 200) { progress.hidden = true; say(panel, form.getAttribute("data-failed") || ""); return; }
      var holder = document.createElement("div");
      holder.innerHTML = xhr.responseText;
      var fresh = holder.querySelector("#photos");
      if (!fresh) return;
      panel.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      say(fresh, note);
    });
    xhr.addEventListener("error", function () { progress.hidden = true; say(panel, form.getAttribute("data-failed") || ""); });
    xhr.send(body);
  });
})();
