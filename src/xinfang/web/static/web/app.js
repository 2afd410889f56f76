// Keyboard shortcuts of the workbench: "/" focuses the search box, "g" then "h" goes home.
(function () {
  let lastKey = "";
  document.addEventListener("keydown", function (ev) {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "/") {
      const box = document.querySelector("input[name=q]");
      if (box) { ev.preventDefault(); box.focus(); }
    } else if (lastKey === "g" && ev.key === "h") {
      window.location.href = "/";
    } else if (lastKey === "g" && ev.key === "q") {
      window.location.href = "/queue/all/";
    }
    lastKey = ev.key;
  });
})();

// No inline event handlers (the Content-Security-Policy forbids them): behaviour comes from data attributes.
//   data-confirm="…"   on a button or link: ask first, go on only when confirmed
//   data-autosubmit    on a select: submit its form on change
//   data-history-back  on a link: go back in the history when there is one, else follow the link
//   data-print         on a button: print the page
//   data-details-open / data-details-close="selector"  on a button: open or close those <details>
//   data-cite-into="selector"  on a button: append its data-cite to that field of its form
//   data-no-enter      on an input: Enter does not submit the form
(function () {
  function closest(ev, sel) { return ev.target.closest ? ev.target.closest(sel) : null; }
  document.addEventListener("click", function (ev) {
    const asker = closest(ev, "[data-confirm]");
    if (asker && !window.confirm(asker.dataset.confirm)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return;
    }
    const back = closest(ev, "[data-history-back]");
    if (back && window.history.length > 1) {
      ev.preventDefault();
      window.history.back();
      return;
    }
    if (closest(ev, "[data-print]")) { window.print(); return; }
    const toggle = closest(ev, "[data-details-open], [data-details-close]");
    if (toggle) {
      const open = toggle.hasAttribute("data-details-open");
      const sel = open ? toggle.dataset.detailsOpen : toggle.dataset.detailsClose;
      document.querySelectorAll(sel).forEach(function (d) { d.open = open; });
      return;
    }
    const cite = closest(ev, "[data-cite-into]");
    if (cite) {
      const form = cite.closest("form");
      const t = form && form.querySelector(cite.dataset.citeInto);
      if (t) {
        t.value = (t.value ? t.value.replace(/\s+$/, "") + "；" : "") + cite.dataset.cite;
        t.focus();
      }
    }
  }, true);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.matches && ev.target.matches("input[data-no-enter]")) ev.preventDefault();
  });
  document.addEventListener("change", function (ev) {
    const el = ev.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
})();
