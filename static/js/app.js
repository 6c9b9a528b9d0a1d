// Small progressive enhancements; every page works without them except copying.
(function () {
  "use strict";

  function flash(message, category) {
    var area = document.getElementById("flash");
    if (!area) return;
    var note = document.createElement("div");
    note.className = "flash flash--" + (category || "info");
    note.setAttribute("role", category === "error" ? "alert" : "status");
    note.textContent = message;
    area.appendChild(note);
  }

  // <button data-copy="text" data-copy-label="URL"> or data-copy-from="#element-id"
  async function copyFrom(button) {
    var text = button.dataset.copy;
    if (button.dataset.copyFrom) {
      var source = document.querySelector(button.dataset.copyFrom);
      text = source ? (source.value !== undefined ? source.value : source.textContent) : "";
    }
    text = (text || "").trim();
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      var original = button.dataset.originalLabel || button.textContent;
      button.dataset.originalLabel = original;
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.textContent = original; }, 2000);
    } catch (err) {
      flash("Copying failed; select the text and press Ctrl+C.", "error");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-from]");
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });

  // Confirmation before irreversible actions: <form data-confirm="Withdraw this client?">
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  // An htmx form sent with an expired CSRF token is refused without swapping anything; the answer
  // carries a fresh token, put here on every form and on htmx's own header so pressing again works.
  document.body.addEventListener("csrf-renewed", function (event) {
    var token = event.detail && event.detail.token;
    if (!token) return;
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = token; });
  });

  window.dashboard = { flash: flash };
})();
