// Live preview for the return-URL builder (templates/_macros/return_url.html).
// The rules mirror dashboard/services/return_urls.py so the browser and the server build the same URL.
(function () {
  "use strict";

  var MAX_LENGTH = 2048;
  var PARAMETER = "returnUrl";

  function problem(value) {
    if (value.length > MAX_LENGTH) {
      return "The return address is " + value.length + " characters long; Debitura accepts at most " + MAX_LENGTH + ".";
    }
    if (/\s/.test(value)) return "The return address must not contain spaces.";
    var parsed;
    try { parsed = new URL(value); } catch (err) { parsed = null; }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) {
      return "Enter a full address starting with https:// (or http://), e.g. https://app.example.com/done.";
    }
    return "";
  }

  // Same bytes as Python's quote(value, safe=""): encodeURIComponent leaves !'()* alone, Python does not.
  function encode(value) {
    return encodeURIComponent(value).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  function build(base, value) {
    var hashAt = base.indexOf("#");
    var fragment = hashAt >= 0 ? base.slice(hashAt) : "";
    var rest = hashAt >= 0 ? base.slice(0, hashAt) : base;
    var queryAt = rest.indexOf("?");
    var path = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
    var query = queryAt >= 0 ? rest.slice(queryAt + 1) : "";
    var kept = query.split("&").filter(function (pair) {
      return pair && pair.split("=")[0].toLowerCase() !== PARAMETER.toLowerCase();
    });
    kept.push(PARAMETER + "=" + encode(value));
    return path + "?" + kept.join("&") + fragment;
  }

  function apply(builder) {
    var input = builder.querySelector('input[name="return_url"]');
    var errorNote = builder.querySelector("[data-return-url-error]");
    var value = input.value.trim();
    var message = value ? problem(value) : "";
    if (errorNote) {
      errorNote.textContent = message;
      errorNote.hidden = !message;
    }
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    var scope = document.querySelector(builder.dataset.scope || "#main") || document;
    scope.querySelectorAll("[data-return-url-target]").forEach(function (box) {
      var base = box.dataset.baseUrl;
      var url = value && !message ? build(base, value) : base;
      var field = box.querySelector("input");
      if (field) field.value = url;
      box.querySelectorAll("[data-message-template]").forEach(function (button) {
        button.dataset.copy = button.dataset.messageTemplate.split("{url}").join(url);
      });
    });
  }

  function applyAll() {
    document.querySelectorAll("[data-return-url-builder]").forEach(apply);
  }

  document.addEventListener("input", function (event) {
    var builder = event.target.closest("[data-return-url-builder]");
    if (builder) apply(builder);
  });
  // Rows swapped in by htmx get the current return address too.
  document.addEventListener("htmx:afterSettle", applyAll);
  document.addEventListener("DOMContentLoaded", applyAll);
})();
