// "I received it: release the money" opens a dialog that says what cannot be undone; only its
// "Yes" sends the confirmation. Without JavaScript the button posts without it and the server
// answers with the same question on a page of its own.
(function () {
  var dialog = document.getElementById("release-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  document.querySelectorAll("[data-release-open]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
  });
  dialog.addEventListener("close", function () {
    var opener = document.querySelector("[data-release-open]");
    if (opener) opener.focus();
  });
})();
