// Incident and ticket pages (issue 14): each action the state allows is a button that opens its form in a native
// <dialog> (focus moves into it, Esc or 关闭 closes it, focus returns to the button). A form that failed validation
// comes back open (data-open-on-load). No inline script: the Content-Security-Policy forbids it.
(function () {
  function open(dialog) {
    if (!dialog || dialog.open) return;
    dialog.showModal();
    // Into the first field rather than the 关闭 button the browser would pick.
    var first = dialog.querySelector(".action-form input:not([type=hidden]), .action-form select, .action-form textarea, .merge-search input");
    if (first && !dialog.hasAttribute("data-open-on-load")) first.focus();
  }
  document.querySelectorAll("button[data-opens]").forEach(function (button) {
    button.addEventListener("click", function () {
      open(document.getElementById(button.getAttribute("aria-controls")));
    });
  });
  // The candidate list of the merge dialog: choosing a number fills the field.
  document.querySelectorAll("button[data-fill]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.fill);
      if (!field) return;
      field.value = button.dataset.value;
      field.focus();
    });
  });
  var failed = document.querySelector("dialog[data-open-on-load]");
  if (failed) {
    open(failed);
    var invalid = failed.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (invalid) invalid.focus();
  }
})();
