// File uploads with a real progress bar (XMLHttpRequest upload events), drag and drop, and the same
// limits the server enforces, checked before a byte is sent. Without this script the form posts normally.
(function () {
  "use strict";

  function extensionOf(name) {
    var dot = name.lastIndexOf(".");
    return dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
  }

  function problemWith(file, form) {
    if (!file) return "Choose a file to upload.";
    var allowed = form.dataset.allowed.split(",");
    if (allowed.indexOf(extensionOf(file.name)) < 0) {
      return "Debitura does not accept this file type. Allowed: ." + allowed.join(", .") + ".";
    }
    if (file.size === 0) return "The file is empty.";
    if (file.size > Number(form.dataset.maxBytes)) {
      return "The file is " + (file.size / 1024 / 1024).toFixed(1) + " MB; Debitura accepts at most 25 MB.";
    }
    return "";
  }

  function setup(form) {
    var input = form.querySelector('input[type="file"]');
    var errorNote = form.querySelector("[data-upload-error]");
    var status = form.querySelector("[data-upload-status]");
    var progressBox = form.querySelector("[data-upload-progress]");
    var bar = form.querySelector("[data-upload-bar]");
    var percent = form.querySelector("[data-upload-percent]");
    var button = form.querySelector("[data-upload-button]");
    var retry = form.querySelector("[data-upload-retry]");
    var dropZone = form.querySelector("[data-drop-zone]");
    var pending = null; // the file of a failed attempt, resent as is by "Retry upload"

    function showError(message) {
      errorNote.textContent = message;
      errorNote.hidden = !message;
      if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    }

    function setProgress(value) {
      bar.value = value;
      percent.textContent = value + " %";
    }

    function check() {
      var message = problemWith(input.files[0], form);
      showError(input.files.length ? message : "");
      button.disabled = Boolean(message) && input.files.length > 0;
      return message;
    }

    function finish(ok, message, canRetry) {
      status.textContent = message;
      button.disabled = false;
      retry.hidden = !canRetry;
      if (ok) {
        pending = null;
        form.reset();
        document.body.dispatchEvent(new CustomEvent("fileUploaded", { bubbles: true }));
      } else {
        showError(message);
      }
    }

    function send(file) {
      var data = new FormData(form);
      data.set("file", file, file.name);
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) setProgress(Math.floor((event.loaded / event.total) * 100));
      });
      request.upload.addEventListener("load", function () {
        setProgress(100);
        status.textContent = "Sent to the dashboard; waiting for Debitura to confirm…";
      });
      request.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (err) { answer = null; }
        if (answer && answer.csrf_token) {
          document.body.dispatchEvent(new CustomEvent("csrf-renewed", { detail: { token: answer.csrf_token } }));
        }
        if (answer && answer.ok) {
          finish(true, answer.message, false);
          // After the reset: the next file gets the fresh key, never the finished one.
          var key = form.querySelector('input[name="idempotency_key"]');
          if (key && answer.next_key) {
            key.setAttribute("value", answer.next_key);
            key.value = answer.next_key;
          }
        } else if (request.status === 413 && !(answer && answer.message)) {
          finish(false, "The file is larger than 25 MB, the most Debitura accepts.", false);
        } else {
          var message = answer && answer.message ? answer.message : "The upload failed (HTTP " + request.status + ").";
          if (!answer || answer.retry) pending = file;
          finish(false, message, Boolean(pending));
        }
      });
      request.addEventListener("error", function () {
        pending = file;
        finish(false, "The connection dropped during the upload. Retry sends the same file once.", true);
      });
      pending = file;
      showError("");
      retry.hidden = true;
      button.disabled = true;
      progressBox.hidden = false;
      setProgress(0);
      status.textContent = "Uploading " + file.name + "…";
      request.send(data);
    }

    input.addEventListener("change", check);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = problemWith(input.files[0], form);
      if (message) {
        showError(message);
        input.focus();
        return;
      }
      send(input.files[0]);
    });

    retry.querySelector("button").addEventListener("click", function () {
      if (pending) send(pending);
    });

    ["dragenter", "dragover"].forEach(function (name) {
      dropZone.addEventListener(name, function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      });
    });
    dropZone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-upload-form]").forEach(setup);
  });
})();
