// The citizen portal: no inline scripts (CSP). Print buttons, language switch, the confirm-once guard.
document.addEventListener("click", function (e) {
  var t = e.target.closest("[data-print]");
  if (t) { e.preventDefault(); window.print(); }
});
document.addEventListener("change", function (e) {
  if (e.target.matches("[data-autosubmit]")) { e.target.form.submit(); }
});
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (f.matches("[data-once]")) {
    if (f.dataset.sent) { e.preventDefault(); return; }
    f.dataset.sent = "1";
  }
});
