// ACORN's one small first-party script: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  // Selects marked data-autosubmit submit their form on change (language switch, filters).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) { el.form.submit(); } });
  });
  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }
  // Confirm dialogs for destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); } });
  });
  // Uploads: a file input (shown only with JavaScript) puts the chosen file's text in the textarea the
  // form submits, so the upload works as a plain form either way.
  document.querySelectorAll("input[type=file][data-fills]").forEach(function (input) {
    var target = document.getElementById(input.getAttribute("data-fills"));
    var wrap = input.closest(".js-only");
    if (!target) { return; }
    if (wrap) { wrap.hidden = false; }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      var reader = new FileReader();
      reader.onload = function () { target.value = String(reader.result || ""); };
      reader.readAsText(file);
    });
  });
})();
