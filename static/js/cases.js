// Case and pricing forms: show the US state only for US debtors, and only the age inputs of the chosen
// way of describing the debt's age. Hidden inputs are disabled too, so they are never sent.
(function () {
  "use strict";

  function toggle(container, show) {
    container.hidden = !show;
    container.querySelectorAll("input, select, textarea").forEach(function (input) {
      input.disabled = !show;
    });
  }

  // A form with several cases (a new client's first cases) keeps each case's fields in a [data-case] box.
  function countryOf(scope) {
    return scope.querySelector('select[name$="debtor_country"], select[name="country"]');
  }

  function refresh(form) {
    form.querySelectorAll("[data-us-only]").forEach(function (box) {
      var country = countryOf(box.closest("[data-case]") || form);
      var hasError = box.querySelector(".error");
      toggle(box, Boolean(hasError) || !country || country.value === "US");
    });
    var chosen = form.querySelector('input[name="age_mode"]:checked');
    form.querySelectorAll("[data-age-mode]").forEach(function (box) {
      toggle(box, Boolean(chosen) && box.dataset.ageMode === chosen.value);
    });
  }

  function refreshAll() {
    document.querySelectorAll("form").forEach(refresh);
  }

  document.addEventListener("change", function (event) {
    if (event.target.form) refresh(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", refreshAll);
  document.addEventListener("htmx:afterSettle", refreshAll);
})();
