// Keyboard focus across htmx swaps. When htmx replaces the region that held the focus (a chip, a sort
// header, a live refresh, Re-issue, Read again, a form sent back with errors) the focused element is
// gone and the browser drops focus to <body>. This puts it back on the same control in the new content,
// or, when the answer brought an error, on the first invalid field or on the alert that explains it.
(function () {
  "use strict";

  var ATTRIBUTES = ["id", "name", "hx-get", "hx-post", "href", "data-copy-from", "aria-label"];
  var pending = null; // what the swap under way replaces: {focused, failed, alertsBefore, settled}

  function toArray(list) { return Array.prototype.slice.call(list); }

  function selectorFor(element) {
    for (var i = 0; i < ATTRIBUTES.length; i++) {
      var value = element.getAttribute(ATTRIBUTES[i]);
      if (value) return element.tagName.toLowerCase() + "[" + ATTRIBUTES[i] + '="' + CSS.escape(value) + '"]';
    }
    return null;
  }

  function textOf(element) { return (element.textContent || "").trim(); }

  // The focused control, by its own attributes, the form it submits, and its place among its kind
  // (a sort header's link changes its URL and its arrow, not its place).
  function describe(element, region) {
    return {
      selector: selectorFor(element),
      formSelector: element.form ? selectorFor(element.form) : null,
      tag: element.tagName.toLowerCase(),
      text: textOf(element),
      index: toArray(region.querySelectorAll(element.tagName)).indexOf(element),
    };
  }

  function withText(candidates, text) {
    return candidates.filter(function (element) { return textOf(element) === text; })[0] || null;
  }

  // The same attributes and text; else the same button of the same form; else the same place
  // (a chip whose count changed, a sort header whose link and arrow changed); else the same attributes.
  function find(focused, scopes) {
    var bySelector = focused.selector ? toArray(document.querySelectorAll(focused.selector)) : [];
    var form = focused.formSelector ? document.querySelector(focused.formSelector) : null;
    var found = withText(bySelector, focused.text) || (form && withText(toArray(form.querySelectorAll(focused.tag)), focused.text));
    for (var i = 0; !found && i < scopes.length; i++) {
      found = scopes[i].querySelectorAll(focused.tag)[focused.index] || null;
    }
    return found || bySelector[0] || null;
  }

  function focusOn(element) {
    if (!element) return false;
    if (element.tabIndex < 0 && !element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
    element.focus();
    return document.activeElement === element;
  }

  function firstInvalid(scope) {
    return scope.querySelector('[aria-invalid="true"]:not([disabled])');
  }

  function alerts() { return toArray(document.querySelectorAll('[role="alert"]')); }

  function nothingFocused() {
    return !document.activeElement || document.activeElement === document.body;
  }

  function afterSwap() {
    var swap = pending;
    pending = null;
    var scopes = swap.settled.filter(function (element) { return element.isConnected; });
    // Only an answer that refused something moves focus to a field: a live refresh never pulls it away.
    for (var i = 0; swap.failed && i < scopes.length; i++) {
      if (focusOn(firstInvalid(scopes[i]))) return;
    }
    var fresh = alerts().filter(function (element) { return swap.alertsBefore.indexOf(element) < 0; });
    if (fresh.length && focusOn(fresh[0])) return;
    if (swap.focused && nothingFocused()) focusOn(find(swap.focused, scopes));
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.shouldSwap === false) return;
    var target = event.detail.target;
    var active = document.activeElement;
    var holds = target && active && active !== document.body && (target === active || target.contains(active));
    var status = event.detail.xhr ? event.detail.xhr.status : 200;
    pending = { focused: holds ? describe(active, target) : null, failed: status >= 400, alertsBefore: alerts(), settled: [] };
  });

  // One swap settles several elements (the region, out-of-band flash messages): decide once all have.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!pending) return;
    pending.settled.push(event.target);
    if (!pending.scheduled) {
      pending.scheduled = true;
      window.setTimeout(afterSwap, 0);
    }
  });

  // A page sent back with errors (a plain form post): start at the first field to fix, or at the alert.
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[autofocus]")) return;
    if (focusOn(firstInvalid(document.getElementById("main") || document.body))) return;
    var alert = document.querySelector('.flash[role="alert"]');
    if (alert) focusOn(alert);
  });
})();
