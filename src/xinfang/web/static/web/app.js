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
