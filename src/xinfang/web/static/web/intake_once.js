/* 登记: the form is sent once. A second click while the first post is on its way does nothing, and
   the save button shows that it is saving; the server's one-time form token stops whatever still
   arrives twice (back and resubmit). Coming back to the page (back button) enables it again. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var button = document.getElementById("intake-save");
  var sending = false;
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return; // intake.js kept the form (a problem to fix first)
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    if (button) {
      // disabled after the submission has started, so the browser still sends the form
      window.setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }, 0);
    }
  });
  window.addEventListener("pageshow", function () {
    sending = false;
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
})();
